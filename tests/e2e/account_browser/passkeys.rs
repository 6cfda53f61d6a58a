//! A passkey, in a real browser: Chromium's virtual authenticator (the DevTools WebAuthn
//! domain, standing in for a phone's fingerprint reader) answers the
//! `navigator.credentials` calls that /static/passkey.js makes. A signed-in person adds a
//! passkey on /account/two-step and sees it listed; signed out, "Sign in with a passkey"
//! on /login signs them in with no username and no password. Unlike the software device
//! of `tests/e2e/passkeys`, this runs the page's own script under the page's own
//! Content-Security-Policy, so a script the browser refuses or a byte-encoding slip in it
//! fails here.

use chromiumoxide::cdp::browser_protocol::web_authn::{
    AddVirtualAuthenticatorParams, AuthenticatorId, AuthenticatorProtocol, AuthenticatorTransport,
    EnableParams, GetCredentialsParams, VirtualAuthenticatorOptions,
};

use super::{PEOPLE, chromium, notice, open_from_nav, sign_in, t};
use crate::support::chromium::Tab;
use crate::support::{PASSWORD, TestAuth};

/// Turns the tab's WebAuthn over to a virtual platform authenticator that keeps
/// discoverable credentials, verifies the person and touches itself when asked.
async fn virtual_authenticator(tab: &Tab) -> AuthenticatorId {
    tab.page
        .execute(EnableParams::default())
        .await
        .expect("WebAuthn.enable");
    let options = VirtualAuthenticatorOptions::builder()
        .protocol(AuthenticatorProtocol::Ctap2)
        .transport(AuthenticatorTransport::Internal)
        .has_resident_key(true)
        .has_user_verification(true)
        .is_user_verified(true)
        .automatic_presence_simulation(true)
        .build()
        .expect("authenticator options");
    tab.page
        .execute(AddVirtualAuthenticatorParams::new(options))
        .await
        .expect("WebAuthn.addVirtualAuthenticator")
        .result
        .authenticator_id
}

/// The credentials the authenticator holds, as (discoverable, relying-party id).
async fn held(tab: &Tab, authenticator: &AuthenticatorId) -> Vec<(bool, Option<String>)> {
    tab.page
        .execute(GetCredentialsParams::new(authenticator.clone()))
        .await
        .expect("WebAuthn.getCredentials")
        .result
        .credentials
        .iter()
        .map(|c| (c.is_resident_credential, c.rp_id.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_adds_a_passkey_and_then_signs_in_with_it_alone() {
    let Some(chromium) = chromium().await else {
        return;
    };
    let server = TestAuth::spawn_on_localhost(&[]).await;
    for (viewport, lang) in PEOPLE {
        let username = format!("passkey-{lang}");
        server.user(&username, PASSWORD).await;
        let tab = chromium.person(viewport, lang).await;
        let authenticator = virtual_authenticator(&tab).await;

        // Just signed in with the password: recent enough to add a second step.
        sign_in(&tab, &server.base, &username).await;
        tab.goto(&format!("{}/account", server.base)).await;
        open_from_nav(&tab, lang, "/account/two-step", "account_nav_two_step").await;
        tab.click("form[action='/account/two-step/passkey'] button")
            .await;
        assert!(
            !tab.eval::<bool>("document.querySelector('form[data-passkey=create]').hidden")
                .await,
            "the script shows the passkey form"
        );
        assert!(held(&tab, &authenticator).await.is_empty());
        tab.screenshot("passkey-add").await;
        // The click runs navigator.credentials.create; the form posts once the
        // authenticator has answered.
        tab.click("form[data-passkey=create] button[type=submit]")
            .await;
        assert_eq!(notice(&tab).await, t(lang, "passkey_added"));
        assert_eq!(
            held(&tab, &authenticator).await,
            [(true, Some("localhost".to_owned()))],
            "one discoverable passkey, for localhost"
        );
        tab.goto(&format!("{}/account/two-step", server.base)).await;
        assert_eq!(
            tab.texts(".methods .passkey .method-name").await,
            [t(lang, "passkey_default_name")],
            "the passkey is listed"
        );

        // Out, and in again with the passkey alone.
        tab.goto(&format!("{}/", server.base)).await;
        tab.click("form[action='/logout'] button").await;
        assert!(tab.text("main").await.contains(t(lang, "signed_out")));
        tab.goto(&format!("{}/login", server.base)).await;
        let button = "form[action='/login/passkey'] button[type=submit]";
        assert_eq!(tab.text(button).await, t(lang, "passkey_sign_in"));
        tab.screenshot("passkey-sign-in").await;
        tab.click(button).await;
        assert_eq!(tab.path().await, "/");
        let home = tab.text("main").await;
        assert!(
            home.contains(&format!("{} {username}", t(lang, "signed_in_as"))),
            "{home}"
        );
        tab.assert_no_console_errors(&format!("passkey enrolment and sign-in ({lang})"));
        tab.close().await;
    }
    chromium.close().await;
}
