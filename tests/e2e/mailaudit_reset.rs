//! Password reset through the real pages and the outbox folder: the same answer for known
//! and unknown addresses, single-use and expiring links, forged tokens, throttling, and
//! the reset signing out every session and revoking refresh tokens.

use reqwest::StatusCode;

use crate::support::authorize::code_for;
use crate::support::browser::Browser;
use crate::support::outbox;
use crate::support::token::{exchange_code, refresh};
use crate::support::{PASSWORD, REDIRECT, TestAuth};

const NEW_PASSWORD: &str = "a completely new secret";

/// Asks for a reset link for `email` on the forgot page; returns the answer.
async fn ask(browser: &Browser, email: &str) -> crate::support::browser::Page {
    let form = browser.get("/password/forgot").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.input("csrf").expect("csrf");
    browser
        .post("/password/forgot", &[("csrf", &csrf), ("email", email)])
        .await
}

async fn set_password(
    browser: &Browser,
    path: &str,
    password: &str,
    again: &str,
) -> crate::support::browser::Page {
    let form = browser.get(path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.input("csrf").expect("csrf");
    let token = form.input("token").expect("token");
    browser
        .post(
            "/password/reset",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", password),
                ("password2", again),
            ],
        )
        .await
}

#[tokio::test]
async fn reset_signs_out_everywhere_and_revokes_refresh_tokens() {
    let auth = TestAuth::spawn().await;
    let outbox_dir = auth.config.mail.outbox_dir.clone();
    auth.user("alice", PASSWORD).await;
    let (client_id, secret) = auth.web_client(REDIRECT).await;

    // A client holds a refresh token; another browser holds a session.
    let app = Browser::new(&auth.base);
    let (code, verifier) = code_for(&app, &client_id, "openid offline_access", "alice").await;
    let tokens = exchange_code(&auth.base, (&client_id, &secret), &code, Some(&verifier))
        .await
        .ok();
    let refresh_token = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let other = Browser::new(&auth.base);
    assert_eq!(
        other.log_in("alice", PASSWORD).await.status,
        StatusCode::FOUND
    );
    assert!(other.get("/").await.body.contains("alice"));

    // The login page links to the forgot page.
    let stranger = Browser::new(&auth.base);
    assert!(
        stranger
            .get("/login")
            .await
            .body
            .contains("href=\"/password/forgot\"")
    );
    let asked = ask(&stranger, "Alice@Example.com").await;
    assert_eq!(asked.status, StatusCode::OK);
    let mail = outbox::nth(&outbox_dir, 1).await;
    assert!(mail.to().contains("alice@example.com"), "{}", mail.headers);
    let path = mail.path(&auth.base);
    assert!(path.starts_with("/password/reset?token="), "{path}");

    // The reset page leaks no referrer and is not cached.
    let page = stranger
        .http
        .get(auth.url(&path))
        .send()
        .await
        .expect("GET");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert_eq!(page.headers()["cache-control"], "no-store");

    // Refused passwords keep the link usable.
    let differ = set_password(&stranger, &path, NEW_PASSWORD, "something else").await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    let common = set_password(&stranger, &path, "qwertyuiop", "qwertyuiop").await;
    assert_eq!(common.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(common.body.contains("most common"), "{}", common.body);
    let done = set_password(&stranger, &path, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);

    // Single use.
    assert_eq!(stranger.get(&path).await.status, StatusCode::BAD_REQUEST);

    // Every session is signed out, every refresh token revoked.
    assert!(!other.get("/").await.body.contains("alice"));
    assert_eq!(
        refresh(&auth.base, (&client_id, &secret), &refresh_token)
            .await
            .error(),
        "invalid_grant"
    );
    assert_eq!(
        Browser::new(&auth.base)
            .log_in("alice", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        Browser::new(&auth.base)
            .log_in("alice", NEW_PASSWORD)
            .await
            .status,
        StatusCode::FOUND
    );

    let audit = auth
        .cli_json(&["audit", "list", "--user", "alice"], None)
        .await;
    let kinds: Vec<&str> = audit
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"password_reset"), "{kinds:?}");
    assert!(kinds.contains(&"password_reset_requested"), "{kinds:?}");
    // The token never reaches the audit trail.
    let token = path.trim_start_matches("/password/reset?token=");
    assert!(!audit.to_string().contains(token));
}

#[tokio::test]
async fn known_and_unknown_addresses_get_the_same_answer() {
    let auth = TestAuth::spawn().await;
    auth.user("bob", PASSWORD).await;
    let browser = Browser::new(&auth.base);
    let known = ask(&browser, "bob@example.com").await;
    let unknown = ask(&browser, "nobody@example.com").await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.body.replace("bob@example.com", "X"),
        unknown.body.replace("nobody@example.com", "X")
    );
    // Only the known address got mail.
    let mails = outbox::wait_for(&auth.config.mail.outbox_dir, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(outbox::count(&auth.config.mail.outbox_dir), 1);
    assert!(mails[0].to().contains("bob@example.com"));
}

