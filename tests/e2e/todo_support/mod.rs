//! Test support for the validator and the todo service: a small fake issuer (discovery +
//! JWKS on port 0, counting JWKS fetches) that signs tokens with keys generated here,
//! and a running `TodoServer` on a fresh SQLite file.
//!
//! The todo tests only ask a [`TokenSource`] for tokens, so swapping in the real
//! identity server later means implementing that trait over it.

#![allow(dead_code)] // each test module uses a different part

mod keys;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::jwk::Jwk;
use serde_json::{Value, json};

pub use keys::{TestKey, test_keys};

pub const AUDIENCE: &str = "belf-todo";
pub const CLIENT_ID: &str = "test-client";

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Yields access tokens for the todo API. `user: None` asks for a client-credentials
/// token (RFC 9068: `sub` = client id).
pub trait TokenSource: Send + Sync {
    fn token(&self, user: Option<&str>, scopes: &[&str]) -> impl Future<Output = String> + Send;
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

async fn discovery(State(s): State<Arc<IssuerState>>) -> Json<Value> {
    Json(json!({
        "issuer": s.issuer,
        "jwks_uri": format!("{}/jwks", s.issuer),
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

/// A running todo service on a fresh SQLite database.
pub struct TodoApp {
    pub base: String,
    pub http: reqwest::Client,
    _db_dir: tempfile::TempDir,
}

impl TodoApp {
    pub async fn spawn(issuer: &str) -> TodoApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match std::env::var("BELF_TEST_DATABASE_URL") {
            Ok(admin) if admin.starts_with("postgres") => fresh_postgres_database(&admin).await,
            _ => format!("sqlite://{}?mode=rwc", dir.path().join("todo.db").display()),
        };
        let cfg = belf::config::TodoConfig {
            bind: "127.0.0.1:0".parse().expect("addr"),
            database_url: database_url.into(),
            issuer: issuer.parse().expect("issuer url"),
            audience: AUDIENCE.to_owned(),
        };
        let server = belf::todo::TodoServer::build(&cfg)
            .await
            .expect("todo server builds");
        let base = format!("http://127.0.0.1:{}", server.port());
        tokio::spawn(server.run_until(std::future::pending()));
        TodoApp {
            base,
            http: reqwest::Client::new(),
            _db_dir: dir,
        }
    }

    /// Sends a request; returns status and the JSON body (`Null` if none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body read");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, json)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, Some(token), None)
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, Some(token), None)
            .await
    }
}

/// With `BELF_TEST_DATABASE_URL=postgres://user@host:port/postgres`, each test gets its
/// own new database on that server instead of a SQLite file.
async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("belf_todo_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to BELF_TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("postgres url");
    url.set_path(&name);
    url.to_string()
}
