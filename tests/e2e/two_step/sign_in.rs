//! The login's second step: an app code through an `openidconnect` relying party (amr
//! pwd+otp+mfa, the mfa acr), wrong and reused codes, recovery codes used once, the
//! throttle on guessed codes, and the page in Korean.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    RedirectUrl, Scope, TokenResponse,
};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_LANGUAGE, RETRY_AFTER};

use super::{MFA_ACR, code_now, enrol_app, give_code, next_step, signed_in, submit_code};
use crate::support::browser::{Browser, param, query_of};
use crate::support::rp::http_client;
use crate::support::{PASSWORD, REDIRECT, TestAuth};

#[tokio::test]
async fn password_and_app_code_sign_in_a_relying_party_with_amr_otp_mfa() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    let (client_id, client_secret) = server.web_client(REDIRECT).await;
    let alice = server.user("alice", PASSWORD).await;
    let (secret, codes) = enrol_app(&server, &signed_in(&server, "alice").await).await;
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once");
    next_step(&server);

    let http = http_client();
    let provider =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let acrs: Vec<String> = provider
        .acr_values_supported()
        .expect("acr_values_supported")
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert!(acrs.contains(&MFA_ACR.to_owned()), "{acrs:?}");
    let client = CoreClient::from_provider_metadata(
        provider,
        ClientId::new(client_id.clone()),
        Some(ClientSecret::new(client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (auth_url, _state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline_access".into()))
        .url();

    let browser = Browser::new(&server.base);
    let to_login = browser.get(auth_url.as_str()).await;
    let login = browser.get(to_login.location()).await;
    let after_password = browser.submit_login(&login, "alice", PASSWORD).await;
    // No session yet: the password alone opens nothing.
    assert!(
        !browser.get("/").await.body.contains("alice"),
        "not signed in before the second step"
    );
    let wrong = give_code(&browser, &after_password, "000000").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    assert!(wrong.body.contains("not right"), "{}", wrong.body);
    let code = code_now(&server, &secret);
    let mut page = submit_code(&browser, &wrong, &code).await;
    if page.location().starts_with("/consent") {
        let consent = browser.get(page.location()).await;
        page = browser.submit_consent(&consent, true).await;
    }
    let q = query_of(page.location());
    let code_param = param(&q, "code").expect("a code for the client");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code_param.to_owned()))
        .unwrap()
        .request_async(&http)
        .await
        .expect("code exchange");
    let verifier = client.id_token_verifier();
    let claims = tokens
        .id_token()
        .expect("ID token")
        .claims(&verifier, &nonce)
        .expect("ID token verifies");
    assert_eq!(claims.subject().as_str(), alice.user_id);
    let amr: Vec<String> = claims
        .auth_method_refs()
        .expect("amr")
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(amr, ["pwd", "otp", "mfa"]);
    assert_eq!(
        claims.auth_context_ref().map(|a| a.to_string()),
        Some(MFA_ACR.to_owned())
    );

    // A refreshed ID token says the same about the original sign-in.
    let refreshed = client
        .exchange_refresh_token(tokens.refresh_token().expect("refresh token"))
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let again = refreshed
        .id_token()
        .expect("refreshed ID token")
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .expect("refreshed ID token verifies");
    let amr_again: Vec<String> = again
        .auth_method_refs()
        .expect("amr after refresh")
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(amr_again, amr);

    // The same code again, in another browser, within its 30 seconds: refused.
    let thief = Browser::new(&server.base);
    let after_password = thief.log_in("alice", PASSWORD).await;
    let reused = give_code(&thief, &after_password, &code).await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    assert!(reused.body.contains("already used"), "{}", reused.body);
    assert!(!thief.get("/").await.body.contains("alice"), "no session");
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    server.user("rita", PASSWORD).await;
    let owner = signed_in(&server, "rita").await;
    let (_, codes) = enrol_app(&server, &owner).await;

    let browser = Browser::new(&server.base);
    let after_password = browser.log_in("rita", PASSWORD).await;
    // Typed as people do: upper case, a space for the dash.
    let typed = codes[0].to_uppercase().replace('-', " ");
    let done = give_code(&browser, &after_password, &typed).await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    assert_eq!(done.location(), "/");
    assert!(browser.get("/").await.body.contains("rita"), "signed in");

    let other = Browser::new(&server.base);
    let after_password = other.log_in("rita", PASSWORD).await;
    let again = give_code(&other, &after_password, &codes[0]).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "used up");
    let next = submit_code(&other, &again, &codes[1]).await;
    assert_eq!(next.status, StatusCode::FOUND, "{}", next.body);

    let page = owner.get("/account/two-step").await;
    assert!(
        page.body.contains("<span id=\"recovery-left\">8</span>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn guessing_codes_is_throttled_like_passwords() {
    let server = TestAuth::spawn_on_manual_clock(&[("BELF_THROTTLE__FREE_FAILURES", "3")]).await;
    server.user("gina", PASSWORD).await;
    let (secret, _) = enrol_app(&server, &signed_in(&server, "gina").await).await;
    next_step(&server);

    let attacker = Browser::new(&server.base);
    let after_password = attacker.log_in("gina", PASSWORD).await;
    let to = after_password.location().to_owned();
    let form = attacker.get(&to).await;
    let mut statuses = Vec::new();
    for guess in ["111111", "222222", "333333", "444444", "555555", "666666"] {
        let page = submit_code(&attacker, &form, guess).await;
        statuses.push(page.status);
    }
    assert_eq!(
        &statuses[..3],
        [StatusCode::UNAUTHORIZED; 3],
        "{statuses:?}"
    );
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // While the wait lasts, even the right code is not checked.
    let right = submit_code(&attacker, &form, &code_now(&server, &secret)).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    let raw = attacker
        .http
        .post(server.url("/login/second-step"))
        .form(&[
            ("csrf", form.input("csrf").unwrap().as_str()),
            ("step", form.input("step").unwrap().as_str()),
            ("code", "777777"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(raw.headers().get(RETRY_AFTER).is_some(), "Retry-After");
}

#[tokio::test]
async fn the_second_step_page_speaks_korean_and_refuses_strangers() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    server.user("kim", PASSWORD).await;
    enrol_app(&server, &signed_in(&server, "kim").await).await;
    let browser = Browser::new(&server.base);
    let after_password = browser.log_in("kim", PASSWORD).await;
    let to = after_password.location().to_owned();
    let ko = browser
        .http
        .get(server.url(&to))
        .header(ACCEPT_LANGUAGE, "ko-KR,ko;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ko.contains("2단계 인증"), "{ko}");

    // Another browser with the same link: it is not its login.
    let stranger = Browser::new(&server.base);
    assert_eq!(stranger.get(&to).await.status, StatusCode::BAD_REQUEST);
    // An unknown or overlong id, a missing CSRF token.
    assert_eq!(
        browser.get("/login/second-step?step=nope").await.status,
        StatusCode::BAD_REQUEST
    );
    let long = format!("/login/second-step?step={}", "a".repeat(5000));
    assert_eq!(browser.get(&long).await.status, StatusCode::BAD_REQUEST);
    let form = browser.get(&to).await;
    let step = form.input("step").unwrap();
    let forged = browser
        .post("/login/second-step", &[("step", &step), ("code", "123456")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}
