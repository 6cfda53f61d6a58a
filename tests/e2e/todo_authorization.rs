//! Authorization comes before validation: a caller who may not make a request hears
//! 401/403/404 about that, whatever body or query they sent (issue 11, finding 1).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::todo_world::{READ_ONLY, READ_WRITE, create_course, world};
use crate::support::{FakeIssuer, TodoApp, TokenSource};

/// Bodies that a caller allowed to write would hear 4xx about (422, 400, 415, 413).
fn bad_bodies() -> Vec<(&'static str, Option<Value>, Option<&'static str>)> {
    vec![
        ("invalid field", Some(json!({"title": 5})), None),
        ("empty object", Some(json!({})), None),
        ("not JSON", None, Some("{\"title\": ")),
        ("form body", None, Some("title=x")),
        (
            "too large",
            Some(json!({"title": "t", "explanation": "x".repeat(200_000)})),
            None,
        ),
    ]
}

async fn send(
    app: &TodoApp,
    method: &Method,
    path: &str,
    token: &str,
    json_body: &Option<Value>,
    raw: Option<&str>,
) -> (u16, Value) {
    let mut req = app
        .http
        .request(method.clone(), format!("{}{path}", app.base))
        .bearer_auth(token);
    if let Some(b) = json_body {
        req = req.json(b);
    }
    if let Some(raw) = raw {
        // The JSON-looking one with the JSON content type, the form one without.
        if raw.starts_with('{') {
            req = req.header("content-type", "application/json");
        }
        req = req.body(raw.to_owned());
    }
    let resp = req.send().await.expect("sent");
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn a_token_without_the_write_scope_hears_403_whatever_its_body() {
    let issuer = FakeIssuer::start().await;
    let app = TodoApp::spawn(&issuer.url).await;
    let alice = issuer.token(Some("alice"), READ_WRITE).await;
    let read_only = issuer.token(Some("alice"), READ_ONLY).await;
    let client_rw = issuer.token(None, READ_WRITE).await;
    let (_, c) = app
        .post(
            "/api/courses",
            &alice,
            json!({"title": "Mine", "colour": "blue", "start_date": "2026-01-01", "public": true}),
        )
        .await;
    let course = c["id"].as_str().expect("course id").to_owned();
    let (_, t) = app
        .post(
            &format!("/api/courses/{course}/todos"),
            &alice,
            json!({"title": "t", "active_date": "2026-01-01"}),
        )
        .await;
    let todo = t["id"].as_str().expect("todo id").to_owned();

    let writes = [
        (Method::POST, "/api/courses".to_owned()),
        (Method::PATCH, format!("/api/courses/{course}")),
        (Method::POST, format!("/api/courses/{course}/todos")),
        (Method::PATCH, format!("/api/courses/{course}/todos/{todo}")),
        (
            Method::POST,
            format!("/api/courses/{course}/todos/{todo}/done"),
        ),
    ];
    for (method, path) in &writes {
        for (what, json_body, raw) in bad_bodies() {
            let (s, b) = send(&app, method, path, &read_only, &json_body, raw).await;
            assert_eq!(
                (s, b["error"].as_str()),
                (403, Some("insufficient_scope")),
                "read-only token, {what}: {method} {path}: {b}"
            );
            let (s, b) = send(&app, method, path, &client_rw, &json_body, raw).await;
            assert_eq!(
                (s, b["error"].as_str()),
                (403, Some("user_required")),
                "client token, {what}: {method} {path}: {b}"
            );
        }
    }
}

#[tokio::test]
async fn someone_elses_course_answers_403_or_404_whatever_the_body() {
    let w = world().await;
    let public = create_course(&w, &w.alice, "Open", true).await;
    let private = create_course(&w, &w.alice, "Closed", false).await;
    for (what, json_body, raw) in bad_bodies() {
        for (course, status, error) in [(&public, 403, "not_owner"), (&private, 404, "not_found")] {
            for (method, path) in [
                (Method::PATCH, format!("/api/courses/{course}")),
                (Method::POST, format!("/api/courses/{course}/todos")),
            ] {
                let (s, b) = send(&w.app, &method, &path, &w.bob, &json_body, raw).await;
                assert_eq!(
                    (s, b["error"].as_str()),
                    (status, Some(error)),
                    "{what}: {method} {path}: {b}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_token_without_the_read_scope_hears_403_whatever_its_query() {
    let issuer = FakeIssuer::start().await;
    let app = TodoApp::spawn(&issuer.url).await;
    let no_read = issuer.token(Some("alice"), &["openid"]).await;
    let client = issuer.token(None, READ_ONLY).await;
    for path in [
        "/api/courses?limit=0",
        "/api/courses/search?limit=0&sort=stars",
        "/api/today?date=2026-02-30",
        "/api/done?from=2026-02-01&to=2026-01-01",
        "/api/done",
    ] {
        let (s, b) = app.get(path, &no_read).await;
        assert_eq!(
            (s, b["error"].as_str()),
            (403, Some("insufficient_scope")),
            "{path}: {b}"
        );
    }
    // Personal lists need a user before their query is looked at.
    for path in [
        "/api/courses?limit=0",
        "/api/today?date=2026-02-30",
        "/api/done?from=x",
    ] {
        let (s, b) = app.get(path, &client).await;
        assert_eq!(
            (s, b["error"].as_str()),
            (403, Some("user_required")),
            "{path}: {b}"
        );
    }
}
