//! A fake upstream provider (a small axum server on port 0) whose token endpoint answers
//! with whatever ID token a test asks for, through the code: the code the test sends to
//! the callback is `<scenario>.<nonce>`. It also plays GitHub (token endpoint, `/user`,
//! `/user/emails`), for the plain OAuth 2 preset.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::keys::{TestKey, test_keys};
use super::now;

/// The client id the idp is configured with at the fake.
pub const FAKE_CLIENT: &str = "idp-at-fake";

pub struct FakeProvider {
    pub url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct FakeState {
    issuer: String,
    /// Signs nothing the fake publishes: a token signed with it has a bad signature.
    stranger: TestKey,
}

impl FakeProvider {
    pub async fn start() -> FakeProvider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake provider");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(FakeState {
            issuer: url.clone(),
            // Same kid as the published RSA key: only the signature tells them apart.
            stranger: TestKey::rsa("rsa-1"),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .route("/login/oauth/access_token", post(github_token))
            .route("/user", get(github_user))
            .route("/user/emails", get(github_emails))
            .with_state(state);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        FakeProvider { url, _stop: stop }
    }
}

async fn discovery(State(s): State<Arc<FakeState>>) -> Json<Value> {
    Json(json!({
        "issuer": s.issuer,
        "authorization_endpoint": format!("{}/authorize", s.issuer),
        "token_endpoint": format!("{}/token", s.issuer),
        "jwks_uri": format!("{}/jwks", s.issuer),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn jwks() -> Json<Value> {
    Json(json!({ "keys": [test_keys().rsa.jwk()] }))
}

/// The ID token of a scenario: `good` verifies; every other one breaks one rule.
fn id_token(s: &FakeState, scenario: &str, nonce: &str) -> String {
    let now = now();
    let mut claims = json!({
        "iss": s.issuer,
        "sub": "fake-person-1",
        "aud": FAKE_CLIENT,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "nickname": "Fake Person",
    });
    let key = &test_keys().rsa;
    match scenario {
        "wrong-aud" => claims["aud"] = json!("someone-else"),
        "wrong-iss" => claims["iss"] = json!("https://evil.example"),
        "wrong-nonce" => claims["nonce"] = json!("not-the-nonce"),
        "expired" => {
            claims["iat"] = json!(now - 3600);
            claims["exp"] = json!(now - 1800);
        }
        "bad-signature" => return s.stranger.sign(Some("JWT"), &claims),
        "alg-none" => {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
            let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
            return format!("{header}.{payload}.");
        }
        _ => {}
    }
    key.sign(Some("JWT"), &claims)
}

async fn token(
    State(s): State<Arc<FakeState>>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    let code = form.get("code").cloned().unwrap_or_default();
    let (scenario, nonce) = code.split_once('.').unwrap_or((code.as_str(), ""));
    Json(json!({
        "access_token": "fake-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token(&s, scenario, nonce),
    }))
}

async fn github_token() -> Json<Value> {
    Json(
        json!({"access_token": "gho_fake", "token_type": "bearer", "scope": "read:user,user:email"}),
    )
}

async fn github_user() -> Json<Value> {
    Json(json!({"id": 4242, "login": "octo", "name": null, "email": "typed@example.com"}))
}

async fn github_emails() -> Json<Value> {
    Json(json!([
        {"email": "old@example.com", "primary": false, "verified": true},
        {"email": "octo@example.com", "primary": true, "verified": true},
    ]))
}
