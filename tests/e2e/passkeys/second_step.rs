//! A passkey as the login's second step: an `openidconnect` relying party sees amr
//! `pwd hwk mfa` and the mfa acr; a tampered or replayed assertion, and a passkey of
//! another person, are refused with a readable page and no session.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, RedirectUrl,
    TokenResponse,
};
use reqwest::StatusCode;

use super::{
    MFA_ACR, add_passkey, give_passkey, post_answer, second_step_answer, signed_in, tampered,
};
use crate::support::browser::{Browser, param, query_of};
use crate::support::passkey::{Device, passkey_form};
use crate::support::rp::http_client;
use crate::support::{PASSWORD, REDIRECT, TestAuth};

#[tokio::test]
async fn password_and_passkey_sign_in_a_relying_party_with_amr_hwk() {
    let server = TestAuth::spawn_on_localhost(&[]).await;
    let (client_id, client_secret) = server.web_client(REDIRECT).await;
    let alice = server.user("alice", PASSWORD).await;
    let device = Device::new(&server.base);
    add_passkey(&signed_in(&server, "alice").await, &device, "laptop").await;

    let http = http_client();
    let provider =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        provider,
        ClientId::new(client_id),
        Some(ClientSecret::new(client_secret)),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (auth_url, _state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .url();

    let browser = Browser::new(&server.base);
    let to_login = browser.get(auth_url.as_str()).await;
    let login = browser.get(to_login.location()).await;
    let after_password = browser.submit_login(&login, "alice", PASSWORD).await;
    let mut page = give_passkey(&browser, &device, &after_password).await;
    if page.status == StatusCode::FOUND && page.location().starts_with("/consent") {
        let consent = browser.get(page.location()).await;
        page = browser.submit_consent(&consent, true).await;
    }
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    let q = query_of(page.location());
    let code = param(&q, "code").expect("a code for the client");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .unwrap()
        .request_async(&http)
        .await
        .expect("code exchange");
    let claims = tokens
        .id_token()
        .expect("ID token")
        .claims(&client.id_token_verifier(), &nonce)
        .expect("ID token verifies");
    assert_eq!(claims.subject().as_str(), alice.user_id);
    let amr: Vec<String> = claims
        .auth_method_refs()
        .expect("amr")
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(amr, ["pwd", "hwk", "mfa"]);
    assert_eq!(
        claims.auth_context_ref().map(|a| a.to_string()),
        Some(MFA_ACR.to_owned())
    );
    // The use was recorded: a last-used date, and the stored counter moved on.
    let stored = server
        .ctx
        .stores
        .passkeys
        .list_passkeys(&alice.user_id)
        .await
        .unwrap();
    assert!(stored[0].last_used_at.is_some());
}

#[tokio::test]
async fn a_tampered_or_replayed_assertion_is_refused() {
    let server = TestAuth::spawn_on_localhost(&[]).await;
    server.user("bea", PASSWORD).await;
    let device = Device::new(&server.base);
    add_passkey(&signed_in(&server, "bea").await, &device, "key").await;

    let browser = Browser::new(&server.base);
    let after_password = browser.log_in("bea", PASSWORD).await;
    let (page, answer) = second_step_answer(&browser, &device, &after_password).await;
    let form = passkey_form(&page, "/login/second-step/passkey").unwrap();
    let step = page.input("step").unwrap();
    let extra = [("step", step.as_str())];
    let post = |ceremony: String, answer: String| {
        let (browser, page, action) = (&browser, &page, form.action.clone());
        async move { post_answer(browser, page, &action, &ceremony, &answer, &extra).await }
    };

    let forged = post(form.ceremony.clone(), tampered(&answer)).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{}", forged.body);
    assert!(
        forged.body.contains("could not be verified"),
        "{}",
        forged.body
    );
    assert!(!browser.get("/").await.body.contains("bea"), "no session");
    // The ceremony was spent by that try: the right answer to it comes too late.
    let replayed = post(form.ceremony.clone(), answer.clone()).await;
    assert_eq!(
        replayed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        replayed.body
    );
    assert!(replayed.body.contains("already used"), "{}", replayed.body);
    // Nor does it answer a new ceremony (another challenge).
    let next = passkey_form(&replayed, "/login/second-step/passkey").expect("offered again");
    let old_answer = post(next.ceremony.clone(), answer.clone()).await;
    assert_eq!(
        old_answer.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        old_answer.body
    );
    assert!(!browser.get("/").await.body.contains("bea"), "no session");

    let fresh = passkey_form(&old_answer, "/login/second-step/passkey").unwrap();
    let good = device.get(&fresh.options).await.unwrap();
    let done = post(fresh.ceremony.clone(), good).await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    assert_eq!(done.location(), "/");
    assert!(browser.get("/").await.body.contains("bea"), "signed in");
}

#[tokio::test]
async fn a_passkey_of_another_person_is_refused() {
    let server = TestAuth::spawn_on_localhost(&[]).await;
    server.user("ann", PASSWORD).await;
    server.user("mallory", PASSWORD).await;
    let anns = Device::new(&server.base);
    add_passkey(&signed_in(&server, "ann").await, &anns, "ann's").await;
    let mallorys = Device::new(&server.base);
    add_passkey(&signed_in(&server, "mallory").await, &mallorys, "own").await;

    // Ann's password is known; Mallory answers Ann's second step with her own passkey,
    // the options' allow-list taken off so her authenticator signs.
    let browser = Browser::new(&server.base);
    let after_password = browser.log_in("ann", PASSWORD).await;
    let page = browser.get(after_password.location()).await;
    let form = passkey_form(&page, "/login/second-step/passkey").unwrap();
    let mut options: serde_json::Value = serde_json::from_str(&form.options).unwrap();
    options["publicKey"]["allowCredentials"] = serde_json::json!([]);
    let answer = mallorys.get(&options.to_string()).await.unwrap();
    let step = page.input("step").unwrap();
    let refused = post_answer(
        &browser,
        &page,
        &form.action,
        &form.ceremony,
        &answer,
        &[("step", &step)],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(
        refused.body.contains("could not be verified"),
        "{}",
        refused.body
    );
    assert!(!browser.get("/").await.body.contains("ann"), "no session");
}
