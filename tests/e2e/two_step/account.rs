//! /account/two-step: a signed-in page; adding an app (QR code and key, confirmed by a
//! first code), renaming, new recovery codes (the old ones stop working), removing after
//! a recent sign-in, in English and Korean, and the bad requests.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::ACCEPT_LANGUAGE;

use super::{code_now, enrol_app, give_code, next_step, recovery_codes_on, signed_in};
use crate::support::browser::Browser;
use crate::support::{PASSWORD, TestAuth};

#[tokio::test]
async fn methods_are_added_renamed_and_removed_after_a_recent_sign_in() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    server.user("amy", PASSWORD).await;
    let away = Browser::new(&server.base);
    let sent = away.get("/account/two-step").await;
    assert_eq!(
        sent.location(),
        "/login?next=two-step",
        "signed out: to the login"
    );

    let browser = signed_in(&server, "amy").await;
    let page = browser.get("/account/two-step").await;
    assert!(page.body.contains("is off"), "{}", page.body);
    assert!(
        page.body
            .replace("&#x2f;", "/")
            .contains("<a href=\"/account/two-step\" aria-current=\"page\">"),
        "one of the account pages, marked in their nav: {}",
        page.body
    );
    let (secret, old_codes) = enrol_app(&server, &browser).await;
    let page = browser.get("/account/two-step").await;
    assert!(page.body.contains("phone"));
    assert!(!page.body.contains(&secret), "the key is never shown again");
    let csrf = page.input("csrf").unwrap();
    let method = page.input("method").unwrap();

    // Rename: a blank name is refused, a good one kept.
    let blank = browser
        .post(
            "/account/two-step/rename",
            &[("csrf", &csrf), ("method", &method), ("name", "  ")],
        )
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    let renamed = browser
        .post(
            "/account/two-step/rename",
            &[("csrf", &csrf), ("method", &method), ("name", "work phone")],
        )
        .await;
    assert_eq!(renamed.location(), "/account/two-step");
    let ko = browser
        .http
        .get(server.url("/account/two-step"))
        .header(ACCEPT_LANGUAGE, "ko")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ko.contains("work phone") && ko.contains("인증 앱 추가"),
        "{ko}"
    );

    // New recovery codes: the old ones stop working.
    let fresh = browser
        .post("/account/two-step/recovery-codes", &[("csrf", &csrf)])
        .await;
    let new_codes = recovery_codes_on(&fresh);
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|c| !old_codes.contains(c)));
    let other = Browser::new(&server.base);
    let after = other.log_in("amy", PASSWORD).await;
    let refused = give_code(&other, &after, &old_codes[0]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    // A second app confirmed with a wrong code is not added.
    let shown = browser
        .post("/account/two-step/totp", &[("csrf", &csrf)])
        .await;
    let wrong = browser
        .post(
            "/account/two-step/totp/verify",
            &[("csrf", &csrf), ("name", "tablet"), ("code", "12345x")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong.body.contains("id=\"totp-secret\""),
        "shown again to retry"
    );
    assert!(shown.body.contains("<svg"));
    assert!(
        !browser
            .get("/account/two-step")
            .await
            .body
            .contains("tablet")
    );

    // Removing needs a recent sign-in: an older session signs in again (password and
    // code) and comes back here.
    server.clock.advance(Duration::from_secs(301));
    let stale = browser
        .post(
            "/account/two-step/remove",
            &[("csrf", &csrf), ("method", &method)],
        )
        .await;
    assert_eq!(stale.location(), "/login?next=two-step");
    let login = browser.get(stale.location()).await;
    assert_eq!(login.input("next").as_deref(), Some("two-step"));
    let after = browser.submit_login(&login, "amy", PASSWORD).await;
    next_step(&server);
    let back = give_code(&browser, &after, &code_now(&server, &secret)).await;
    assert_eq!(back.location(), "/account/two-step");

    // Bad requests: no CSRF token, a method that is not hers.
    let forged = browser
        .post("/account/two-step/remove", &[("method", &method)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let unknown = browser
        .post(
            "/account/two-step/remove",
            &[("csrf", &csrf), ("method", "not-a-method")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let removed = browser
        .post(
            "/account/two-step/remove",
            &[("csrf", &csrf), ("method", &method)],
        )
        .await;
    assert_eq!(removed.location(), "/account/two-step");
    let page = browser.get("/account/two-step").await;
    assert!(page.body.contains("is off"));
    // Without a method, the password alone signs in again.
    let later = Browser::new(&server.base);
    assert_eq!(later.log_in("amy", PASSWORD).await.location(), "/");
}

#[tokio::test]
async fn a_login_page_next_names_only_known_pages() {
    let server = TestAuth::spawn().await;
    server.user("nina", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let login = browser.get("/login?next=https://evil.example/").await;
    assert_eq!(login.input("next"), None);
    let done = browser
        .post(
            "/login",
            &[
                ("csrf", &login.input("csrf").unwrap()),
                ("username", "nina"),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/");
}

/// Without `[account] enabled` the account pages of the other parts stay, and their nav
/// lists only them (no link to a page that is not served).
#[tokio::test]
async fn without_the_account_part_the_nav_lists_only_the_pages_served() {
    let server = TestAuth::spawn_with(&[("BELF_ACCOUNT__ENABLED", "false")]).await;
    server.user("ada", PASSWORD).await;
    let browser = signed_in(&server, "ada").await;
    let page = browser.get("/account/two-step").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let shown = page.body.replace("&#x2f;", "/");
    for served in ["/account/email", "/account/two-step", "/account/providers"] {
        assert!(
            shown.contains(&format!("href=\"{served}\"")),
            "{served}: {shown}"
        );
        assert_eq!(browser.get(served).await.status, StatusCode::OK, "{served}");
    }
    for gone in ["/account\"", "/account/profile", "/account/delete"] {
        assert!(
            !shown.contains(&format!("href=\"{gone}")),
            "{gone}: {shown}"
        );
    }
    assert_eq!(
        browser.get("/account/profile").await.status,
        StatusCode::NOT_FOUND
    );
}
