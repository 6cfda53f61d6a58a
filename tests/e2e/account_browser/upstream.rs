//! Sign-in with another provider, in a browser: a second Belf identity server is the
//! upstream (the idp answers under `localhost`, the upstream under `127.0.0.1`, so the
//! browser keeps their cookies apart). A newcomer presses the provider's button on the
//! login page, signs in at the upstream, and lands back signed in with an account made for
//! them; a person with a password account connects the provider on /account/providers and
//! disconnects it again.

use std::time::Instant;

use serde_json::json;

use super::{PEOPLE, chromium, notice, open_from_nav, sign_in, t};
use crate::support::PASSWORD;
use crate::support::chromium::Tab;
use crate::support::upstream::{Federation, PROVIDER};

/// The provider's name as the idp's configuration gives it (`support::upstream`).
fn provider_name(lang: &str) -> &'static str {
    if lang == "ko" {
        "벨프 둘"
    } else {
        "Belf Two"
    }
}

/// At the upstream's login page (and its consent page, when asked): signs in as
/// `username` and lets the idp have the account; returns once back at the idp.
async fn through_upstream(tab: &Tab, fed: &Federation, lang: &str, username: &str) {
    assert!(
        tab.url()
            .await
            .starts_with(&format!("{}/login", fed.upstream.base)),
        "at the upstream's sign-in page: {}",
        tab.url().await
    );
    assert_eq!(tab.text("h1").await, t(lang, "sign_in"));
    tab.fill("#username", username).await;
    tab.fill("#password", PASSWORD).await;
    tab.click("form[action='/login'] button[type=submit]").await;
    if tab
        .url()
        .await
        .starts_with(&format!("{}/consent", fed.upstream.base))
    {
        tab.click("button[name=decision][value=allow]").await;
    }
    assert!(
        tab.url().await.starts_with(&fed.idp.base),
        "back at the idp: {}",
        tab.url().await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_signs_a_newcomer_in_and_a_member_connects_and_disconnects_it() {
    let Some(chromium) = chromium().await else {
        return;
    };
    let started = Instant::now();
    let fed = Federation::spawn(json!({}), &[]).await;
    for (i, (viewport, lang)) in PEOPLE.into_iter().enumerate() {
        let (newcomer, member, their_upstream) =
            (format!("new{i}"), format!("member{i}"), format!("up{i}"));
        fed.upstream.user(&newcomer, PASSWORD).await;
        fed.upstream.user(&their_upstream, PASSWORD).await;
        fed.idp.user(&member, PASSWORD).await;

        // A newcomer: the provider's button on the login page, the upstream, back here.
        let tab = chromium.person(viewport, lang).await;
        tab.goto(&format!("{}/login", fed.idp.base)).await;
        let button = format!("form[action='/upstream/{PROVIDER}/start'] button");
        assert_eq!(
            tab.text(&button).await,
            format!(
                "{} {}",
                t(lang, "upstream_continue_with"),
                provider_name(lang)
            )
        );
        tab.screenshot("login-with-provider").await;
        tab.click(&button).await;
        through_upstream(&tab, &fed, lang, &newcomer).await;
        assert_eq!(tab.path().await, "/", "signed in, on the idp's home page");
        let who = tab.text("main").await;
        assert!(who.contains(t(lang, "signed_in_as")), "{who}");
        assert!(
            who.contains(&format!("{PROVIDER}-")),
            "a new account: {who}"
        );
        tab.click("a[href='/account']").await;
        open_from_nav(&tab, lang, "/account/providers", "account_nav_providers").await;
        let row = tab.text(&format!("#provider-{PROVIDER}")).await;
        assert!(row.contains(t(lang, "providers_connected")), "{row}");
        tab.assert_no_console_errors(&format!("a sign-in through {PROVIDER} ({lang})"));
        tab.close().await;

        // A member with a password: connects the provider, then disconnects it.
        let tab = chromium.person(viewport, lang).await;
        sign_in(&tab, &fed.idp.base, &member).await;
        tab.goto(&format!("{}/account", fed.idp.base)).await;
        open_from_nav(&tab, lang, "/account/providers", "account_nav_providers").await;
        let row = format!("#provider-{PROVIDER}");
        assert!(
            tab.text(&row)
                .await
                .contains(t(lang, "providers_not_connected"))
        );
        tab.click(&format!(
            "{row} form[action='/account/providers/link'] button"
        ))
        .await;
        through_upstream(&tab, &fed, lang, &their_upstream).await;
        assert!(tab.path().await.starts_with("/account/providers?linked="));
        assert_eq!(notice(&tab).await, t(lang, "providers_linked"));
        assert!(
            tab.text(&row)
                .await
                .contains(t(lang, "providers_connected"))
        );
        tab.screenshot("providers-connected").await;
        tab.click(&format!(
            "{row} form[action='/account/providers/unlink'] button"
        ))
        .await;
        assert_eq!(notice(&tab).await, t(lang, "providers_unlinked"));
        assert!(
            tab.text(&row)
                .await
                .contains(t(lang, "providers_not_connected"))
        );
        tab.assert_no_console_errors(&format!("connecting {PROVIDER} ({lang})"));
        tab.close().await;
    }
    let linked = fed
        .idp
        .ctx
        .stores
        .upstream_identities
        .identities_of(
            &fed.idp
                .ctx
                .stores
                .users
                .find_user("member0")
                .await
                .unwrap()
                .unwrap()
                .user_id,
        )
        .await
        .unwrap();
    assert!(linked.is_empty(), "disconnected for good: {linked:?}");
    eprintln!(
        "provider sign-in and linking, two people: {:?}",
        started.elapsed()
    );
    chromium.close().await;
}
