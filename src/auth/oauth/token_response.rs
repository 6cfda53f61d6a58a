//! The token endpoint's success response, shared by every grant and by `issue` (a file of
//! its own so `issue` need not import the grants that call it).

use serde::Serialize;

/// RFC 6749 §5.1 (+ OIDC `id_token`).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Whom the tokens speak for (the access token's `sub`), for the log line of the
    /// issuance; not part of the response.
    #[serde(skip)]
    pub subject: String,
}

/// `token_type` of an access token: `DPoP` when bound to a key (RFC 9449 §5.1).
pub fn token_type(jkt: Option<&str>) -> &'static str {
    if jkt.is_some() { "DPoP" } else { "Bearer" }
}
