//! A ready world for todo API tests: the todo service behind a fake issuer, the tokens of
//! three users (alice, bob, carol), and course requests to build on.

use serde_json::{Value, json};

use super::fake_issuer::FakeIssuer;
use super::todo::{TodoApp, TokenSource};

/// Scopes to read and write courses.
pub const READ_WRITE: &[&str] = &["courses:read", "courses:write"];
/// The scope to read courses.
pub const READ_ONLY: &[&str] = &["courses:read"];

/// A todo service trusting a fake issuer, and access tokens (read + write) of three users.
pub struct World {
    /// The issuer the service trusts, for tokens of other users, scopes or clients.
    pub issuer: FakeIssuer,
    pub app: TodoApp,
    pub alice: String,
    pub bob: String,
    pub carol: String,
}

/// A fresh [`World`].
pub async fn world() -> World {
    let issuer = FakeIssuer::start().await;
    let app = TodoApp::spawn(&issuer.url).await;
    World {
        alice: issuer.token(Some("alice"), READ_WRITE).await,
        bob: issuer.token(Some("bob"), READ_WRITE).await,
        carol: issuer.token(Some("carol"), READ_WRITE).await,
        app,
        issuer,
    }
}

/// A valid new-course request body.
pub fn course(title: &str, public: bool) -> Value {
    json!({
        "title": title,
        "explanation": "learn things",
        "colour": "blue",
        "start_date": "2026-01-01",
        "tags": ["rust", "Daily"],
        "public": public,
    })
}

/// Creates a course as the owner of `token`; returns its id.
pub async fn create_course(w: &World, token: &str, title: &str, public: bool) -> String {
    let (status, body) = w
        .app
        .post("/api/courses", token, course(title, public))
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("id").to_owned()
}
