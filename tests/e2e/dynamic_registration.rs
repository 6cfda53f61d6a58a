//! Dynamic client registration (RFC 7591) and client configuration (RFC 7592) end to
//! end: the `openidconnect` crate registers a client that then signs a person in; raw HTTP
//! for initial access tokens, metadata refusals and GET/PUT/DELETE with the registration
//! access token.

use openidconnect::core::{
    CoreClientAuthMethod, CoreClientRegistrationRequest, CoreGrantType, CoreProviderMetadata,
};
use openidconnect::{AccessToken, IssuerUrl, RedirectUrl};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::authorize::code_for;
use crate::support::browser::Browser;
use crate::support::dpop::{JWT_BEARER, assertion, post_form};
use crate::support::keys::TestKey;
use crate::support::registration::{REGISTRATION, send};
use crate::support::rp::http_client;
use crate::support::token::{client_credentials, exchange_code, refresh};
use crate::support::{PASSWORD, REDIRECT, TestAuth};

#[tokio::test]
async fn openidconnect_registers_a_client_that_signs_a_person_in() {
    let auth = TestAuth::spawn().await;
    auth.user("alice", PASSWORD).await;
    let http = http_client();
    let provider =
        CoreProviderMetadata::discover_async(IssuerUrl::new(auth.base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let endpoint = provider
        .registration_endpoint()
        .expect("discovery names the registration endpoint")
        .clone();
    assert_eq!(endpoint.as_str(), auth.url(REGISTRATION));

    let initial = auth.initial_token(600, 1).await;
    let registered = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new(REDIRECT.into()).unwrap()],
        Default::default(),
    )
    .set_grant_types(Some(vec![
        CoreGrantType::AuthorizationCode,
        CoreGrantType::RefreshToken,
    ]))
    .set_token_endpoint_auth_method(Some(CoreClientAuthMethod::ClientSecretBasic))
    .set_initial_access_token(Some(AccessToken::new(initial.clone())))
    .register_async(&endpoint, &http)
    .await
    .expect("registration");
    let client_id = registered.client_id().as_str().to_owned();
    let secret = registered
        .client_secret()
        .expect("a confidential client gets a secret")
        .secret()
        .clone();
    assert!(registered.registration_access_token().is_some());
    assert_eq!(
        registered
            .registration_client_uri()
            .map(|u| u.as_str().to_owned()),
        Some(format!("{}/{client_id}", auth.url(REGISTRATION)))
    );

    // The registered client runs a code flow and refreshes.
    let browser = Browser::new(&auth.base);
    let (code, verifier) = code_for(&browser, &client_id, "openid offline_access", "alice").await;
    let tokens = exchange_code(&auth.base, (&client_id, &secret), &code, Some(&verifier))
        .await
        .ok();
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh token");
    let refreshed = refresh(&auth.base, (&client_id, &secret), refresh_token).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);

    // The initial token admitted one registration only.
    let again = auth
        .register(Some(&initial), &json!({ "redirect_uris": [REDIRECT] }))
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.error(), "invalid_token");
}

