//! Signing in with the keyboard alone, on a laptop in English and on a phone in Korean:
//! the identity server's sign-in page puts the focus in the username field, Tab moves to
//! the password, Enter submits; consent, when asked, is reached with Tab and Enter too.
//! Also: the console watch really sees a Content-Security-Policy violation, so the
//! "no console errors" checks of this suite can fail.

use std::time::{Duration, Instant};

use crate::support::PASSWORD;
use crate::support::chromium::{Chromium, Viewport};
use crate::support::web::TestWeb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_works_with_the_keyboard_alone() {
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let started = Instant::now();
    let web = TestWeb::spawn().await;
    web.auth.user("carol", PASSWORD).await;
    for (viewport, lang) in [(Viewport::Desktop, "en"), (Viewport::Phone, "ko")] {
        let tab = chromium.person(viewport, lang).await;
        tab.goto(&format!("{}/today", web.base)).await;
        assert!(
            tab.url()
                .await
                .starts_with(&format!("{}/login", web.auth.base)),
            "{}",
            tab.url().await
        );
        // The sign-in page starts in the username field.
        tab.await_focus("username").await;
        tab.type_keys("carol").await;
        tab.press("Tab").await;
        assert_eq!(tab.focused().await, "password");
        tab.type_keys(PASSWORD).await;
        tab.screenshot("sign-in-filled").await;
        tab.press_and_wait("Enter").await;
        if tab
            .url()
            .await
            .starts_with(&format!("{}/consent", web.auth.base))
        {
            // Tab until the Allow button has the focus (a few stops at most), then Enter.
            let mut stops = 0;
            while tab.focused().await != "allow" {
                stops += 1;
                assert!(stops < 20, "Tab never reached the Allow button");
                tab.press("Tab").await;
            }
            tab.press_and_wait("Enter").await;
        }
        assert_eq!(
            tab.url().await,
            format!("{}/today", web.base),
            "{viewport:?}/{lang}: back on the page asked for"
        );
        tab.assert_no_console_errors(&format!("keyboard sign-in ({viewport:?}, {lang})"));
        tab.close().await;
    }
    eprintln!("keyboard sign-in, two viewports: {:?}", started.elapsed());
    chromium.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_watch_sees_a_content_security_policy_violation() {
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let web = TestWeb::spawn().await;
    let tab = chromium.person(Viewport::Desktop, "en").await;
    tab.goto(&format!("{}/", web.base)).await;
    tab.assert_no_console_errors("the start page");
    // An inline script, as an injected one would be: the policy refuses it, and says so.
    tab.run(
        "const s = document.createElement('script'); \
         s.textContent = 'document.title = \"ran\"'; document.body.append(s);",
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !tab
        .console_errors()
        .iter()
        .any(|e| e.contains("Content Security Policy"))
    {
        assert!(
            Instant::now() < deadline,
            "no CSP violation reported: {:?}",
            tab.console_errors()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let title: String = tab.eval("document.title").await;
    assert_ne!(title, "ran", "the inline script was blocked");
    tab.close().await;
    chromium.close().await;
}