#[tokio::test]
async fn expired_forged_and_superseded_links_do_not_work() {
    let auth = TestAuth::spawn_on_manual_clock(&[]).await;
    let dir = auth.config.mail.outbox_dir.clone();
    auth.user("carol", PASSWORD).await;
    let browser = Browser::new(&auth.base);

    ask(&browser, "carol@example.com").await;
    let first = outbox::nth(&dir, 1).await.path(&auth.base);
    ask(&browser, "carol@example.com").await;
    let second = outbox::nth(&dir, 2).await.path(&auth.base);
    // Only the newest link works.
    assert_eq!(browser.get(&first).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(browser.get(&second).await.status, StatusCode::OK);

    // Forged, cut off or missing tokens, on GET and POST.
    for forged in [
        "/password/reset",
        "/password/reset?token=",
        "/password/reset?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/password/reset?token=%3Cscript%3E",
    ] {
        let page = browser.get(forged).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{forged}");
        assert!(!page.body.contains("<script>"));
    }
    let csrf = browser
        .get("/password/forgot")
        .await
        .input("csrf")
        .expect("csrf");
    let cut = &second[..second.len() - 3];
    let token = cut.trim_start_matches("/password/reset?token=");
    let refused = browser
        .post(
            "/password/reset",
            &[
                ("csrf", &csrf),
                ("token", token),
                ("password", NEW_PASSWORD),
                ("password2", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // Without the CSRF token nothing happens.
    let token = second.trim_start_matches("/password/reset?token=");
    let forged_form = browser
        .post(
            "/password/reset",
            &[
                ("token", token),
                ("password", NEW_PASSWORD),
                ("password2", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged_form.status, StatusCode::FORBIDDEN);

    // Past reset_ttl_secs (30 minutes) the link is dead.
    auth.clock.advance(std::time::Duration::from_secs(1801));
    assert_eq!(browser.get(&second).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        Browser::new(&auth.base)
            .log_in("carol", PASSWORD)
            .await
            .status,
        StatusCode::FOUND
    );
}

#[tokio::test]
async fn asking_for_links_is_throttled_per_address_and_per_ip() {
    let auth = TestAuth::spawn_with(&[("BELF_EMAIL_LINKS__MAX_PER_IP", "5")]).await;
    auth.user("dave", PASSWORD).await;
    let browser = Browser::new(&auth.base);
    for _ in 0..3 {
        assert_eq!(
            ask(&browser, "dave@example.com").await.status,
            StatusCode::OK
        );
    }
    let fourth = ask(&browser, "dave@example.com").await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS);
    // Unknown addresses are counted the same way (no difference to see).
    assert_eq!(
        ask(&browser, "ghost@example.com").await.status,
        StatusCode::OK
    );
    // The source IP's allowance (5) is spent now, whatever the address.
    let res = {
        let form = browser.get("/password/forgot").await;
        let csrf = form.input("csrf").expect("csrf");
        browser
            .http
            .post(auth.url("/password/forgot"))
            .form(&[("csrf", csrf.as_str()), ("email", "other@example.com")])
            .send()
            .await
            .expect("POST")
    };
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    // Three mails for dave, none for the others.
    outbox::wait_for(&auth.config.mail.outbox_dir, 3).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(outbox::count(&auth.config.mail.outbox_dir), 3);
}

#[tokio::test]
async fn the_reset_pages_and_mail_speak_korean() {
    let auth = TestAuth::spawn().await;
    auth.user("erin", PASSWORD).await;
    let browser = Browser::new(&auth.base);
    let form = browser
        .http
        .get(auth.url("/password/forgot"))
        .header("accept-language", "ko-KR,ko;q=0.9")
        .send()
        .await
        .expect("GET");
    let body = form.text().await.expect("body");
    assert!(body.contains("비밀번호 재설정"), "{body}");
    let csrf = crate::support::browser::Page {
        status: StatusCode::OK,
        location: None,
        body,
    }
    .input("csrf")
    .expect("csrf");
    let sent = browser
        .http
        .post(auth.url("/password/forgot"))
        .header("accept-language", "ko")
        .form(&[("csrf", csrf.as_str()), ("email", "erin@example.com")])
        .send()
        .await
        .expect("POST");
    assert!(
        sent.text()
            .await
            .expect("body")
            .contains("링크를 보냈습니다")
    );
    let mail = outbox::nth(&auth.config.mail.outbox_dir, 1).await;
    assert!(mail.body.contains("새 비밀번호"), "{}", mail.body);
    assert!(mail.body.contains("30분"), "{}", mail.body);
}
