//! The authorization request as a type, and the errors it can end in. Parsing lives in
//! `authorize.rs`; this file is what both `/authorize` and `/par` (through
//! `pushed_request.rs`) speak, so neither has to name the other.

use serde::{Deserialize, Serialize};

use super::error::OAuthError;
use super::pkce;
use super::scope::Scopes;
use crate::auth::clients::{ClientId, RedirectUri};
use crate::auth::oidc::claims::ClaimsRequest;

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
