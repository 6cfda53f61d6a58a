//! "Sign in with a passkey" on the login page: no username, no password, a discoverable
//! passkey names its owner. Through an `openidconnect` code flow (amr `hwk user mfa`, the
//! mfa acr), enough where a second step is required, refused (and audited) for a tampered
//! answer or a user handle that is not the credential's, throttled like passwords.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, RedirectUrl,
    TokenResponse,
};
use reqwest::StatusCode;

use super::{MFA_ACR, add_passkey, post_answer, signed_in, tampered};
use crate::support::browser::{Browser, Page, param, query_of};
use crate::support::passkey::{Device, passkey_form};
use crate::support::rp::http_client;
use crate::support::{PASSWORD, REDIRECT, TestAuth};

/// The login page's passkey form answered by `device` (`edit` may change the answer).
async fn sign_in_with(
    browser: &Browser,
    login: &Page,
    device: &Device,
    edit: fn(&str) -> String,
) -> Page {
    let form = passkey_form(login, "/login/passkey").expect("the login page offers a passkey");
    assert!(
        login.body.contains("\" hidden>"),
        "inert without the script"
    );
    let answer = device.get(&form.options).await.expect("the device answers");
    let interaction = login.input("interaction").unwrap_or_default();
    let extra = [("interaction", interaction.as_str())];
    post_answer(
        browser,
        login,
        &form.action,
        &form.ceremony,
        &edit(&answer),
        &extra,
    )
    .await
}

#[tokio::test]
async fn a_passkey_signs_in_without_a_password_through_an_oidc_code_flow() {
    let server = TestAuth::spawn_on_localhost(&[]).await;
    let (client_id, client_secret) = server.web_client(REDIRECT).await;
    let alice = server.user("alice", PASSWORD).await;
    let device = Device::new(&server.base);
    add_passkey(&signed_in(&server, "alice").await, &device, "phone").await;

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
    let mut page = sign_in_with(&browser, &login, &device, str::to_owned).await;
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
    assert_eq!(amr, ["hwk", "user", "mfa"]);
    assert_eq!(
        claims.auth_context_ref().map(|a| a.to_string()),
        Some(MFA_ACR.to_owned())
    );
    let events = server
        .ctx
        .audit
        .store()
        .list(&belf::auth::audit::AuditQuery {
            user: Some(alice.user_id.clone()),
            kind: Some(belf::auth::audit::AuditKind::SignInSucceeded),
            since_ms: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e.detail["method"] == "passkey"),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_passkey_is_enough_where_a_second_step_is_required() {
    let server = TestAuth::spawn_on_localhost(&[]).await;
    server.user("rob", PASSWORD).await;
    let device = Device::new(&server.base);
    add_passkey(&signed_in(&server, "rob").await, &device, "key").await;
    // From now on everyone must use a second step (a fresh server on the same database
    // would be the real way; the store's per-person flag has the same effect here).
    let rob = server
        .ctx
        .stores
        .users
        .find_user("rob")
        .await
        .unwrap()
        .unwrap();
    let now = server.ctx.clock.now();
    server
        .ctx
        .stores
        .two_step
        .set_required(&rob.user_id, true, now)
        .await
        .unwrap();

    let browser = Browser::new(&server.base);
    let login = browser.get("/login").await;
    let done = sign_in_with(&browser, &login, &device, str::to_owned).await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    assert_eq!(done.location(), "/", "no second step after a passkey");
    assert!(browser.get("/").await.body.contains("rob"), "signed in");
}

#[tokio::test]
async fn refused_passkey_sign_ins_are_audited_and_throttled() {
    let server = TestAuth::spawn_on_localhost(&[("BELF_THROTTLE__FREE_FAILURES", "3")]).await;
    server.user("ann", PASSWORD).await;
    server.user("mallory", PASSWORD).await;
    let device = Device::new(&server.base);
    add_passkey(&signed_in(&server, "ann").await, &device, "ann's").await;
    let mallorys = Device::new(&server.base);
    add_passkey(&signed_in(&server, "mallory").await, &mallorys, "own").await;

    // Mallory's own passkey, its user handle changed to Ann's: the handle is not signed,
    // but it must name the account the credential belongs to.
    let ann = server
        .ctx
        .stores
        .users
        .find_user("ann")
        .await
        .unwrap()
        .unwrap();
    let ann_handle = {
        use base64::Engine;
        let id = uuid::Uuid::parse_str(&ann.user_id).unwrap();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_bytes())
    };
    let browser = Browser::new(&server.base);
    let login = browser.get("/login").await;
    let form = passkey_form(&login, "/login/passkey").unwrap();
    let mut answer: serde_json::Value =
        serde_json::from_str(&mallorys.get(&form.options).await.unwrap()).unwrap();
    answer["response"]["userHandle"] = ann_handle.into();
    let posed = post_answer(
        &browser,
        &login,
        &form.action,
        &form.ceremony,
        &answer.to_string(),
        &[],
    )
    .await;
    assert_eq!(posed.status, StatusCode::UNAUTHORIZED, "{}", posed.body);
    assert!(
        posed.body.contains("could not be verified"),
        "{}",
        posed.body
    );
    assert!(!browser.get("/").await.body.contains("ann"), "no session");

    // Tampered signatures, again and again: refused, then throttled.
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let login = browser.get("/login").await;
        statuses.push(
            sign_in_with(&browser, &login, &device, tampered)
                .await
                .status,
        );
    }
    assert_eq!(
        &statuses[..2],
        [StatusCode::UNAUTHORIZED; 2],
        "{statuses:?}"
    );
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // While the wait lasts, even a right answer is not checked.
    let login = browser.get("/login").await;
    let right = sign_in_with(&browser, &login, &device, str::to_owned).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        right.body
    );

    let failures = server
        .ctx
        .audit
        .store()
        .list(&belf::auth::audit::AuditQuery {
            user: None,
            kind: Some(belf::auth::audit::AuditKind::SignInFailed),
            since_ms: None,
            limit: 50,
        })
        .await
        .unwrap();
    assert!(failures.len() >= 6, "{failures:?}");
    assert!(
        failures.iter().all(|e| e.detail["method"] == "passkey"),
        "{failures:?}"
    );
    assert!(
        failures.iter().any(|e| e.detail["reason"] == "throttled"),
        "{failures:?}"
    );
}
