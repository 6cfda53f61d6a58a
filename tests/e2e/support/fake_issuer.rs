//! A small fake issuer for the validator and todo tests: discovery and JWKS on port 0
//! (counting JWKS fetches, keys added and withdrawn at will), and tokens signed here with
//! the shared test [`keys`](super::keys) — so a test can forge exactly the token it needs.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::jwk::Jwk;
use serde_json::{Value, json};

use super::keys::test_keys;
use super::todo::TokenSource;

/// The audience the todo service is configured with in tests.
pub const AUDIENCE: &str = "belf-todo";
/// The `client_id` claim of every fake token (and `sub` of client-credentials ones).
pub const CLIENT_ID: &str = "test-client";

/// Wall-clock Unix seconds, for the `iat`/`exp` of tokens this issuer signs.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

struct IssuerState {
    issuer: String,
    jwks: Mutex<Vec<Jwk>>,
    jwks_fetches: AtomicUsize,
}

/// A fake issuer serving `/.well-known/openid-configuration` and `/jwks`.
pub struct FakeIssuer {
    state: Arc<IssuerState>,
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl FakeIssuer {
    /// Serves the public halves of the three shared test keys.
    pub async fn start() -> FakeIssuer {
        let keys = test_keys();
        Self::start_with(vec![keys.rsa.jwk(), keys.ec.jwk(), keys.ed.jwk()]).await
    }

    pub async fn start_with(jwks: Vec<Jwk>) -> FakeIssuer {
        Self::start_on(0, jwks).await
    }

    /// On a given port (0: any), e.g. one a service was told about before it was up.
    pub async fn start_on(port: u16, jwks: Vec<Jwk>) -> FakeIssuer {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind fake issuer");
        let port = listener.local_addr().expect("local addr").port();
        let url = format!("http://127.0.0.1:{port}");
        let state = Arc::new(IssuerState {
            issuer: url.clone(),
            jwks: Mutex::new(jwks),
            jwks_fetches: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(serve_jwks))
            .with_state(state.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        FakeIssuer {
            state,
            url,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    pub fn add_key(&self, jwk: Jwk) {
        self.state.jwks.lock().expect("jwks lock").push(jwk);
    }

    pub fn remove_key(&self, kid: &str) {
        let mut keys = self.state.jwks.lock().expect("jwks lock");
        keys.retain(|k| k.common.key_id.as_deref() != Some(kid));
    }

    /// Takes the issuer down (its port then refuses connections).
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Standard claims of a token for this issuer; tests override fields as needed.
    pub fn claims(&self, sub: &str, scope: &str) -> Value {
        let now = now();
        json!({
            "iss": self.url,
            "sub": sub,
            "aud": AUDIENCE,
            "client_id": CLIENT_ID,
            "scope": scope,
            "jti": uuid::Uuid::new_v4().to_string(),
            "iat": now,
            "exp": now + 300,
        })
    }
}

/// Enough of an OpenID Provider's metadata for a relying party (the web app) to accept it;
/// only discovery and the JWKS answer.
async fn discovery(State(s): State<Arc<IssuerState>>) -> Json<Value> {
    Json(json!({
        "issuer": s.issuer,
        "jwks_uri": format!("{}/jwks", s.issuer),
        "authorization_endpoint": format!("{}/authorize", s.issuer),
        "token_endpoint": format!("{}/token", s.issuer),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
    }))
}

async fn serve_jwks(State(s): State<Arc<IssuerState>>) -> Json<Value> {
    s.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let keys = s.jwks.lock().expect("jwks lock").clone();
    Json(json!({ "keys": keys }))
}

impl TokenSource for FakeIssuer {
    fn token(&self, user: Option<&str>, scopes: &[&str]) -> impl Future<Output = String> + Send {
        let sub = user.unwrap_or(CLIENT_ID);
        let token = test_keys().ec.sign_at(&self.claims(sub, &scopes.join(" ")));
        std::future::ready(token)
    }
}
