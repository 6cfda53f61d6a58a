//! The todo service starts while its issuer is down (issue 11, finding 7): it answers
//! `/healthz`, says "not ready" on `/readyz`, refuses API calls with 503
//! `temporarily_unavailable`, and becomes ready by itself once the issuer comes up.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::fake_issuer::CLIENT_ID;
use crate::support::{AUDIENCE, FakeIssuer, TodoApp, now, test_keys};

async fn status(app: &TodoApp, path: &str, token: Option<&str>) -> (u16, Value, Option<String>) {
    let mut req = app.http.get(format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("sent");
    let code = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (code, resp.json().await.unwrap_or(Value::Null), retry)
}

#[tokio::test]
async fn starts_without_its_issuer_and_becomes_ready_when_it_comes_up() {
    // A port nothing listens on yet: the issuer will come up there later.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let issuer_url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let app = TodoApp::spawn(&issuer_url).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "start-up waited {:?} for a dead issuer",
        started.elapsed()
    );

    let token = test_keys().ec.sign_at(&json!({
        "iss": issuer_url, "sub": "alice", "aud": AUDIENCE, "client_id": CLIENT_ID,
        "scope": "courses:read courses:write", "jti": "late-1",
        "iat": now(), "exp": now() + 300,
    }));
    let (s, _, _) = status(&app, "/healthz", None).await;
    assert_eq!(s, 200, "alive");
    let (s, ready, _) = status(&app, "/readyz", None).await;
    assert_eq!(s, 503, "{ready}");
    assert_eq!(
        ready,
        json!({"ready": false, "issuer_keys": false, "database": true})
    );
    let (s, b, retry) = status(&app, "/api/courses", Some(&token)).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (503, Some("temporarily_unavailable")),
        "{b}"
    );
    assert!(retry.is_some(), "Retry-After");
    // A request without any token needs no keys to be refused.
    let (s, _, _) = status(&app, "/api/courses", None).await;
    assert_eq!(s, 401);

    let keys = test_keys();
    let _issuer =
        FakeIssuer::start_on(port, vec![keys.rsa.jwk(), keys.ec.jwk(), keys.ed.jwk()]).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (s, ready, _) = status(&app, "/readyz", None).await;
        if s == 200 {
            assert_eq!(ready["ready"], true);
            break;
        }
        assert!(Instant::now() < deadline, "never became ready: {ready}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (s, b, _) = status(&app, "/api/courses", Some(&token)).await;
    assert_eq!(s, 200, "{b}");
}
