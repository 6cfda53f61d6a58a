//! The audit trail end to end: events recorded by the real pages, the token endpoint and
//! the real `belf` CLI, read back with `belf audit list` (filters, `--json`).

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::authorize::code_for;
use crate::support::browser::Browser;
use crate::support::token::{exchange_code, refresh};
use crate::support::{PASSWORD, TestAuth};

fn kinds(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn count(list: &Value, kind: &str) -> usize {
    kinds(list).iter().filter(|k| *k == kind).count()
}

#[tokio::test]
async fn page_and_token_events_are_recorded_with_origin() {
    let auth = TestAuth::spawn().await;
    let alice = auth.user("alice", PASSWORD).await;
    let (client_id, secret) = auth.web_client(crate::support::REDIRECT).await;

    // A failed and a successful sign-in, from a browser that names itself.
    let browser = Browser::new(&auth.base);
    let refused = browser.log_in("alice", "not the password").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let unknown = browser.log_in("nobody-here", "not the password").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    // authorize → login → consent → code → refresh, then the spent refresh token again.
    let (code, verifier) = code_for(&browser, &client_id, "openid offline_access", "alice").await;
    let tokens = exchange_code(&auth.base, (&client_id, &secret), &code, Some(&verifier))
        .await
        .ok();
    let first = tokens["refresh_token"].as_str().expect("refresh token");
    refresh(&auth.base, (&client_id, &secret), first).await.ok();
    let reuse = refresh(&auth.base, (&client_id, &secret), first).await;
    assert_eq!(reuse.error(), "invalid_grant");

    let list = auth.cli_json(&["audit", "list"], None).await;
    assert_eq!(count(&list, "sign_in_failed"), 2, "{list}");
    assert_eq!(count(&list, "sign_in_succeeded"), 1, "{list}");
    assert_eq!(count(&list, "consent_given"), 1, "{list}");
    assert_eq!(count(&list, "refresh_token_reuse_detected"), 1, "{list}");

    let events = list.as_array().expect("array");
    let failed: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "sign_in_failed")
        .collect();
    // The wrong password names the account; the unknown name is not kept at all.
    assert!(failed.iter().any(|e| e["user"] == alice.user_id.as_str()
        && e["detail"]["reason"] == "wrong_password"
        && e["detail"]["method"] == "password"));
    assert!(
        failed
            .iter()
            .any(|e| e["user"].is_null() && e["detail"]["reason"] == "unknown_account")
    );
    assert!(!list.to_string().contains("nobody-here"));
    assert!(!list.to_string().contains("not the password"));
    let signed_in = events
        .iter()
        .find(|e| e["kind"] == "sign_in_succeeded")
        .expect("sign-in");
    assert_eq!(signed_in["user"], alice.user_id.as_str());
    assert_eq!(signed_in["ip"], "127.0.0.1");
    assert_eq!(signed_in["detail"]["method"], "password");
    let consent = events
        .iter()
        .find(|e| e["kind"] == "consent_given")
        .expect("consent");
    assert_eq!(consent["client"], client_id.as_str());
    let reused = events
        .iter()
        .find(|e| e["kind"] == "refresh_token_reuse_detected")
        .expect("reuse");
    assert_eq!(reused["user"], alice.user_id.as_str());
    assert_eq!(reused["client"], client_id.as_str());
    assert!(
        events
            .iter()
            .all(|e| e["time"].as_str().is_some_and(|t| t.ends_with('Z')))
    );
}

#[tokio::test]
async fn user_agent_is_kept_cleaned_and_bounded() {
    let auth = TestAuth::spawn().await;
    auth.user("bob", PASSWORD).await;
    let browser = Browser::new(&auth.base);
    let login = browser.get("/login").await;
    let csrf = login.input("csrf").expect("csrf");
    let long_agent = format!("Tester/2 {}", "x".repeat(2000));
    let res = browser
        .http
        .post(auth.url("/login"))
        .header("user-agent", long_agent.as_str())
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "bob"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(res.status(), StatusCode::FOUND, "{:?}", res.text().await);
    let list = auth
        .cli_json(&["audit", "list", "--kind", "sign_in_succeeded"], None)
        .await;
    let agent = list[0]["user_agent"].as_str().expect("user agent kept");
    assert!(agent.starts_with("Tester/2 "));
    assert_eq!(agent.chars().count(), 512);
}

