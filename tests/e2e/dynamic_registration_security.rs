//! Dynamic client registration under abuse: URIs the server would fetch or POST to that
//! point at its own network (SSRF), floods from one address, oversized bodies, and the
//! endpoint switched off or opened.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::registration::REGISTRATION;
use crate::support::{REDIRECT, TestAuth};

const OPEN: (&str, &str) = ("BELF_CLIENT_REGISTRATION__OPEN", "true");

#[tokio::test]
async fn open_registration_refuses_server_fetched_uris_on_internal_addresses() {
    let auth = TestAuth::spawn_with(&[OPEN, ("BELF_THROTTLE__ENABLED", "false")]).await;
    let backchannel = |uri: &str| {
        json!({
            "redirect_uris": [REDIRECT],
            "backchannel_logout_uri": uri,
        })
    };
    let jwks_uri = |uri: &str| {
        json!({
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks_uri": uri,
        })
    };
    for metadata in [
        backchannel("http://127.0.0.1:9/logout"),
        backchannel("http://localhost:9/logout"),
        backchannel("https://10.1.2.3/logout"),
        backchannel("https://[fd00::1]/logout"),
        backchannel("https://[::ffff:127.0.0.1]/logout"),
        jwks_uri("https://169.254.169.254/latest/meta-data"),
        jwks_uri("https://192.168.1.1/jwks"),
        jwks_uri("http://[::1]:8080/jwks"),
        // A name that does not resolve cannot be checked, so it is refused too.
        jwks_uri("https://no-such-host.invalid/jwks"),
    ] {
        let r = auth.register(None, &metadata).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{metadata}: {}", r.body);
        assert_eq!(r.error(), "invalid_client_metadata", "{metadata}");
    }
    // Without any server-fetched URI, open registration works without a token…
    let plain = auth
        .register(None, &json!({ "redirect_uris": [REDIRECT] }))
        .await;
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.body);
    // …and a token that is presented anyway is still checked.
    let bogus = auth
        .register(Some("bogus"), &json!({ "redirect_uris": [REDIRECT] }))
        .await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn internal_uris_are_accepted_when_configured_and_echoed() {
    let auth =
        TestAuth::spawn_with(&[("BELF_CLIENT_REGISTRATION__ALLOW_PRIVATE_ADDRESSES", "true")])
            .await;
    let body = auth
        .registered(&json!({
            "client_name": "Everything",
            "redirect_uris": [REDIRECT],
            "post_logout_redirect_uris": ["http://127.0.0.1:9/bye"],
            "backchannel_logout_uri": "http://127.0.0.1:9/logout",
            "backchannel_logout_session_required": true,
            "require_pushed_authorization_requests": true,
            "dpop_bound_access_tokens": true,
            "scope": "openid profile",
            "grant_types": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
            "access_token_signed_response_alg": "ES256",
            "client_uri": "https://app.example/",
            "policy_uri": "https://app.example/policy",
        }))
        .await;
    for (member, value) in [
        ("backchannel_logout_uri", json!("http://127.0.0.1:9/logout")),
        ("backchannel_logout_session_required", json!(true)),
        ("require_pushed_authorization_requests", json!(true)),
        ("dpop_bound_access_tokens", json!(true)),
        (
            "post_logout_redirect_uris",
            json!(["http://127.0.0.1:9/bye"]),
        ),
        ("scope", json!("openid profile")),
        ("access_token_signed_response_alg", json!("ES256")),
        ("client_uri", json!("https://app.example/")),
        ("policy_uri", json!("https://app.example/policy")),
        (
            "grant_types",
            json!([
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code"
            ]),
        ),
    ] {
        assert_eq!(body[member], value, "{member} in {body}");
    }
    // The CLI shows the same client the same way, with its provenance.
    let client_id = body["client_id"].as_str().unwrap();
    let shown = auth.cli_json(&["client", "show", client_id], None).await;
    assert_eq!(shown["created_by"], "dynamic_registration");
    assert_eq!(shown["require_pushed_authorization_requests"], true);
    assert_eq!(shown["dpop_bound_access_tokens"], true);
    assert_eq!(shown["backchannel_logout_uri"], "http://127.0.0.1:9/logout");
    assert_eq!(shown["policy_uri"], "https://app.example/policy");
}

#[tokio::test]
async fn registrations_from_one_address_are_rate_limited() {
    // A frozen clock: the first wait (1 s) must not run out between requests on a slow
    // machine (PostgreSQL + Redis under load did that once).
    let auth = TestAuth::spawn_on_manual_clock(&[
        OPEN,
        ("BELF_CLIENT_REGISTRATION__FREE_REGISTRATIONS_PER_IP", "2"),
    ])
    .await;
    let metadata = json!({ "redirect_uris": [REDIRECT] });
    // The allowance, and one more that sets the first wait (the throttle's doubling series).
    for _ in 0..3 {
        let ok = auth.register(None, &metadata).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    }
    let limited = auth.register(None, &metadata).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert_eq!(limited.error(), "slow_down");
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    // Bad requests count too: a flood of junk is no cheaper.
    let junk = auth.register_raw(None, b"{".to_vec()).await;
    assert_eq!(junk.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_parsed() {
    let auth =
        TestAuth::spawn_with(&[OPEN, ("BELF_CLIENT_REGISTRATION__MAX_BODY_BYTES", "1024")]).await;
    let huge = json!({ "redirect_uris": [REDIRECT], "client_name": "x".repeat(4000) });
    let r = auth.register(None, &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_disabled_endpoint_is_absent_from_routes_and_discovery() {
    let auth = TestAuth::spawn_with(&[("BELF_CLIENT_REGISTRATION__ENABLED", "false")]).await;
    let token = auth.initial_token(600, 1).await;
    let r = auth
        .register(Some(&token), &json!({ "redirect_uris": [REDIRECT] }))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let discovery: serde_json::Value = reqwest::get(auth.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        discovery.get("registration_endpoint").is_none(),
        "{discovery}"
    );
    let on = TestAuth::spawn().await;
    let discovery: serde_json::Value =
        reqwest::get(on.url("/.well-known/oauth-authorization-server"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(discovery["registration_endpoint"], on.url(REGISTRATION));
}
