//! The identity server's back-channel endpoints as a client calls them: the token
//! endpoint (RFC 6749 §3.2) for each grant and as a raw form post, plus introspection
//! (RFC 7662) and revocation (RFC 7009) to see and end what it issued.
//!
//! Every helper takes the issuer's base URL, so the same call works against a
//! [`TestAuth`](super::TestAuth), one of its replicas, or a `belf serve` child process.
//! Clients authenticate with HTTP Basic (`client_secret_basic`) as `(id, secret)`.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::REDIRECT;

/// What the token endpoint answered. It answers JSON whatever the outcome (RFC 6749
/// §5.1/§5.2), so a body that is not JSON fails the test where it is read.
pub struct TokenReply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TokenReply {
    /// The RFC 6749 §5.2 `error` code, or `<no error>`.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("<no error>")
    }

    /// Asserts a 200 and returns the token response.
    pub fn ok(self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        self.body
    }

    /// Asserts a 200 and returns its access token.
    pub fn access_token(self) -> String {
        self.ok()["access_token"]
            .as_str()
            .expect("a token response has an access_token")
            .to_owned()
    }
}

/// `POST /token` with `form`, authenticated with HTTP Basic when `basic` is given.
pub async fn post_token(
    base: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> TokenReply {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/token"))
        .form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.expect("POST /token");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res
        .json::<Value>()
        .await
        .unwrap_or_else(|e| panic!("the token endpoint answers JSON ({status}): {e}"));
    TokenReply {
        status,
        headers,
        body,
    }
}

/// Exchanges an authorization code issued for the test [`REDIRECT`] URI.
pub async fn exchange_code(
    base: &str,
    client: (&str, &str),
    code: &str,
    verifier: Option<&str>,
) -> TokenReply {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    post_token(base, &form, Some(client)).await
}

/// Redeems a refresh token.
pub async fn refresh(base: &str, client: (&str, &str), refresh_token: &str) -> TokenReply {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    post_token(base, &form, Some(client)).await
}

/// A client-credentials grant, for the client's default scopes when `scope` is `None`.
pub async fn client_credentials(
    base: &str,
    client: (&str, &str),
    scope: Option<&str>,
) -> TokenReply {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    post_token(base, &form, Some(client)).await
}

/// `POST /introspect`: the introspection response (`active` and, if so, the claims).
pub async fn introspect(base: &str, client: (&str, &str), token: &str) -> Value {
    let (id, secret) = client;
    reqwest::Client::new()
        .post(format!("{base}/introspect"))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .expect("POST /introspect")
        .json()
        .await
        .expect("the introspection endpoint answers JSON")
}

/// `POST /revoke` with an optional `token_type_hint`; returns the status.
pub async fn revoke(
    base: &str,
    client: (&str, &str),
    token: &str,
    hint: Option<&str>,
) -> StatusCode {
    let (id, secret) = client;
    let mut form = vec![("token", token)];
    if let Some(h) = hint {
        form.push(("token_type_hint", h));
    }
    reqwest::Client::new()
        .post(format!("{base}/revoke"))
        .basic_auth(id, Some(secret))
        .form(&form)
        .send()
        .await
        .expect("POST /revoke")
        .status()
}