#[tokio::test]
async fn cli_changes_are_recorded_and_list_filters_work() {
    let auth = TestAuth::spawn().await;
    let carol = auth.user("carol", PASSWORD).await;
    let added = auth
        .cli_json(
            &[
                "client",
                "add",
                "--name",
                "Audited app",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            None,
        )
        .await;
    let client_id = added["client_id"].as_str().expect("client id").to_owned();
    auth.cli_json(&["client", "rotate-secret", &client_id], None)
        .await;
    auth.cli_json(&["client", "remove", &client_id], None).await;
    auth.cli_json(&["keys", "rotate", "--alg", "ES256"], None)
        .await;
    auth.cli_json(
        &["user", "set-password", "carol", "--password-stdin"],
        Some("a brand new secret 42\n"),
    )
    .await;

    let all = auth.cli_json(&["audit", "list"], None).await;
    for kind in [
        "client_created",
        "client_secret_rotated",
        "client_removed",
        "keys_rotated",
        "password_changed",
    ] {
        assert_eq!(count(&all, kind), 1, "{kind} in {all}");
    }
    let created = all
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["kind"] == "client_created")
        .expect("created");
    assert_eq!(created["client"], client_id.as_str());
    assert_eq!(created["detail"]["via"], "cli");
    let keys = all
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["kind"] == "keys_rotated")
        .expect("keys");
    assert_eq!(keys["detail"]["kids"].as_array().map(Vec::len), Some(1));
    // Newest first.
    assert_eq!(kinds(&all)[0], "password_changed");

    // --user by name, by e-mail and by id find the same event.
    for who in ["carol", "carol@example.com", carol.user_id.as_str()] {
        let mine = auth.cli_json(&["audit", "list", "--user", who], None).await;
        assert_eq!(kinds(&mine), ["password_changed"], "--user {who}");
    }
    let by_kind = auth
        .cli_json(&["audit", "list", "--kind", "client_removed"], None)
        .await;
    assert_eq!(kinds(&by_kind), ["client_removed"]);
    let limited = auth
        .cli_json(&["audit", "list", "--limit", "2"], None)
        .await;
    assert_eq!(kinds(&limited).len(), 2);
    let recent = auth
        .cli_json(&["audit", "list", "--since", "1h"], None)
        .await;
    assert_eq!(kinds(&recent).len(), kinds(&all).len());
    let future = auth
        .cli_json(&["audit", "list", "--since", "2999-01-01T00:00:00Z"], None)
        .await;
    assert_eq!(kinds(&future).len(), 0);

    // Human output: one line per event.
    let out = auth
        .cli(&["audit", "list", "--kind", "keys_rotated"], None)
        .await;
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("keys_rotated"));

    // Bad filters are refused with the option named.
    for (args, named) in [
        (vec!["audit", "list", "--since", "yesterday"], "--since"),
        (vec!["audit", "list", "--kind", "made_up"], "--kind"),
        (vec!["audit", "list", "--limit", "0"], "--limit"),
    ] {
        let out = auth.cli(&args, None).await;
        assert!(!out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(named),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn a_broken_audit_table_never_fails_a_sign_in() {
    use secrecy::ExposeSecret;
    let auth = TestAuth::spawn().await;
    auth.user("dave", PASSWORD).await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(auth.config.database.url.expose_secret())
        .await
        .expect("database");
    sqlx::query("ALTER TABLE audit_events RENAME TO audit_events_gone")
        .execute(&pool)
        .await
        .expect("rename");
    let browser = Browser::new(&auth.base);
    let ok = browser.log_in("dave", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::FOUND, "{}", ok.body);
    let refused = browser.log_in("dave", "wrong wrong wrong").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(auth.ctx.audit.failures(), 2);
    let metrics = auth.ctx.metrics.render();
    assert!(
        metrics.contains("belf_auth_audit_write_failures_total 2"),
        "{metrics}"
    );
}
