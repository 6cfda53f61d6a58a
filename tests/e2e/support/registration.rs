//! Dynamic client registration (RFC 7591/7592) over raw HTTP: initial access tokens
//! issued through the same function as `belf client registration-token`, and requests to
//! the registration and client configuration endpoints.

use belf::auth::clients::registration::issue_initial_token;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::TestAuth;

pub const REGISTRATION: &str = "/oauth/register";

/// A status, its headers and its JSON body (`Null` when there is none).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    pub fn str(&self, member: &str) -> String {
        self.body[member]
            .as_str()
            .unwrap_or_else(|| panic!("{member} in {}", self.body))
            .to_owned()
    }
}

impl TestAuth {
    /// An initial access token admitting `uses` registrations within `ttl_secs`.
    pub async fn initial_token(&self, ttl_secs: u64, uses: u64) -> String {
        issue_initial_token(
            &*self.ctx.stores.registrations,
            ttl_secs,
            uses,
            self.ctx.clock.now(),
        )
        .await
        .expect("initial access token stored")
    }

    /// `POST /oauth/register` with `body` (raw bytes) and an optional bearer token.
    pub async fn register_raw(&self, token: Option<&str>, body: Vec<u8>) -> Reply {
        send(Method::POST, &self.url(REGISTRATION), token, Some(body)).await
    }

    /// `POST /oauth/register` with JSON metadata.
    pub async fn register(&self, token: Option<&str>, metadata: &Value) -> Reply {
        self.register_raw(token, metadata.to_string().into_bytes())
            .await
    }

    /// A registration that must succeed: its reply body.
    pub async fn registered(&self, metadata: &Value) -> Value {
        let token = self.initial_token(600, 1).await;
        let reply = self.register(Some(&token), metadata).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }
}

/// A request to a client configuration endpoint (or any URL) with a bearer token.
pub async fn send(method: Method, url: &str, token: Option<&str>, body: Option<Vec<u8>>) -> Reply {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b);
    }
    let res = req.send().await.expect("registration request");
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}
