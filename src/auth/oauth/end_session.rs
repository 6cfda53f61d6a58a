//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): what a logout request
//! does, decided without HTTP. The handler (`auth::http::end_session`) renders the outcome.
//!
//! ```text
//!  request ──► id_token_hint given but not ours ─────────────────► Reject(InvalidHint)
//!     │
//!     ├─► client_id not an audience of the hint ─────────────────► Reject(ClientMismatch)
//!     │     (the client is client_id, else the hint's first audience)
//!     ├─► post_logout_redirect_uri not registered for that client ► Reject(UnregisteredReturnUri)
//!     │     (checked before anything happens: a refusal changes nothing)
//!     ├─► a session is open, the hint does not name its user,
//!     │   and the person has not confirmed ────────────────────────► Confirm { username }
//!     └─► otherwise: the session (if any) ends ────────────────────► Done { redirect }
//! ```
//!
//! Without a hint for the current session the person confirms on a page (a CSRF-protected
//! form), so a cross-site link cannot log anyone out.

use super::authorize::redirect_with;
use super::error::OAuthResult;
use super::session;
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;

/// The parameters of a logout request, as sent.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogoutRequest<'a> {
    pub id_token_hint: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub post_logout_redirect_uri: Option<&'a str>,
    pub state: Option<&'a str>,
    /// The person confirmed on our own page. Checking that form (its CSRF token) is the
    /// HTTP layer's job; the protocol only needs the outcome.
    pub confirmed: bool,
}

/// What the browser should see.
#[derive(Debug, PartialEq, Eq)]
pub enum EndSession {
    /// A session is open and nothing shows the request comes from its user's app: ask.
    Confirm { username: String },
    /// The session, if there was one, has ended. Go to the registered return address, or
    /// say "signed out" when there is none.
    Done { redirect: Option<String> },
    /// Refused before anything happened; answered with a page, never a redirect.
    Reject(Rejection),
}

/// Why a logout request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    InvalidHint,
    ClientMismatch,
    UnregisteredReturnUri,
}

impl Rejection {
    /// The reason shown on the error page.
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::InvalidHint => "id_token_hint is not a valid ID token from this server",
            Rejection::ClientMismatch => "client_id does not match id_token_hint",
            Rejection::UnregisteredReturnUri => {
                "post_logout_redirect_uri is not registered for this client"
            }
        }
    }
}

/// A verified `id_token_hint`: whom it was issued to, and for which clients.
#[derive(Debug)]
struct Hint {
    sub: String,
    aud: Vec<String>,
}

/// Decides the request and, unless it is refused or needs confirming, ends the session
/// named by `session_cookie`. `Err` only when storage fails.
pub async fn logout(
    ctx: &AuthContext,
    request: &LogoutRequest<'_>,
    session_cookie: Option<&str>,
) -> OAuthResult<EndSession> {
    let hint = match request.id_token_hint {
        None => None,
        Some(token) => match ctx.id_tokens.verify_hint(token) {
            Some((sub, aud)) => Some(Hint { sub, aud }),
            None => return Ok(EndSession::Reject(Rejection::InvalidHint)),
        },
    };
    let client_id = match named_client(request.client_id, hint.as_ref()) {
        Ok(id) => id,
        Err(r) => return Ok(EndSession::Reject(r)),
    };
    let redirect = match request.post_logout_redirect_uri {
        None => None,
        Some(uri) => {
            let client = match client_id {
                Some(id) => ctx.stores.clients.get_client(id).await?,
                None => None,
            };
            match return_address(client.as_ref(), uri, request.state, &ctx.issuer) {
                Ok(url) => Some(url),
                Err(r) => return Ok(EndSession::Reject(r)),
            }
        }
    };
    // A failed lookup counts as no session: that only skips the confirmation page, which
    // exists to protect an open session, and deleting the session below still reports an
    // outage.
    let session = session::load_session(ctx, session_cookie)
        .await
        .ok()
        .flatten();
    if let Some((_, user)) = &session
        && must_confirm(hint.as_ref(), &user.user_id, request.confirmed)
    {
        return Ok(EndSession::Confirm {
            username: user.username.clone(),
        });
    }
    session::end_session(ctx, session_cookie).await?;
    Ok(EndSession::Done { redirect })
}

/// The client the request speaks for: `client_id`, which must then be an audience of the
/// hint, or else the hint's first audience.
fn named_client<'a>(
    client_id: Option<&'a str>,
    hint: Option<&'a Hint>,
) -> Result<Option<&'a str>, Rejection> {
    match (client_id, hint) {
        (Some(c), Some(h)) if !h.aud.iter().any(|a| a == c) => Err(Rejection::ClientMismatch),
        (Some(c), _) => Ok(Some(c)),
        (None, Some(h)) => Ok(h.aud.first().map(String::as_str)),
        (None, None) => Ok(None),
    }
}

/// The registered logout return address equal to `uri` (exact match, as for redirect
/// URIs), with `state` and `iss` added.
fn return_address(
    client: Option<&Client>,
    uri: &str,
    state: Option<&str>,
    issuer: &str,
) -> Result<String, Rejection> {
    let registered = client
        .and_then(|c| c.post_logout_redirect_uri(uri))
        .ok_or(Rejection::UnregisteredReturnUri)?;
    let query: Vec<(&str, &str)> = state.map(|s| ("state", s)).into_iter().collect();
    Ok(redirect_with(registered, issuer, &query))
}

/// Whether the person must confirm before their open session ends: yes, unless they
/// already did, or the hint names the session's user (otherwise a link from anywhere could
/// log them out).
fn must_confirm(hint: Option<&Hint>, session_user: &str, confirmed: bool) -> bool {
    !confirmed && hint.is_none_or(|h| h.sub != session_user)
}

#[cfg(test)]
#[path = "end_session_tests.rs"]
mod tests;
