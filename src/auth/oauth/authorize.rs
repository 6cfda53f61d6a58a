//! The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) parsed into a type.
//!
//! Order matters (RFC 9700 §4.1): until the client and its exact redirect URI are proven,
//! every error is shown to the person as a page and nothing is redirected; after that,
//! errors go back to the client's redirect URI with `state` and `iss`.

pub use super::authorization_request::{
    AuthorizationRequest, AuthorizeError, Prompt, RedirectError, UntrustedRequest, redirect_with,
};
use super::error::{ErrorCode, OAuthError};
use super::params::Params;
use super::pkce;
use super::pushed_request;
use super::resource;
use super::scope::Scopes;
use crate::auth::clients::{Client, ClientId, GrantType};
use crate::auth::context::AuthContext;
use crate::auth::oidc::claims::ClaimsRequest;
use crate::auth::oidc::id_token::ACR_PASSWORD;

fn page(reason: UntrustedRequest) -> AuthorizeError {
    AuthorizeError::Page(reason)
}

const MAX_STATE: usize = 2048;
const MAX_NONCE: usize = 512;

/// How an authorization request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// At `/authorize`, in the browser's URL (or form); may name a pushed `request_uri`.
    Front,
    /// Pushed by an authenticated client to `/par` (RFC 9126): checked exactly as at
    /// `/authorize`, minus what PAR itself stands in for.
    Pushed,
}

/// An authorization request at `/authorize`: parsed from its parameters, or (with
/// `request_uri`) the one the client pushed before.
pub async fn parse(
    ctx: &AuthContext,
    p: &Params,
) -> Result<(Client, AuthorizationRequest), AuthorizeError> {
    parse_as(ctx, p, Arrival::Front).await
}

