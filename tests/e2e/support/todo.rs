//! The todo/course service under test: a running `TodoServer` on a fresh database,
//! driven over HTTP, and the [`TokenSource`] its tests ask for access tokens — the
//! [`FakeIssuer`](super::fake_issuer::FakeIssuer) signs them itself, the
//! [`RealIssuer`](super::real_issuer::RealIssuer) gets them from the real identity
//! server, so a todo test runs against either.

use std::future::Future;

use serde_json::Value;

use super::database::fresh_database_url;
use super::fake_issuer::AUDIENCE;

/// Yields access tokens for the todo API. `user: None` asks for a client-credentials
/// token (RFC 9068: `sub` = client id).
pub trait TokenSource: Send + Sync {
    fn token(&self, user: Option<&str>, scopes: &[&str]) -> impl Future<Output = String> + Send;
}

/// The todo service's resource identifier in tests (RFC 8707): the shipped default.
pub const RESOURCE: &str = "http://127.0.0.1:8081";

/// A running todo service on a fresh database (SQLite, or PostgreSQL in production mode).
pub struct TodoApp {
    pub base: String,
    pub http: reqwest::Client,
    /// Its database, for tests that check what is (no longer) stored.
    pub database_url: String,
    _db_dir: tempfile::TempDir,
}

impl TodoApp {
    pub async fn spawn(issuer: &str) -> TodoApp {
        Self::spawn_with_photo_limit(issuer, belf::config::TodoConfig::DEFAULT_MAX_PHOTO_BYTES)
            .await
    }

    /// [`TodoApp::spawn`] with another `todo.max_photo_bytes`.
    pub async fn spawn_with_photo_limit(issuer: &str, max_photo_bytes: usize) -> TodoApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database_url(dir.path(), "todo").await;
        let cfg = belf::config::TodoConfig {
            bind: "127.0.0.1:0".parse().expect("addr"),
            database_url: database_url.clone().into(),
            issuer: issuer.parse().expect("issuer url"),
            audience: AUDIENCE.to_owned(),
            resource: RESOURCE.to_owned(),
            max_photo_bytes,
        };
        let server = belf::todo::TodoServer::build(&cfg)
            .await
            .expect("todo server builds");
        let base = format!("http://127.0.0.1:{}", server.port());
        tokio::spawn(server.run_until(std::future::pending()));
        TodoApp {
            base,
            http: reqwest::Client::new(),
            database_url,
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

    /// How many rows `table` holds (a table name of ours, never input).
    pub async fn count_rows(&self, table: &str) -> i64 {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database_url)
            .await
            .expect("todo database reachable");
        let n = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM {table}"
        )))
        .fetch_one(&pool)
        .await
        .expect("count")
        .try_get("n")
        .expect("a count");
        pool.close().await;
        n
    }

    /// Sends a `multipart/form-data` body (see [`Form`]); returns status and JSON body.
    pub async fn post_form(&self, path: &str, token: &str, form: Form) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", form.content_type())
            .body(form.finish())
            .send()
            .await
            .expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body read");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, Some(token), None)
            .await
    }
}

/// A `multipart/form-data` body built by hand, so a test can declare any file name and
/// type (a text file named `photo.jpg` and sent as `image/jpeg`).
pub struct Form {
    body: Vec<u8>,
}

const BOUNDARY: &str = "belf-test-boundary-7d1f";

impl Form {
    pub fn new() -> Form {
        Form { body: Vec::new() }
    }

    pub fn text(mut self, name: &str, value: &str) -> Form {
        self.body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
        self
    }

    pub fn file(mut self, name: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Form {
        self.body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={BOUNDARY}")
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.body
            .extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.body
    }
}
