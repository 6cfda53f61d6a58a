//! An authenticator app, in a browser: /account/two-step (one of the account pages, in
//! their nav) draws the key as a QR code and shows it as text; the test reads the text,
//! computes the app's code with `totp-rs` as a phone would, confirms it, and sees the
//! recovery codes once. Signed out and back in, the password alone is not enough: the
//! second step asks for the app's next code.

use std::time::Instant;

use super::{PEOPLE, chromium, notice, open_from_nav, sign_in, t};
use crate::support::{PASSWORD, TestAuth};
use crate::two_step::{code_now, next_step};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_adds_an_authenticator_app_and_then_signs_in_with_its_code() {
    let Some(chromium) = chromium().await else {
        return;
    };
    let started = Instant::now();
    // The server's clock is the test's: the sign-in code is due in the step after the
    // enrolment's (a code is accepted once), without waiting 30 seconds.
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    for (viewport, lang) in PEOPLE {
        let username = format!("totp-{lang}");
        server.user(&username, PASSWORD).await;
        let tab = chromium.person(viewport, lang).await;
        sign_in(&tab, &server.base, &username).await;
        tab.goto(&format!("{}/account", server.base)).await;
        open_from_nav(&tab, lang, "/account/two-step", "account_nav_two_step").await;
        assert_eq!(tab.text("h1").await, t(lang, "two_step_account_title"));
        assert!(tab.text("main").await.contains(t(lang, "two_step_none")));

        tab.click("form[action='/account/two-step/totp'] button")
            .await;
        assert!(tab.exists(".qr svg").await, "the key drawn as a QR code");
        let qr_width: f64 = tab
            .eval("document.querySelector('.qr svg').getBoundingClientRect().width")
            .await;
        assert!(
            qr_width >= 120.0,
            "a QR code a phone can scan: {qr_width}px"
        );
        let secret = tab.text("#totp-secret").await;
        assert!(
            secret.len() >= 16
                && secret
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
            "the key as base32 text: {secret}"
        );
        tab.fill("#code", &code_now(&server, &secret)).await;
        tab.screenshot("two-step-enrol").await;
        tab.click("form[action='/account/two-step/totp/verify'] button[type=submit]")
            .await;
        assert_eq!(notice(&tab).await, t(lang, "two_step_added"));
        assert_eq!(
            tab.text("main h2").await,
            t(lang, "two_step_recovery_title")
        );
        let codes = tab.texts(".recovery-code").await;
        assert_eq!(codes.len(), 10, "ten recovery codes: {codes:?}");
        let listed = tab.text(".methods .method-name").await;
        assert_eq!(listed, t(lang, "two_step_default_name"));
        tab.screenshot("two-step-recovery-codes").await;

        // Out, and in again: password, then the app's next code.
        tab.goto(&format!("{}/", server.base)).await;
        tab.click("form[action='/logout'] button").await;
        assert!(
            tab.text("main").await.contains(t(lang, "signed_out")),
            "{}",
            tab.text("main").await
        );
        next_step(&server);
        sign_in(&tab, &server.base, &username).await;
        assert!(
            tab.path().await.starts_with("/login/second-step"),
            "{}",
            tab.path().await
        );
        assert_eq!(tab.text("h1").await, t(lang, "two_step_title"));
        tab.fill("#code", &code_now(&server, &secret)).await;
        tab.screenshot("second-step").await;
        tab.click("form[action='/login/second-step'] button[type=submit]")
            .await;
        assert_eq!(tab.path().await, "/");
        let home = tab.text("main").await;
        assert!(
            home.contains(&format!("{} {username}", t(lang, "signed_in_as"))),
            "{home}"
        );
        tab.assert_no_console_errors(&format!("two-step enrolment and sign-in ({lang})"));
        tab.close().await;
    }
    eprintln!(
        "two-step enrolment and sign-in, two people: {:?}",
        started.elapsed()
    );
    chromium.close().await;
}
