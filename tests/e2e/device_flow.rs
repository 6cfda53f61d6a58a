//! The device authorization grant (RFC 8628) end to end: the `openidconnect` crate as the
//! device (device authorization request, then polling), a cookie-jar browser as the
//! person on `/device` (code → sign in → confirm), and raw HTTP for every refusal.

use belf::auth::clients::service::NewClient;
use openidconnect::core::{CoreClient, CoreDeviceAuthorizationResponse, CoreProviderMetadata};
use openidconnect::{
    ClientId, DeviceAuthorizationUrl, IssuerUrl, OAuth2TokenResponse, Scope, TokenResponse,
};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::browser::{Browser, Page};
use crate::support::jwt::unverified_claims;
use crate::support::rp::http_client;
use crate::support::token::{TokenReply, post_token};
use crate::support::{PASSWORD, TestAuth};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

async fn device_client(server: &TestAuth) -> String {
    let (id, _) = server
        .client(NewClient {
            name: "Living-room TV".into(),
            public: true,
            grant_types: vec!["device_code".into(), "refresh_token".into()],
            ..Default::default()
        })
        .await;
    id
}

/// `POST /device_authorization` as a public client.
async fn start(server: &TestAuth, client_id: &str, extra: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form = vec![("client_id", client_id)];
    form.extend_from_slice(extra);
    let res = reqwest::Client::new()
        .post(server.url("/device_authorization"))
        .form(&form)
        .send()
        .await
        .expect("POST /device_authorization");
    (res.status(), res.json().await.expect("JSON"))
}

async fn poll(server: &TestAuth, client_id: &str, device_code: &str) -> TokenReply {
    post_token(
        &server.base,
        &[
            ("grant_type", DEVICE_GRANT),
            ("device_code", device_code),
            ("client_id", client_id),
        ],
        None,
    )
    .await
}

