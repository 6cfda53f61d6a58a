//! Every account page's form, in a browser, each page reached from the nav: a new name and
//! a picture chosen in the file input (a real multipart upload, shown afterwards), an app
//! whose access is removed, another browser's session signed out from the list, a new
//! password, and the account deleted — refused with a wrong password, done with the right
//! one.

use std::time::Instant;

use super::{PEOPLE, chromium, notice, open_from_nav, sign_in, t};
use crate::support::account::{FIREFOX_ON_WINDOWS, browser_as};
use crate::support::authorize::code_for;
use crate::support::images;
use crate::support::{PASSWORD, REDIRECT, TestAuth};

const NEW_PASSWORD: &str = "a longer horse battery staple";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_uses_every_account_page_and_then_deletes_the_account() {
    let Some(chromium) = chromium().await else {
        return;
    };
    let started = Instant::now();
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    let pictures = tempfile::tempdir().expect("tempdir");
    let picture = pictures.path().join("me.png");
    std::fs::write(&picture, images::png(0)).expect("picture file");
    for (viewport, lang) in PEOPLE {
        let username = format!("pages-{lang}");
        let name = if lang == "ko" {
            "김민준"
        } else {
            "Min-jun Kim"
        };
        server.user(&username, PASSWORD).await;
        let tab = chromium.person(viewport, lang).await;
        sign_in(&tab, &server.base, &username).await;
        // The same person on a laptop elsewhere, who also let an app in.
        let elsewhere = browser_as(&server.base, FIREFOX_ON_WINDOWS, None);
        code_for(&elsewhere, &client_id, "openid profile", &username).await;

        tab.goto(&format!("{}/account", server.base)).await;
        assert_eq!(tab.text("h1").await, t(lang, "account_title"));

        // Profile: the name, then a picture through the file input.
        open_from_nav(&tab, lang, "/account/profile", "account_nav_profile").await;
        tab.fill("#name", name).await;
        tab.click("form[action='/account/profile'] button[type=submit]")
            .await;
        assert_eq!(notice(&tab).await, t(lang, "account_name_saved"));
        assert_eq!(
            tab.eval::<String>("document.querySelector('#name').value")
                .await,
            name
        );
        assert!(!tab.exists("img.picture").await);
        tab.choose_file("#picture", &picture).await;
        tab.click("form[action='/account/profile/picture'] button[type=submit]")
            .await;
        assert_eq!(notice(&tab).await, t(lang, "account_picture_saved"));
        let shown: f64 = tab
            .eval("document.querySelector('img.picture').naturalWidth")
            .await;
        assert_eq!(shown, 1.0, "the uploaded picture loads from the server");
        tab.screenshot("profile").await;

        // Connected apps: the app the other browser allowed, its access removed.
        open_from_nav(&tab, lang, "/account/apps", "account_nav_apps").await;
        assert!(tab.text("ul.cards").await.contains("Test web app"));
        tab.click("form[action='/account/apps/revoke'] button")
            .await;
        assert_eq!(notice(&tab).await, t(lang, "account_app_revoked"));
        assert!(
            tab.text("main")
                .await
                .contains(t(lang, "account_apps_none"))
        );

        // Sessions: this browser and the other; sign the other one out.
        open_from_nav(&tab, lang, "/account/sessions", "account_nav_sessions").await;
        let sessions = tab.texts("ul.cards > li").await;
        assert_eq!(sessions.len(), 2, "{sessions:?}");
        let here = t(lang, "account_session_current");
        assert_eq!(sessions.iter().filter(|s| s.contains(here)).count(), 1);
        tab.screenshot("sessions").await;
        tab.click("form[action='/account/sessions/end'] button")
            .await;
        assert_eq!(notice(&tab).await, t(lang, "account_session_ended"));
        assert_eq!(tab.texts("ul.cards > li").await.len(), 1);
        let away = elsewhere.get("/account").await;
        assert_eq!(away.location(), "/login", "the other browser is signed out");

        // A new password.
        open_from_nav(&tab, lang, "/account/password", "account_nav_password").await;
        tab.fill("#current_password", PASSWORD).await;
        tab.fill("#new_password", NEW_PASSWORD).await;
        tab.fill("#confirm_password", NEW_PASSWORD).await;
        tab.click("form[action='/account/password'] button[type=submit]")
            .await;
        assert_eq!(notice(&tab).await, t(lang, "account_password_changed"));

        // The overview shows it all.
        open_from_nav(&tab, lang, "/account", "account_nav_overview").await;
        let overview = tab.text("main dl").await;
        assert!(overview.contains(name), "{overview}");
        assert!(
            overview.contains(&format!("{username}@example.com")),
            "{overview}"
        );
        assert!(tab.exists("main img.picture").await);
        tab.screenshot("overview").await;

        // Deleting: a wrong password is refused, the right one deletes.
        open_from_nav(&tab, lang, "/account/delete", "account_nav_delete").await;
        tab.fill("#password", PASSWORD).await;
        tab.tick("input[name=confirm]").await;
        tab.click("form[action='/account/delete'] button[type=submit]")
            .await;
        assert_eq!(notice(&tab).await, t(lang, "account_password_wrong"));
        let refusal = tab.take_console_errors();
        assert!(
            refusal.len() == 1 && refusal[0].contains("status of 401"),
            "the refusal is a 401, and nothing else went wrong: {refusal:?}"
        );
        tab.fill("#password", NEW_PASSWORD).await;
        tab.tick("input[name=confirm]").await;
        tab.screenshot("delete").await;
        tab.click("form[action='/account/delete'] button[type=submit]")
            .await;
        assert_eq!(tab.text("h1").await, t(lang, "account_deleted_title"));
        assert!(
            server
                .ctx
                .stores
                .users
                .find_user(&username)
                .await
                .unwrap()
                .is_none(),
            "{username} is gone"
        );
        tab.goto(&format!("{}/account", server.base)).await;
        assert_eq!(tab.path().await, "/login", "signed out with it");
        tab.assert_no_console_errors(&format!("the account pages ({lang})"));
        tab.close().await;
    }
    eprintln!("every account page, two people: {:?}", started.elapsed());
    chromium.close().await;
}