#[tokio::test]
async fn registration_token_reads_replaces_and_deletes_and_then_the_client_is_gone() {
    let auth = TestAuth::spawn().await;
    auth.user("alice", PASSWORD).await;
    let body = auth
        .registered(&json!({
            "client_name": "Robot",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "scope": "openid offline_access",
        }))
        .await;
    let client_id = body["client_id"].as_str().unwrap().to_owned();
    let secret = body["client_secret"].as_str().unwrap().to_owned();
    let uri = body["registration_client_uri"].as_str().unwrap().to_owned();
    let token = body["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(body["client_secret_expires_at"], 0);
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(body["response_types"], json!(["code"]));
    let cc = client_credentials(&auth.base, (&client_id, &secret), None).await;
    assert_eq!(cc.status, StatusCode::OK, "{}", cc.body);
    let browser = Browser::new(&auth.base);
    let (code, verifier) = code_for(&browser, &client_id, "openid offline_access", "alice").await;
    let refresh_token = exchange_code(&auth.base, (&client_id, &secret), &code, Some(&verifier))
        .await
        .ok()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Wrong or missing tokens, and another client's path, are all 401.
    for (path, bearer) in [
        (uri.clone(), Some("not-the-token")),
        (uri.clone(), None),
        (
            format!("{}/someone-else", auth.url(REGISTRATION)),
            Some(token.as_str()),
        ),
    ] {
        for method in [Method::GET, Method::DELETE] {
            let r = send(method.clone(), &path, bearer, None).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(r.error(), "invalid_token");
            assert!(r.headers.contains_key("www-authenticate"));
        }
        let put = send(Method::PUT, &path, bearer, Some(b"{}".to_vec())).await;
        assert_eq!(put.status, StatusCode::UNAUTHORIZED);
    }

    // GET answers the metadata and a new token; the old one is spent.
    let read = send(Method::GET, &uri, Some(&token), None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["client_name"], "Robot");
    assert!(
        read.body.get("client_secret").is_none(),
        "GET never shows the secret"
    );
    let token2 = read.str("registration_access_token");
    assert_ne!(token2, token);
    let stale = send(Method::GET, &uri, Some(&token), None).await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED);

    // DELETE; then no more tokens for the client, old refresh tokens included.
    let deleted = send(Method::DELETE, &uri, Some(&token2), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let cc = client_credentials(&auth.base, (&client_id, &secret), None).await;
    assert_eq!(cc.status, StatusCode::UNAUTHORIZED);
    assert_eq!(cc.error(), "invalid_client");
    let refreshed = refresh(&auth.base, (&client_id, &secret), &refresh_token).await;
    assert!(refreshed.status.is_client_error(), "{}", refreshed.body);
    let after = send(Method::GET, &uri, Some(&token2), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn put_replaces_the_metadata_and_keeps_the_secret() {
    let auth = TestAuth::spawn().await;
    let body = auth
        .registered(&json!({
            "client_name": "Before",
            "redirect_uris": ["https://app.example/cb"],
            "grant_types": ["authorization_code", "client_credentials"],
            "logo_uri": "https://app.example/logo.png",
        }))
        .await;
    let client_id = body["client_id"].as_str().unwrap().to_owned();
    let secret = body["client_secret"].as_str().unwrap().to_owned();
    let uri = body["registration_client_uri"].as_str().unwrap().to_owned();
    let mut token = body["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let put = |token: String, v: Value| {
        let uri = uri.clone();
        async move {
            send(
                Method::PUT,
                &uri,
                Some(&token),
                Some(v.to_string().into_bytes()),
            )
            .await
        }
    };
    let replacement = json!({
        "client_id": client_id,
        "client_secret": secret,
        "client_name": "After",
        "redirect_uris": ["https://app.example/new"],
        "grant_types": ["authorization_code", "client_credentials"],
        "tos_uri": "https://app.example/tos",
    });

    // Refusals leave the client and the token as they were.
    for (v, status, error) in [
        (
            json!({ "redirect_uris": ["https://app.example/new"] }),
            400,
            "invalid_request",
        ),
        (
            json!({ "client_id": "someone-else", "redirect_uris": ["https://app.example/new"] }),
            400,
            "invalid_request",
        ),
        (
            json!({ "client_id": client_id, "client_secret": "guess", "redirect_uris": ["https://app.example/new"] }),
            400,
            "invalid_client_metadata",
        ),
        (
            json!({ "client_id": client_id, "redirect_uris": ["https://app.example/cb#frag"] }),
            400,
            "invalid_redirect_uri",
        ),
    ] {
        let r = put(token.clone(), v).await;
        assert_eq!(r.status.as_u16(), status, "{}", r.body);
        assert_eq!(r.error(), error);
    }

    let replaced = put(token.clone(), replacement).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert!(
        replaced.body.get("client_secret").is_none(),
        "PUT does not rotate the secret"
    );
    assert_eq!(replaced.body["client_name"], "After");
    assert_eq!(
        replaced.body["redirect_uris"],
        json!(["https://app.example/new"])
    );
    assert_eq!(replaced.body["tos_uri"], "https://app.example/tos");
    assert!(
        replaced.body.get("logo_uri").is_none(),
        "PUT replaces, it does not merge"
    );
    token = replaced.str("registration_access_token");
    let cc = client_credentials(&auth.base, (&client_id, &secret), None).await;
    assert_eq!(
        cc.status,
        StatusCode::OK,
        "the secret still works: {}",
        cc.body
    );
    let read = send(Method::GET, &uri, Some(&token), None).await;
    assert_eq!(read.body["client_name"], "After");

    // A client that becomes public loses its secret.
    let token = read.str("registration_access_token");
    let public = put(
        token,
        json!({
            "client_id": client_id,
            "redirect_uris": ["https://app.example/new"],
            "token_endpoint_auth_method": "none",
        }),
    )
    .await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.body);
    assert_eq!(public.body["token_endpoint_auth_method"], "none");
    let cc = client_credentials(&auth.base, (&client_id, &secret), None).await;
    assert!(cc.status.is_client_error(), "{}", cc.body);
}

#[tokio::test]
async fn initial_access_tokens_missing_unknown_expired_or_used_up_are_refused() {
    let auth = TestAuth::spawn_on_manual_clock(&[]).await;
    let metadata = json!({ "redirect_uris": [REDIRECT] });
    let missing = auth.register(None, &metadata).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.error(), "invalid_token");
    let unknown = auth.register(Some("made-up"), &metadata).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    let twice = auth.initial_token(600, 2).await;
    for _ in 0..2 {
        let ok = auth.register(Some(&twice), &metadata).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    }
    let used_up = auth.register(Some(&twice), &metadata).await;
    assert_eq!(used_up.status, StatusCode::UNAUTHORIZED);

    let short = auth.initial_token(60, 5).await;
    auth.clock.advance(std::time::Duration::from_secs(61));
    let expired = auth.register(Some(&short), &metadata).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert!(
        expired.body["error_description"]
            .as_str()
            .unwrap_or("")
            .contains("expired"),
        "{}",
        expired.body
    );
}

#[tokio::test]
async fn bad_metadata_is_refused_with_the_member_named() {
    // Many registrations from one address: lift the rate limit (tested on its own).
    let auth = TestAuth::spawn_with(&[(
        "BELF_CLIENT_REGISTRATION__FREE_REGISTRATIONS_PER_IP",
        "1000",
    )])
    .await;
    let token = auth.initial_token(600, 100).await;
    let redirect = |uri: &str| json!({ "redirect_uris": [uri] });
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            redirect("https://app.example/cb#x"),
            "invalid_redirect_uri",
            "fragment",
        ),
        (
            redirect("http://app.example/cb"),
            "invalid_redirect_uri",
            "https",
        ),
        (
            redirect("javascript:alert(1)"),
            "invalid_redirect_uri",
            "scheme",
        ),
        (redirect("/relative"), "invalid_redirect_uri", "absolute"),
        (
            redirect("com.example.app:/cb"),
            "invalid_redirect_uri",
            "public",
        ),
        (
            json!({ "redirect_uris": [] }),
            "invalid_redirect_uri",
            "at least one",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "response_types": ["code"], "grant_types": ["client_credentials"] }),
            "invalid_client_metadata",
            "disagree",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "response_types": [], "grant_types": ["authorization_code"] }),
            "invalid_client_metadata",
            "disagree",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "response_types": ["token"] }),
            "invalid_client_metadata",
            "response_types",
        ),
        (
            json!({ "grant_types": ["refresh_token"] }),
            "invalid_client_metadata",
            "refresh_token",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "grant_types": ["implicit"] }),
            "invalid_client_metadata",
            "grant_types",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "client_secret_jwt" }),
            "invalid_client_metadata",
            "token_endpoint_auth_method",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt" }),
            "invalid_client_metadata",
            "jwks",
        ),
        (
            json!({ "grant_types": ["client_credentials"], "token_endpoint_auth_method": "none" }),
            "invalid_client_metadata",
            "confidential",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "scope": "openid admin" }),
            "invalid_client_metadata",
            "scope",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "logo_uri": "javascript:x" }),
            "invalid_client_metadata",
            "logo_uri",
        ),
        (
            json!({ "redirect_uris": "https://app.example/cb" }),
            "invalid_client_metadata",
            "sequence",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "client_id": "mine" }),
            "invalid_client_metadata",
            "issued by the server",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "client_name": "" }),
            "invalid_client_metadata",
            "client_name",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "access_token_signed_response_alg": "none" }),
            "invalid_client_metadata",
            "access_token_signed_response_alg",
        ),
        (
            json!({
                "grant_types": ["client_credentials"],
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks": { "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] },
            }),
            "invalid_client_metadata",
            "jwks",
        ),
        (json!([REDIRECT]), "invalid_client_metadata", "object"),
    ];
    for (metadata, error, hint) in cases {
        let r = auth.register(Some(&token), &metadata).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{metadata}: {}", r.body);
        assert_eq!(r.error(), error, "{metadata}: {}", r.body);
        let description = r.body["error_description"].as_str().unwrap_or("");
        assert!(
            description.contains(hint),
            "{metadata}: `{description}` lacks `{hint}`"
        );
    }
    let not_json = auth
        .register_raw(Some(&token), b"redirect_uris=x".to_vec())
        .await;
    assert_eq!(not_json.error(), "invalid_client_metadata");

    // What RFC 8252 allows native apps: loopback on any port, private-use schemes.
    for ok in [
        json!({ "redirect_uris": ["http://127.0.0.1:53127/cb"], "token_endpoint_auth_method": "none" }),
        json!({ "redirect_uris": ["http://[::1]/cb"], "token_endpoint_auth_method": "none" }),
        json!({ "redirect_uris": ["com.example.app:/cb"], "token_endpoint_auth_method": "none" }),
    ] {
        let r = auth.register(Some(&token), &ok).await;
        assert_eq!(r.status, StatusCode::CREATED, "{ok}: {}", r.body);
        assert!(r.body.get("client_secret").is_none());
    }
}

#[tokio::test]
async fn a_private_key_jwt_client_registered_with_its_jwks_authenticates_with_assertions() {
    let auth = TestAuth::spawn().await;
    let key = TestKey::ec("reg-1");
    let body = auth
        .registered(&json!({
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": { "keys": [key.jwk()] },
            "dpop_bound_access_tokens": false,
        }))
        .await;
    assert!(body.get("client_secret").is_none(), "{body}");
    assert_eq!(body["token_endpoint_auth_method"], "private_key_jwt");
    assert_eq!(body["response_types"], json!([]));
    let client_id = body["client_id"].as_str().unwrap();
    let jwt = assertion(&key, client_id, &auth.url("/token"), 60);
    let token = post_form(
        &auth.base,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &jwt),
        ],
        &[],
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    let other = TestKey::ec("reg-1");
    let forged = assertion(&other, client_id, &auth.url("/token"), 60);
    let refused = post_form(
        &auth.base,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &forged),
        ],
        &[],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}
