//! The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) parsed into a type.
//!
//! Order matters (RFC 9700 §4.1): until the client and its exact redirect URI are proven,
//! every error is shown to the person as a page and nothing is redirected; after that,
//! errors go back to the client's redirect URI with `state` and `iss`.

use serde::{Deserialize, Serialize};

use super::error::{ErrorCode, OAuthError};
use super::params::Params;
use super::pkce;
use super::resource;
use super::scope::Scopes;
use crate::auth::clients::{Client, ClientId, GrantType, RedirectUri};
use crate::auth::context::AuthContext;
use crate::auth::oidc::claims::ClaimsRequest;
use crate::auth::oidc::id_token::ACR_PASSWORD;

/// `prompt` values (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
    pub select_account: bool,
}

/// A validated authorization request: everything the interaction and the code need.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: ClientId,
    pub redirect_uri: RedirectUri,
    /// Whether `redirect_uri` was sent (then the token request must repeat it).
    pub redirect_uri_sent: bool,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// Encoded S256 challenge, if any.
    pub code_challenge: Option<pkce::CodeChallenge>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub id_token_hint_sub: Option<String>,
    pub login_hint: Option<String>,
    pub ui_locales: Option<String>,
    pub claims: ClaimsRequest,
    /// RFC 8707 resources the access tokens are for (empty: by scope).
    #[serde(default)]
    pub resources: Vec<String>,
    /// The client demands a second step (two-step login): `acr_values` names the
    /// configured `two_step.mfa_acr`, or an essential `acr` claim accepts only it.
    #[serde(default)]
    pub require_mfa: bool,
}

/// An error shown as a page: the client or redirect URI could not be trusted. A closed
/// set, so the page can say each one in the person's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UntrustedRequest {
    ClientIdRepeated,
    ClientIdMissing,
    UnknownClient,
    RedirectUriRepeated,
    RedirectUriMissing,
    UnregisteredRedirectUri,
    /// RFC 9126: a `request_uri` that is unknown, already used or expired.
    RequestUriInvalid,
    /// RFC 9126: a `request_uri` another client pushed.
    RequestUriOtherClient,
}

impl UntrustedRequest {
    /// In English, for logs and tests.
    pub fn reason(self) -> &'static str {
        match self {
            UntrustedRequest::ClientIdRepeated => "client_id was sent more than once",
            UntrustedRequest::ClientIdMissing => "client_id is missing",
            UntrustedRequest::UnknownClient => "client_id is not registered",
            UntrustedRequest::RedirectUriRepeated => "redirect_uri was sent more than once",
            UntrustedRequest::RedirectUriMissing => "redirect_uri is missing",
            UntrustedRequest::UnregisteredRedirectUri => {
                "redirect_uri is not registered for this client"
            }
            UntrustedRequest::RequestUriInvalid => {
                "request_uri is unknown, already used or expired"
            }
            UntrustedRequest::RequestUriOtherClient => "request_uri was pushed by another client",
        }
    }
}

/// An error to send back to a proven redirect URI.
#[derive(Debug, Clone)]
pub struct RedirectError {
    pub redirect_uri: RedirectUri,
    pub state: Option<String>,
    pub error: OAuthError,
}

#[derive(Debug)]
pub enum AuthorizeError {
    Page(UntrustedRequest),
    Redirect(RedirectError),
    /// Storage failed before the redirect URI was proven.
    Unavailable(OAuthError),
}

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
        && request_uri.starts_with(super::par::REQUEST_URI_PREFIX)
    {
        let request = super::par::redeem(ctx, &client, request_uri, ctx.clock.now()).await?;
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
    let mfa_acr = ctx.config.two_step.mfa_acr.as_str();
    if let Some(acr) = &claims.essential_acr
        && !acr.iter().any(|a| a == ACR_PASSWORD || a == mfa_acr)
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

    // OIDC Core §3.1.2.1 `acr_values`; §5.5.1.1 an essential `acr`: either can ask for the
    // second step (step-up), which is then required, not merely preferred.
    let require_mfa = p
        .get("acr_values")
        .is_some_and(|v| v.split(' ').any(|a| a == mfa_acr))
        || claims
            .essential_acr
            .as_ref()
            .is_some_and(|acr| !acr.iter().any(|a| a == ACR_PASSWORD));
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
        require_mfa,
    };
    Ok((client, request))
}

impl AuthorizationRequest {
    /// What the person is asked to grant: the requested scopes plus the scopes that cover
    /// claims requested one by one through the `claims` parameter. Consent is remembered,
    /// and compared, in these terms.
    pub fn consent_scopes(&self) -> Scopes {
        let implied = crate::auth::oidc::claims::scopes_for_requested(&self.claims);
        if implied.iter().all(|s| self.scopes.contains(s)) {
            return self.scopes.clone();
        }
        Scopes::from_list(
            self.scopes
                .iter()
                .map(str::to_owned)
                .chain(implied.into_iter().map(str::to_owned)),
        )
    }
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

/// `redirect_uri` with `params` appended to its query (keeping any query it already has),
/// plus RFC 9207 `iss`.
pub fn redirect_with(redirect_uri: &RedirectUri, issuer: &str, params: &[(&str, &str)]) -> String {
    let redirect_uri = redirect_uri.as_str();
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
                q.append_pair("iss", issuer);
            }
            url.to_string()
        }
        // Registered URIs always parse; fall back to plain concatenation just in case.
        Err(_) => {
            let mut s = redirect_uri.to_owned();
            s.push(if redirect_uri.contains('?') { '&' } else { '?' });
            let q: Vec<(&str, &str)> = params.iter().copied().chain([("iss", issuer)]).collect();
            s.push_str(&serde_urlencoded::to_string(q).unwrap_or_default());
            s
        }
    }
}

impl RedirectError {
    pub fn to_url(&self, issuer: &str) -> String {
        let mut params = vec![
            ("error", self.error.code.as_str()),
            ("error_description", &*self.error.description),
        ];
        if let Some(state) = &self.state {
            params.push(("state", state));
        }
        redirect_with(&self.redirect_uri, issuer, &params)
    }
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
