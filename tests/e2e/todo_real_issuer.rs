//! The validator and the todo service against the real Belf identity server: tokens come
//! from its `/token` endpoint (client credentials, and authorization code + PKCE after a
//! login in a cookie-jar browser), discovered only through the issuer URL.
//!
//! `RealIssuer` implements the same [`TokenSource`] the todo tests use with the fake
//! issuer, so any todo test can be pointed at the real server.
//!
//! Uses the shared `support` module, so it is listed in `main.rs` only once the `todo`
//! branch is merged with it (`mod todo_real_issuer;`); it passed in a trial merge.

use std::collections::HashSet;
use std::future::Future;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use belf::validator::Validator;
use serde_json::{Value, json};

use crate::support::authorize::code_for;
use crate::support::browser::Browser;
use crate::support::jwt::unverified_claims;
use crate::support::token::{client_credentials, exchange_code};
use crate::support::{PASSWORD, REDIRECT, TestAuth, TodoApp, TokenSource};

pub struct RealIssuer {
    pub auth: TestAuth,
    web: (String, String),
    machine: (String, String),
    users: tokio::sync::Mutex<HashSet<String>>,
}

impl RealIssuer {
    pub async fn spawn() -> RealIssuer {
        let auth = TestAuth::spawn().await;
        let web = auth.web_client(REDIRECT).await;
        let machine = auth.service_client().await;
        RealIssuer {
            auth,
            web,
            machine,
            users: tokio::sync::Mutex::new(HashSet::new()),
        }
    }

    async fn user_token(&self, name: &str, scope: &str) -> String {
        self.user_tokens(name, scope).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// The whole token response of a login (access, ID and maybe refresh token).
    async fn user_tokens(&self, name: &str, scope: &str) -> Value {
        {
            let mut users = self.users.lock().await;
            if users.insert(name.to_owned()) {
                self.auth.user(name, PASSWORD).await;
            }
        }
        let browser = Browser::new(&self.auth.base);
        let (web_id, web_secret) = (&self.web.0, &self.web.1);
        let (code, verifier) = code_for(&browser, web_id, &format!("openid {scope}"), name).await;
        exchange_code(
            &self.auth.base,
            (web_id, web_secret),
            &code,
            Some(&verifier),
        )
        .await
        .ok()
    }
}

impl TokenSource for RealIssuer {
    fn token(&self, user: Option<&str>, scopes: &[&str]) -> impl Future<Output = String> + Send {
        let scope = scopes.join(" ");
        let user = user.map(str::to_owned);
        async move {
            match user {
                Some(name) => self.user_token(&name, &scope).await,
                None => {
                    let (id, secret) = (&self.machine.0, &self.machine.1);
                    client_credentials(&self.auth.base, (id, secret), Some(&scope))
                        .await
                        .access_token()
                }
            }
        }
    }
}

#[tokio::test]
async fn validator_accepts_real_tokens() {
    let issuer = RealIssuer::spawn().await;
    let v = Validator::discover(&issuer.auth.base, "belf-todo")
        .await
        .expect("discovery of the real issuer");
    let token = issuer
        .token(Some("alice"), &["courses:read", "courses:write"])
        .await;
    let claims = v.validate(&token).await.expect("user token validates");
    assert!(claims.is_user());
    assert!(claims.has_scope("courses:write"));
    let token = issuer.token(None, &["courses:read"]).await;
    let claims = v.validate(&token).await.expect("client token validates");
    assert!(!claims.is_user());
    assert!(claims.has_scope("courses:read"));
}

#[tokio::test]
async fn todo_service_with_real_tokens() {
    let issuer = RealIssuer::spawn().await;
    let app = TodoApp::spawn(&issuer.auth.base).await;
    let alice = issuer
        .token(Some("alice"), &["courses:read", "courses:write"])
        .await;
    let bob_ro = issuer.token(Some("bob"), &["courses:read"]).await;
    let machine = issuer.token(None, &["courses:read"]).await;

    let (s, c) = app
        .post(
            "/api/courses",
            &alice,
            json!({"title": "Real", "colour": "green", "start_date": "2026-01-01", "public": true}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().expect("id");
    let (s, _) = app.get(&format!("/api/courses/{id}"), &bob_ro).await;
    assert_eq!(s, 200);
    let (s, _) = app.put(&format!("/api/courses/{id}/like"), &bob_ro).await;
    assert_eq!(s, 403);
    let (s, r) = app.get("/api/courses/search", &machine).await;
    assert_eq!((s, r["total"].clone()), (200, json!(1)));
}

/// Tokens the real issuer really signed (or that are signed with its real key) but that the
/// todo service must refuse.
#[tokio::test]
async fn real_but_wrong_tokens_are_refused() {
    let issuer = RealIssuer::spawn().await;
    let validator = Validator::discover(&issuer.auth.base, "belf-todo")
        .await
        .expect("discovery");
    let tokens = issuer.user_tokens("mallory", "courses:read").await;
    let good = tokens["access_token"].as_str().unwrap();
    let claims = validator
        .validate(good)
        .await
        .expect("the real access token passes");

    // An ID token from the same issuer, same key set: not an access token.
    let id_token = tokens["id_token"].as_str().expect("id_token");
    assert!(
        validator.validate(id_token).await.is_err(),
        "ID token refused"
    );
    // An access token for another audience (no todo scope: aud is the issuer).
    let other = issuer.user_token("mallory", "profile").await;
    assert!(
        validator.validate(&other).await.is_err(),
        "wrong aud refused"
    );

    // Forged with the issuer's real ES256 key: expired, wrong iss, not yet valid.
    let key = issuer
        .auth
        .ctx
        .keys
        .active(belf::config::SigningAlg::ES256)
        .expect("es256 key");
    let sign = |patch: Value| {
        let mut body = unverified_claims(good);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, &body, &key.encoding).unwrap()
    };
    let now = belf::auth::context::now();
    // Control: the same forging path with unchanged claims passes, so the refusals below
    // are about the changed claim.
    assert!(validator.validate(&sign(json!({}))).await.is_ok());
    for (what, patch) in [
        ("expired", json!({ "exp": now - 3600, "iat": now - 7200 })),
        ("wrong iss", json!({ "iss": "http://evil.example" })),
        ("not yet valid", json!({ "nbf": now + 3600 })),
        ("wrong aud", json!({ "aud": "someone-else" })),
    ] {
        assert!(
            validator.validate(&sign(patch)).await.is_err(),
            "{what} refused"
        );
    }
    // alg: none with the real claims.
    let unsigned = format!(
        "{}.{}.",
        B64.encode(br#"{"alg":"none","typ":"at+jwt"}"#),
        good.split('.').nth(1).unwrap()
    );
    assert!(
        validator.validate(&unsigned).await.is_err(),
        "alg none refused"
    );
    assert_eq!(claims.sub, unverified_claims(good)["sub"]);

    // Through the service's HTTP API too: 401 with the RFC 6750 header.
    let todo = reqwest::Client::new();
    let app = TodoApp::spawn(&issuer.auth.base).await;
    let res = todo
        .get(format!("{}/api/courses", app.base))
        .bearer_auth(id_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("invalid_token"), "{challenge}");
}