/// The person types `user_code` on `/device`, signs in if needed, and answers.
async fn answer(browser: &Browser, user_code: &str, allow: bool) -> Page {
    let form = browser.get(&format!("/device?user_code={user_code}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.input("csrf").expect("csrf");
    let typed = browser
        .post("/device", &[("csrf", &csrf), ("user_code", user_code)])
        .await;
    assert_eq!(typed.status, StatusCode::FOUND, "{}", typed.body);
    let mut confirm = browser.get(typed.location()).await;
    if confirm.status == StatusCode::FOUND {
        assert!(confirm.location().starts_with("/login?device="));
        let login = browser.get(confirm.location()).await;
        let signed_in = browser.submit_login(&login, "alice", PASSWORD).await;
        let device = login
            .input("device")
            .expect("the login form carries the device");
        assert_eq!(signed_in.status, StatusCode::FOUND, "{}", signed_in.body);
        assert_eq!(
            signed_in.location(),
            format!("/device/confirm?interaction={device}")
        );
        confirm = browser.get(signed_in.location()).await;
    }
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    assert!(confirm.body.contains("Living-room TV"), "names the client");
    let csrf = confirm.input("csrf").expect("csrf");
    let interaction = confirm.input("interaction").expect("interaction");
    browser
        .post(
            "/device/confirm",
            &[
                ("csrf", &csrf),
                ("interaction", &interaction),
                ("decision", if allow { "allow" } else { "deny" }),
            ],
        )
        .await
}

#[tokio::test]
async fn a_tv_signs_in_with_the_openidconnect_device_flow() {
    let server = TestAuth::spawn_with(&[("BELF_DEVICE__INTERVAL_SECS", "1")]).await;
    let client_id = device_client(&server).await;
    server.user("alice", PASSWORD).await;
    let http = http_client();

    let discovery: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let endpoint = discovery["device_authorization_endpoint"]
        .as_str()
        .expect("discovery names the device endpoint");
    assert!(
        discovery["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&DEVICE_GRANT.into())
    );
    let provider =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(provider, ClientId::new(client_id), None)
        .set_device_authorization_url(DeviceAuthorizationUrl::new(endpoint.into()).unwrap());

    let details: CoreDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("courses:read".into()))
        .request_async(&http)
        .await
        .expect("device authorization");
    let user_code = details.user_code().secret().clone();
    assert_eq!(user_code.len(), 9, "XXXX-XXXX: {user_code}");
    assert!(
        user_code
            .chars()
            .all(|c| c == '-' || "BCDFGHJKLMNPQRSTVWXZ".contains(c))
    );
    assert_eq!(details.verification_uri().as_str(), server.url("/device"));
    let complete = details
        .verification_uri_complete()
        .expect("verification_uri_complete")
        .secret()
        .clone();
    assert!(complete.ends_with(&user_code));

    // The person types the code in lower case, signs in and confirms.
    let browser = Browser::new(&server.base);
    let done = answer(&browser, &user_code.to_lowercase(), true).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Device connected"), "{}", done.body);

    let tokens = client
        .exchange_device_access_token(&details)
        .expect("device token request")
        .request_async(&http, tokio::time::sleep, None)
        .await
        .expect("the device gets its tokens");
    let claims = unverified_claims(tokens.access_token().secret());
    assert_eq!(claims["aud"], "belf-todo");
    assert!(claims["scope"].as_str().unwrap().contains("courses:read"));
    // The compact JWT, as the token response carried it.
    let id_token = serde_json::to_value(tokens.id_token().expect("openid was requested"))
        .expect("an ID token serialises")
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // The ID token says how the person who approved signed in (a password here).
    assert_eq!(
        unverified_claims(&id_token)["amr"],
        serde_json::json!(["pwd"]),
        "{id_token}"
    );
    assert!(tokens.refresh_token().is_some(), "the client may refresh");
}

#[tokio::test]
async fn device_polling_is_answered_by_the_rfc_and_spent_codes_are_refused() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    let client_id = device_client(&server).await;
    let other_id = device_client(&server).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);

    let (status, started) = start(&server, &client_id, &[("scope", "openid")]).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["interval"], 5);
    assert_eq!(started["expires_in"], 600);
    let device_code = started["device_code"].as_str().unwrap();
    let user_code = started["user_code"].as_str().unwrap();

    let pending = poll(&server, &client_id, device_code).await;
    assert_eq!(pending.status, StatusCode::BAD_REQUEST);
    assert_eq!(pending.error(), "authorization_pending");
    assert_eq!(
        pending.headers["cache-control"], "no-store",
        "errors are not cached"
    );
    assert_eq!(
        poll(&server, &client_id, device_code).await.error(),
        "slow_down"
    );
    assert_eq!(
        poll(&server, &other_id, device_code).await.error(),
        "invalid_grant",
        "another client's device code"
    );
    // A wrong code on the page: a readable refusal, nothing found.
    let form = browser.get("/device").await;
    let wrong = browser
        .post(
            "/device",
            &[
                ("csrf", &form.input("csrf").unwrap()),
                ("user_code", "BBBB-BBBB"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("not valid"), "{}", wrong.body);
    // Without the CSRF token nothing happens.
    let forged = browser.post("/device", &[("user_code", user_code)]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let approved = answer(&browser, user_code, true).await;
    assert_eq!(approved.status, StatusCode::OK);
    // The slow_down above made the interval 10 s, and it is enforced.
    server.clock.advance(std::time::Duration::from_secs(10));
    let tokens = poll(&server, &client_id, device_code).await.ok();
    assert!(tokens["refresh_token"].is_string());
    server.clock.advance(std::time::Duration::from_secs(15));
    assert_eq!(
        poll(&server, &client_id, device_code).await.error(),
        "invalid_grant",
        "a spent device code"
    );

    // Denied.
    let (_, denied) = start(&server, &client_id, &[]).await;
    let denied_page = answer(&browser, denied["user_code"].as_str().unwrap(), false).await;
    assert!(denied_page.body.contains("Request denied"));
    let code = denied["device_code"].as_str().unwrap();
    assert_eq!(
        poll(&server, &client_id, code).await.error(),
        "access_denied"
    );

    // Expired.
    let (_, late) = start(&server, &client_id, &[]).await;
    server.clock.advance(std::time::Duration::from_secs(601));
    let code = late["device_code"].as_str().unwrap();
    assert_eq!(
        poll(&server, &client_id, code).await.error(),
        "expired_token"
    );
}

#[tokio::test]
async fn malformed_device_authorization_requests_get_rfc_errors() {
    let server = TestAuth::spawn().await;
    let client_id = device_client(&server).await;
    let (web_id, _) = server.web_client(crate::support::REDIRECT).await;
    for (client, extra, status, error) in [
        (
            web_id.as_str(),
            vec![],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            client_id.as_str(),
            vec![("scope", "no-such-scope")],
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            client_id.as_str(),
            vec![("resource", "/relative")],
            StatusCode::BAD_REQUEST,
            "invalid_target",
        ),
        (
            client_id.as_str(),
            vec![("scope", "openid"), ("scope", "profile")],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "no-such-client",
            vec![],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
    ] {
        let (got, body) = start(&server, client, &extra).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{extra:?}: {body}"
        );
    }
    // A confidential client without the device grant.
    let (secret_id, secret) = server.web_client(crate::support::REDIRECT).await;
    let res = reqwest::Client::new()
        .post(server.url("/device_authorization"))
        .basic_auth(&secret_id, Some(&secret))
        .form(&[("scope", "openid")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");
    // Unknown device codes are invalid_grant, a missing one invalid_request.
    assert_eq!(
        poll(&server, &client_id, "nope").await.error(),
        "invalid_grant"
    );
    let missing = post_token(
        &server.base,
        &[("grant_type", DEVICE_GRANT), ("client_id", &client_id)],
        None,
    )
    .await;
    assert_eq!(missing.error(), "invalid_request");
}

#[tokio::test]
async fn the_device_grant_can_be_switched_off() {
    let server = TestAuth::spawn_with(&[("BELF_DEVICE__ENABLED", "false")]).await;
    let client_id = device_client(&server).await;
    let res = reqwest::Client::new()
        .post(server.url("/device_authorization"))
        .form(&[("client_id", client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        reqwest::get(server.url("/device")).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let discovery: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(discovery.get("device_authorization_endpoint").is_none());
}
