//! /account/two-step with passkeys: adding one (recovery codes with a first method, the
//! one script allowed by the page's CSP, the form hidden until the script runs), renaming
//! and removing it (never the last method of a person who must use a second step), an
//! expired or reused ceremony, and the account's deletion taking its passkeys along.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};

use super::{add_passkey, open_add_form, post_answer, signed_in};
use crate::support::passkey::{Device, passkey_form};
use crate::support::{PASSWORD, TestAuth};

#[tokio::test]
async fn a_passkey_is_added_with_recovery_codes_renamed_and_listed() {
    let server = TestAuth::spawn_on_localhost(&[]).await;
    server.user("alice", PASSWORD).await;
    let browser = signed_in(&server, "alice").await;
    let device = Device::new(&server.base);

    // The creating form is inert without the script: hidden, and the only script a file
    // of this server, which the page's policy allows.
    let shown = open_add_form(&browser).await;
    assert!(
        shown.body.contains("data-passkey=\"create\"") && shown.body.contains("\" hidden>"),
        "{}",
        shown.body
    );
    assert!(
        shown
            .body
            .contains("<script src=\"/static/passkey.js\"></script>")
    );
    assert!(!shown.body.contains("<script>"), "no inline script");
    let res = browser
        .http
        .post(server.url("/account/two-step/passkey"))
        .form(&[("csrf", shown.input("csrf").unwrap().as_str())])
        .send()
        .await
        .unwrap();
    let csp = res.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let list = browser.get("/account/two-step").await;
    assert!(
        !list.body.contains("<script"),
        "no script where no passkey is offered"
    );
    let script = browser
        .http
        .get(server.url("/static/passkey.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(
        script.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        script
            .text()
            .await
            .unwrap()
            .contains("navigator.credentials.create")
    );

    let done = add_passkey(&browser, &device, "laptop").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Passkey added"), "{}", done.body);
    assert_eq!(
        done.body.matches("class=\"recovery-code\"").count(),
        10,
        "recovery codes come with a first method"
    );
    assert!(done.body.contains("laptop"), "{}", done.body);
    assert!(
        done.body.contains("also signs in without a password"),
        "the device kept it discoverable: {}",
        done.body
    );
    assert_eq!(device.keyring.count(), 1);

    // The same device again: its passkey is excluded, so a second one is a new key.
    let second = add_passkey(&browser, &device, "second").await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body.matches("class=\"recovery-code\"").count(), 0);

    let page = browser.get("/account/two-step").await;
    let id_marker = "name=\"method\" value=\"";
    let ids: Vec<String> = page
        .body
        .match_indices(id_marker)
        .map(|(i, _)| {
            let from = i + id_marker.len();
            page.body[from..from + page.body[from..].find('"').unwrap()].to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 4, "rename and remove forms for two passkeys");
    let csrf = page.input("csrf").unwrap();
    let renamed = browser
        .post(
            "/account/two-step/rename",
            &[
                ("csrf", &csrf),
                ("method", &ids[0]),
                ("name", "work laptop"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::FOUND, "{}", renamed.body);
    assert!(
        browser
            .get("/account/two-step")
            .await
            .body
            .contains("work laptop")
    );
    let bad = browser
        .post(
            "/account/two-step/rename",
            &[("csrf", &csrf), ("method", &ids[0]), ("name", "  ")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_last_method_stays_when_two_step_is_required() {
    let server = TestAuth::spawn_on_localhost(&[]).await;
    let rita = server.user("rita", PASSWORD).await;
    let browser = signed_in(&server, "rita").await;
    let device = Device::new(&server.base);
    add_passkey(&browser, &device, "phone").await;
    let now = server.ctx.clock.now();
    server
        .ctx
        .stores
        .two_step
        .set_required(&rita.user_id, true, now)
        .await
        .unwrap();

    let passkeys = server
        .ctx
        .stores
        .passkeys
        .list_passkeys(&rita.user_id)
        .await
        .unwrap();
    assert_eq!(passkeys.len(), 1);
    let page = browser.get("/account/two-step").await;
    let csrf = page.input("csrf").unwrap();
    let id = passkeys[0].passkey_id.clone();
    let refused = browser
        .post(
            "/account/two-step/remove",
            &[("csrf", &csrf), ("method", &id)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("phone"), "still listed");

    server
        .ctx
        .stores
        .two_step
        .set_required(&rita.user_id, false, now)
        .await
        .unwrap();
    let removed = browser
        .post(
            "/account/two-step/remove",
            &[("csrf", &csrf), ("method", &id)],
        )
        .await;
    assert_eq!(removed.status, StatusCode::FOUND, "{}", removed.body);
    let store = &server.ctx.stores;
    assert!(
        store
            .passkeys
            .list_passkeys(&rita.user_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .two_step
            .count_recovery_codes(&rita.user_id)
            .await
            .unwrap(),
        0,
        "recovery codes go with the last method"
    );
    let again = browser
        .post(
            "/account/two-step/remove",
            &[("csrf", &csrf), ("method", &id)],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_ceremony_expires_and_is_answered_once() {
    // A sign-in recent enough for the whole test (adding needs a recent one).
    let server =
        TestAuth::spawn_on_localhost(&[("BELF_TWO_STEP__REAUTH_MAX_AGE_SECS", "3600")]).await;
    let carl = server.user("carl", PASSWORD).await;
    let browser = signed_in(&server, "carl").await;
    // Carl on another computer (signed in before he had a passkey).
    let other = signed_in(&server, "carl").await;
    let device = Device::new(&server.base);

    let shown = open_add_form(&browser).await;
    let form = passkey_form(&shown, "/account/two-step/passkey/finish").unwrap();
    let answer = device.create(&form.options).await.unwrap();
    let ceremony = (
        form.action.as_str(),
        form.ceremony.as_str(),
        answer.as_str(),
    );
    // Answered after `passkeys.ceremony_ttl_secs` (300): refused, nothing stored.
    server.clock.advance(Duration::from_secs(301));
    let late = post_answer(&browser, &shown, ceremony.0, ceremony.1, ceremony.2, &[]).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{}", late.body);
    assert!(
        late.body.contains("expired or was already used"),
        "{}",
        late.body
    );

    let shown = open_add_form(&browser).await;
    let form = passkey_form(&shown, "/account/two-step/passkey/finish").unwrap();
    let answer = device.create(&form.options).await.unwrap();
    let first = post_answer(&browser, &shown, &form.action, &form.ceremony, &answer, &[]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let again = post_answer(&browser, &shown, &form.action, &form.ceremony, &answer, &[]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    let stored = server
        .ctx
        .stores
        .passkeys
        .list_passkeys(&carl.user_id)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "one passkey from one ceremony");

    // A ceremony of this person's browser is not another browser's to answer.
    let shown = open_add_form(&browser).await;
    let form = passkey_form(&shown, "/account/two-step/passkey/finish").unwrap();
    let answer = device.create(&form.options).await.unwrap();
    let csrf = other.get("/account/two-step").await.input("csrf").unwrap();
    let foreign = other
        .post(
            &form.action,
            &[
                ("csrf", &csrf),
                ("ceremony", &form.ceremony),
                ("credential", &answer),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.body);
}

#[tokio::test]
async fn deleting_the_account_removes_its_passkeys() {
    let server = TestAuth::spawn_on_localhost(&[]).await;
    let dora = server.user("dora", PASSWORD).await;
    let browser = signed_in(&server, "dora").await;
    let device = Device::new(&server.base);
    add_passkey(&browser, &device, "key").await;
    let stored = server
        .ctx
        .stores
        .passkeys
        .list_passkeys(&dora.user_id)
        .await
        .unwrap();
    let credential_id = stored[0].credential_id.clone();

    let page = browser.get("/account/delete").await;
    let csrf = page.input("csrf").expect("csrf");
    let deleted = browser
        .post(
            "/account/delete",
            &[("csrf", &csrf), ("confirm", "yes"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert!(deleted.body.contains("Account deleted"), "{}", deleted.body);
    let store = &server.ctx.stores.passkeys;
    assert!(store.find_passkey(&credential_id).await.unwrap().is_none());
    assert!(store.list_passkeys(&dora.user_id).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_issuer_on_an_ip_address_offers_no_passkeys() {
    // The default test server: http://127.0.0.1:PORT, which WebAuthn cannot use.
    let server = TestAuth::spawn().await;
    server.user("ivan", PASSWORD).await;
    let browser = signed_in(&server, "ivan").await;
    let login = crate::support::browser::Browser::new(&server.base)
        .get("/login")
        .await;
    assert!(!login.body.contains("data-passkey"), "{}", login.body);
    assert!(!login.body.contains("<script"));
    let page = browser.get("/account/two-step").await;
    assert!(
        !page.body.contains("/account/two-step/passkey"),
        "{}",
        page.body
    );
    let csrf = page.input("csrf").unwrap();
    let refused = browser
        .post("/account/two-step/passkey", &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}
