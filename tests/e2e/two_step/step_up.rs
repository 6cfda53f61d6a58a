//! Step-up: a client's `acr_values` (or an essential `acr` claim) demands a second step
//! the session lacks; `max_age` demands a fresh sign-in, second step included.

use std::time::Duration;

use super::{
    MFA_ACR, PASSWORD_ACR, amr, code_now, give_code, id_token_after, recovery_codes_on, secret_on,
    submit_code,
};
use crate::support::authorize::authorize_url;
use crate::support::browser::{Browser, param, query_of};
use crate::support::{PASSWORD, REDIRECT, TestAuth};

#[tokio::test]
async fn acr_values_and_max_age_ask_for_a_second_step() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    let (client_id, client_secret) = server.web_client(REDIRECT).await;
    let client = (client_id.as_str(), client_secret.as_str());
    let url = |extra: &[(&str, &str)]| authorize_url(&server.base, &client_id, extra);
    server.user("sam", PASSWORD).await;
    let browser = Browser::new(&server.base);

    // A password-only sign-in says so.
    let first = browser.get(&url(&[])).await;
    let login = browser.get(first.location()).await;
    let after = browser.submit_login(&login, "sam", PASSWORD).await;
    let (claims, _) = id_token_after(&server, &browser, client, after).await;
    assert_eq!(amr(&claims), ["pwd"]);
    assert_eq!(claims["acr"], PASSWORD_ACR);

    // Without a page to show, a demanded second step is a login_required error, whether
    // asked by acr_values or by an essential acr claim.
    let essential =
        format!(r#"{{"id_token":{{"acr":{{"essential":true,"values":["{MFA_ACR}"]}}}}}}"#);
    for demand in [("acr_values", MFA_ACR), ("claims", essential.as_str())] {
        let quiet = browser.get(&url(&[demand, ("prompt", "none")])).await;
        let q = query_of(quiet.location());
        assert_eq!(param(&q, "error"), Some("login_required"), "{demand:?}");
    }

    // acr_values: the password again, then (no method yet) an app is set up.
    let up = browser.get(&url(&[("acr_values", MFA_ACR)])).await;
    assert!(
        up.location().starts_with("/login?interaction="),
        "{}",
        up.location()
    );
    let login = browser.get(up.location()).await;
    let after = browser.submit_login(&login, "sam", PASSWORD).await;
    let enrol = browser.get(after.location()).await;
    assert!(enrol.body.contains("<svg"), "{}", enrol.body);
    let secret = secret_on(&enrol);
    let shown = submit_code(&browser, &enrol, &code_now(&server, &secret)).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(recovery_codes_on(&shown).len(), 10);
    let go_on = browser
        .post(
            "/login/second-step",
            &[
                ("csrf", &shown.input("csrf").unwrap()),
                ("step", &shown.input("step").unwrap()),
            ],
        )
        .await;
    let (claims, _) = id_token_after(&server, &browser, client, go_on).await;
    assert_eq!(amr(&claims), ["pwd", "otp", "mfa"]);
    assert_eq!(claims["acr"], MFA_ACR);

    // The session has its second step now: the same demand passes without a page.
    let quiet = browser
        .get(&url(&[("acr_values", MFA_ACR), ("prompt", "none")]))
        .await;
    let (claims, _) = id_token_after(&server, &browser, client, quiet).await;
    assert_eq!(claims["acr"], MFA_ACR);

    // max_age: a sign-in older than asked means the password and a code again.
    server.clock.advance(Duration::from_secs(60));
    let old = browser.get(&url(&[("max_age", "30")])).await;
    assert!(old.location().starts_with("/login?interaction="));
    let login = browser.get(old.location()).await;
    let after = browser.submit_login(&login, "sam", PASSWORD).await;
    let done = give_code(&browser, &after, &code_now(&server, &secret)).await;
    let (claims, _) = id_token_after(&server, &browser, client, done).await;
    assert_eq!(amr(&claims), ["pwd", "otp", "mfa"]);
    assert_eq!(claims["auth_time"].as_i64(), Some(server.clock.now()));
}

#[tokio::test]
async fn an_acr_no_one_offers_is_refused_and_discovery_lists_both() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    let browser = Browser::new(&server.base);
    let essential = r#"{"id_token":{"acr":{"essential":true,"values":["urn:other:acr"]}}}"#;
    let refused = browser
        .get(&authorize_url(
            &server.base,
            &client_id,
            &[("claims", essential)],
        ))
        .await;
    let q = query_of(refused.location());
    assert_eq!(param(&q, "error"), Some("access_denied"));
    let discovery: serde_json::Value =
        reqwest::get(server.url("/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let acrs = discovery["acr_values_supported"].as_array().unwrap();
    assert!(acrs.iter().any(|a| a == MFA_ACR) && acrs.iter().any(|a| a == PASSWORD_ACR));
    let claims = discovery["claims_supported"].as_array().unwrap();
    assert!(claims.iter().any(|c| c == "amr"));
}
