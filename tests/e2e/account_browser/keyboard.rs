//! The login form and the second-step form with the keyboard alone: the focus starts in
//! the username field, Tab moves to the password, Enter submits; the second step starts
//! in its code field and Enter submits it too.

use std::time::Instant;

use super::{PEOPLE, chromium, t};
use crate::support::{PASSWORD, TestAuth};
use crate::two_step::{code_now, enrol_app, next_step, signed_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_and_second_step_work_with_the_keyboard_alone() {
    let Some(chromium) = chromium().await else {
        return;
    };
    let started = Instant::now();
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    for (viewport, lang) in PEOPLE {
        let username = format!("keys-{lang}");
        server.user(&username, PASSWORD).await;
        let (secret, _) = enrol_app(&server, &signed_in(&server, &username).await).await;
        next_step(&server);

        let tab = chromium.person(viewport, lang).await;
        tab.goto(&format!("{}/login", server.base)).await;
        assert_eq!(tab.text("h1").await, t(lang, "sign_in"));
        tab.await_focus("username").await; // the page starts there
        tab.type_keys(&username).await;
        tab.press("Tab").await;
        assert_eq!(tab.focused().await, "password");
        tab.type_keys(PASSWORD).await;
        tab.press_and_wait("Enter").await;

        assert!(
            tab.path().await.starts_with("/login/second-step"),
            "{}",
            tab.path().await
        );
        assert_eq!(tab.text("h1").await, t(lang, "two_step_title"));
        tab.await_focus("code").await; // the second step starts there
        tab.type_keys(&code_now(&server, &secret)).await;
        tab.press_and_wait("Enter").await;
        assert_eq!(tab.path().await, "/");
        let home = tab.text("main").await;
        assert!(
            home.contains(&format!("{} {username}", t(lang, "signed_in_as"))),
            "{home}"
        );
        tab.assert_no_console_errors(&format!("keyboard sign-in with a second step ({lang})"));
        tab.close().await;
    }
    eprintln!(
        "keyboard sign-in with two steps, two people: {:?}",
        started.elapsed()
    );
    chromium.close().await;
}