pub async fn parse_as(
    ctx: &AuthContext,
    p: &Params,
    arrival: Arrival,
) -> Result<(Client, AuthorizationRequest), AuthorizeError> {
    // 1. The client.
    if p.is_duplicated("client_id") {
        return Err(page(UntrustedRequest::ClientIdRepeated));
    }
    let client_id = p
        .get("client_id")
        .ok_or_else(|| page(UntrustedRequest::ClientIdMissing))?;
    // An id that cannot be one of ours gets the same answer as an unknown one.
    let client_id =
        ClientId::parse(client_id).ok_or_else(|| page(UntrustedRequest::UnknownClient))?;
    let client = ctx
        .stores
        .clients
        .get_client(&client_id)
        .await
        .map_err(|e| AuthorizeError::Unavailable(e.into()))?
        .ok_or_else(|| page(UntrustedRequest::UnknownClient))?;

    // A pushed request stands for every other parameter (RFC 9126 §4). Any other
    // `request_uri` (an OIDC request object by reference) is refused further down.
    if arrival == Arrival::Front
        && ctx.config.par.enabled
        && let Some(request_uri) = p.get("request_uri")
        && request_uri.starts_with(pushed_request::REQUEST_URI_PREFIX)
    {
        let request = pushed_request::redeem(ctx, &client, request_uri, ctx.clock.now()).await?;
        return Ok((client, request));
    }

    // 2. The redirect URI, by exact string match against the registered ones.
    if p.is_duplicated("redirect_uri") {
        return Err(page(UntrustedRequest::RedirectUriRepeated));
    }
    let (redirect_uri, redirect_uri_sent) = match p.get("redirect_uri") {
        Some(uri) => match client.redirect_uri(uri) {
            Some(registered) => (registered.clone(), true),
            None => return Err(page(UntrustedRequest::UnregisteredRedirectUri)),
        },
        None if client.redirect_uris.len() == 1 => (client.redirect_uris[0].clone(), false),
        None => return Err(page(UntrustedRequest::RedirectUriMissing)),
    };

    // From here on, errors are redirected.
    let state = p.get("state").map(str::to_owned);
    let fail = |error: OAuthError| {
        AuthorizeError::Redirect(RedirectError {
            redirect_uri: redirect_uri.clone(),
            state: state.clone().filter(|s| s.len() <= MAX_STATE),
            error,
        })
    };
    let invalid = |d: &str| fail(OAuthError::invalid_request(d.to_owned()));

    if let Some(dup) = p.first_duplicate() {
        return Err(invalid(&format!(
            "parameter `{dup}` was sent more than once"
        )));
    }
    if state.as_ref().is_some_and(|s| s.len() > MAX_STATE) {
        return Err(invalid("state is too long"));
    }
    if p.get("request").is_some() {
        return Err(fail(OAuthError::new(
            ErrorCode::RequestNotSupported,
            "request objects are not supported",
        )));
    }
    if p.get("request_uri").is_some() {
        return Err(fail(OAuthError::new(
            ErrorCode::RequestUriNotSupported,
            "request_uri is not supported",
        )));
    }
    if arrival == Arrival::Front
        && ctx.config.par.enabled
        && (ctx.config.par.required || client.require_par)
    {
        return Err(invalid(
            "this client must push its authorization requests (RFC 9126) and send request_uri",
        ));
    }
    match p.get("response_type") {
        None => return Err(invalid("response_type is missing")),
        Some("code") => {}
        Some(_) => {
            return Err(fail(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            )));
        }
    }
    if !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(fail(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the authorization code grant",
        )));
    }
    if let Some(mode) = p.get("response_mode")
        && mode != "query"
    {
        return Err(invalid("only response_mode=query is supported"));
    }
    let scopes = Scopes::parse(p.get("scope")).map_err(fail)?;
    scopes.check_allowed(&client.scopes).map_err(fail)?;
    let resources = resource::parse(&ctx.config, p.get_all("resource")).map_err(fail)?;

    let code_challenge = pkce::accept_challenge(
        p.get("code_challenge"),
        p.get("code_challenge_method"),
        client.is_public(),
    )
    .map_err(fail)?;

    let prompt = parse_prompt(p.get("prompt")).map_err(|d| invalid(&d))?;
    let max_age = match p.get("max_age") {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| invalid("max_age must be a non-negative integer"))?,
        ),
    };
    let nonce = p.get("nonce").map(str::to_owned);
    if nonce.as_ref().is_some_and(|n| n.len() > MAX_NONCE) {
        return Err(invalid("nonce is too long"));
    }
    if let Some(display) = p.get("display")
        && !matches!(display, "page" | "popup" | "touch" | "wap")
    {
        return Err(invalid("display must be page, popup, touch or wap"));
    }
    let claims = ClaimsRequest::parse(p.get("claims")).map_err(fail)?;
    if let Some(acr) = &claims.essential_acr
        && !acr.iter().any(|a| a == ACR_PASSWORD)
    {
        return Err(fail(OAuthError::new(
            ErrorCode::AccessDenied,
            "the essential acr requested cannot be satisfied",
        )));
    }
    let id_token_hint_sub = match p.get("id_token_hint") {
        None => None,
        Some(hint) => Some(
            ctx.id_tokens
                .verify_hint(hint)
                .filter(|(_, aud)| aud.iter().any(|a| *a == client_id))
                .map(|(sub, _)| sub)
                .ok_or_else(|| {
                    invalid("id_token_hint is not an ID token this server issued to this client")
                })?,
        ),
    };
    let login_hint = p
        .get("login_hint")
        .filter(|h| h.len() <= 254)
        .map(str::to_owned);
    let ui_locales = p
        .get("ui_locales")
        .filter(|h| h.len() <= 100)
        .map(str::to_owned);

    let request = AuthorizationRequest {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        redirect_uri_sent,
        scopes,
        state: state.clone(),
        nonce,
        code_challenge,
        prompt,
        max_age,
        id_token_hint_sub,
        login_hint,
        ui_locales,
        claims,
        resources,
    };
    Ok((client, request))
}

pub fn parse_prompt(raw: Option<&str>) -> Result<Prompt, String> {
    let mut prompt = Prompt::default();
    for value in raw.unwrap_or("").split(' ').filter(|v| !v.is_empty()) {
        match value {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => prompt.select_account = true,
            other => return Err(format!("prompt value `{other}` is not supported")),
        }
    }
    if prompt.none && (prompt.login || prompt.consent || prompt.select_account) {
        return Err("prompt=none cannot be combined with other values".into());
    }
    Ok(prompt)
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
