//! What a DPoP client (RFC 9449) and a `private_key_jwt` client (RFC 7523) hold and send:
//! a key pair generated in the test, proofs for a request, client assertions, and the
//! token request carrying either.

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::ThumbprintHash;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Value, json};

use super::keys::TestKey;
use super::now;
use super::token::TokenReply;

/// `client_assertion_type` of `private_key_jwt`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A DPoP key pair of the client.
pub struct DpopKey(pub TestKey);

impl DpopKey {
    pub fn es256() -> DpopKey {
        DpopKey(TestKey::ec("dpop"))
    }

    pub fn ed25519() -> DpopKey {
        DpopKey(TestKey::ed("dpop"))
    }

    pub fn rs256() -> DpopKey {
        DpopKey(TestKey::rsa("dpop"))
    }

    /// RFC 7638 SHA-256 thumbprint: what `cnf.jkt` must say.
    pub fn jkt(&self) -> String {
        self.0
            .jwk()
            .thumbprint(ThumbprintHash::SHA256)
            .expect("thumbprint")
    }

    /// A fresh proof for `method url`, with `ath` for `token` and the server's `nonce`.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        token: Option<&str>,
        nonce: Option<&str>,
    ) -> String {
        let mut claims = json!({
            "jti": uuid::Uuid::new_v4().to_string(),
            "htm": method,
            "htu": url,
            "iat": now(),
        });
        if let Some(t) = token {
            claims["ath"] = json!(ath(t));
        }
        if let Some(n) = nonce {
            claims["nonce"] = json!(n);
        }
        self.sign(&claims)
    }

    /// A proof with exactly these claims.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.0.alg);
        header.typ = Some("dpop+jwt".into());
        let mut jwk = self.0.jwk();
        jwk.common.key_id = None;
        header.jwk = Some(jwk);
        jsonwebtoken::encode(&header, claims, &self.0.encoding).expect("sign proof")
    }
}

/// `ath`: base64url SHA-256 of the access token.
pub fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, token.as_bytes()).as_ref())
}

/// A `private_key_jwt` client assertion by `key` for `client_id`, for `aud`, expiring in
/// `exp_in` seconds, with a fresh `jti`.
pub fn assertion(key: &TestKey, client_id: &str, aud: &str, exp_in: i64) -> String {
    key.sign(
        Some("JWT"),
        &json!({
            "iss": client_id,
            "sub": client_id,
            "aud": aud,
            "exp": now() + exp_in,
            "iat": now(),
            "jti": uuid::Uuid::new_v4().to_string(),
        }),
    )
}

/// An assertion with exactly these claims and header algorithm, signed by `key`.
pub fn assertion_with(key: &TestKey, alg: Option<Algorithm>, claims: &Value) -> String {
    let mut header = Header::new(alg.unwrap_or(key.alg));
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("sign assertion")
}

/// `POST {base}{path}` with `form` and the given `DPoP` header values.
pub async fn post_form(base: &str, path: &str, form: &[(&str, &str)], dpop: &[&str]) -> TokenReply {
    let mut req = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .form(form);
    for proof in dpop {
        req = req.header("DPoP", *proof);
    }
    let res = req.send().await.expect("POST");
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    TokenReply {
        status,
        headers,
        body,
    }
}

/// A resource request with `Authorization: {scheme} {token}` and the given proofs.
pub async fn call_resource(
    method: reqwest::Method,
    url: &str,
    scheme: &str,
    token: &str,
    dpop: &[&str],
) -> (reqwest::StatusCode, String, Value) {
    let mut req = reqwest::Client::new()
        .request(method, url)
        .header("Authorization", format!("{scheme} {token}"));
    for proof in dpop {
        req = req.header("DPoP", *proof);
    }
    let res = req.send().await.expect("resource request");
    let status = res.status();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, challenge, body)
}
