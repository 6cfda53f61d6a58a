//! The todo service's request ids and security log (issue 11, finding 6): `X-Request-Id`
//! is kept (or made) and echoed, and each refusal is one structured line naming the
//! request, the reason and, once the token was valid, the caller; never the token.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::support::{FakeIssuer, TodoApp, TokenSource};

/// Collects the log lines of everything on this test's thread (the todo server runs on
/// the test's single-threaded runtime, so that is all of its request handling).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().expect("log lock").clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log lock")).into_owned()
    }
}

/// A field of a JSON log line: the event's own, or the innermost span's that has it.
fn field<'a>(line: &'a Value, name: &str) -> Option<&'a Value> {
    line.get(name).or_else(|| {
        line["spans"]
            .as_array()?
            .iter()
            .rev()
            .find_map(|span| span.get(name))
    })
}

/// A refused request and the decision line it must leave.
struct Case<'a> {
    rid: &'a str,
    method: reqwest::Method,
    path: &'a str,
    token: Option<&'a str>,
    status: u16,
    error: &'a str,
    sub: Option<&'a str>,
}

#[tokio::test]
async fn request_ids_and_one_line_per_security_decision() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(true)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // With a single registered dispatcher, tracing decides whether a span or event is
    // wanted by asking only the default dispatcher of the thread that first reaches it,
    // and caches the answer for every thread; another test's thread (no subscriber) would
    // thus switch off the request spans for this one. A second live dispatcher makes it
    // ask all of them.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

    let issuer = FakeIssuer::start().await;
    let app = TodoApp::spawn(&issuer.url).await;
    let rw = &["courses:read", "courses:write"];
    let alice = issuer.token(Some("alice"), rw).await;
    let bob = issuer.token(Some("bob"), rw).await;
    let (s, c) = app
        .post(
            "/api/courses",
            &alice,
            json!({"title": "Alice's", "colour": "blue", "start_date": "2026-01-01", "public": true}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let course = c["id"].as_str().expect("id").to_owned();
    let alice_ro = issuer.token(Some("alice"), &["courses:read"]).await;
    let client = issuer.token(None, &["courses:read"]).await;
    let garbage = "garbage.token.SECRET-DO-NOT-LOG";

    let patch = format!("/api/courses/{course}");
    // A photo on a private course of Alice's, and a done entry on her public one.
    let (_, private) = app
        .post(
            "/api/courses",
            &alice,
            json!({"title": "Private", "colour": "blue", "start_date": "2026-01-01"}),
        )
        .await;
    let private = private["id"].as_str().expect("id").to_owned();
    let private_done = crate::todo_photos::daily_todo(&app, &alice, &private).await;
    let form = crate::support::Form::new().text("date", "2026-03-01").file(
        "photo",
        "a.png",
        "image/png",
        &crate::support::images::png(0),
    );
    let (s, entry) = app.post_form(&private_done, &alice, form).await;
    assert_eq!(s, 201, "{entry}");
    let photo = entry["photo_url"].as_str().expect("photo url").to_owned();
    let undo = format!(
        "{}/2026-03-01",
        crate::todo_photos::daily_todo(&app, &alice, &course).await
    );
    let cases = [
        Case {
            rid: "rid-missing",
            method: reqwest::Method::GET,
            path: "/api/courses",
            token: None,
            status: 401,
            error: "unauthorized",
            sub: None,
        },
        Case {
            rid: "rid-garbage",
            method: reqwest::Method::GET,
            path: "/api/courses",
            token: Some(garbage),
            status: 401,
            error: "invalid_token",
            sub: None,
        },
        Case {
            rid: "rid-scope",
            method: reqwest::Method::POST,
            path: "/api/courses",
            token: Some(&alice_ro),
            status: 403,
            error: "insufficient_scope",
            sub: Some("alice"),
        },
        Case {
            rid: "rid-owner",
            method: reqwest::Method::PATCH,
            path: &patch,
            token: Some(&bob),
            status: 403,
            error: "not_owner",
            sub: Some("bob"),
        },
        Case {
            rid: "rid-photo",
            method: reqwest::Method::GET,
            path: &photo,
            token: Some(&bob),
            status: 404,
            error: "not_found",
            sub: Some("bob"),
        },
        Case {
            rid: "rid-undo",
            method: reqwest::Method::DELETE,
            path: &undo,
            token: Some(&bob),
            status: 403,
            error: "not_owner",
            sub: Some("bob"),
        },
        Case {
            rid: "rid-user",
            method: reqwest::Method::GET,
            path: "/api/today",
            token: Some(&client),
            status: 403,
            error: "user_required",
            sub: Some("test-client"),
        },
    ];
    for Case {
        rid,
        method,
        path,
        token,
        status,
        error,
        sub,
    } in &cases
    {
        let mut req = app
            .http
            .request(method.clone(), format!("{}{path}", app.base))
            .header("x-request-id", *rid)
            .json(&json!({"title": "x"}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("sent");
        assert_eq!(resp.status().as_u16(), *status, "{rid}");
        assert_eq!(resp.headers()["x-request-id"], *rid, "echoed");

        let decisions: Vec<Value> = log
            .lines()
            .into_iter()
            .filter(|l| l["target"] == belf::todo::http::SECURITY_LOG)
            .filter(|l| field(l, "request_id").and_then(Value::as_str) == Some(*rid))
            .collect();
        assert_eq!(decisions.len(), 1, "{rid}: {decisions:?}");
        let line = &decisions[0];
        assert_eq!(line["status"], *status, "{line}");
        assert_eq!(line["error"], *error, "{line}");
        assert!(
            line["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{line}"
        );
        assert_eq!(
            field(line, "method").and_then(Value::as_str),
            Some(method.as_str())
        );
        assert_eq!(field(line, "path").and_then(Value::as_str), Some(*path));
        assert_eq!(field(line, "sub").and_then(Value::as_str), *sub, "{line}");
    }

    // Without an X-Request-Id one is made and echoed.
    let resp = app
        .http
        .get(format!("{}/api/courses", app.base))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("sent");
    let made = resp.headers()["x-request-id"].to_str().expect("ascii");
    assert!(uuid::Uuid::parse_str(made).is_ok(), "{made}");

    // No token, good or bad, is ever written to the log.
    let text = log.text();
    for token in [garbage, &alice_ro, &bob, &client, &alice] {
        assert!(!text.contains(token), "a token was logged");
    }
}
