//! Failing-closed rules at the token and userinfo endpoints: PKCE, single-use codes,
//! refresh rotation and reuse, client authentication, malformed requests, bearer errors.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, WWW_AUTHENTICATE};
use serde_json::Value;

use crate::support::authorize::code_for;
use crate::support::browser::Browser;
use crate::support::pkce::Pkce;
use crate::support::token::{client_credentials, exchange_code, introspect, post_token, refresh};
use crate::support::{PASSWORD, REDIRECT, TestAuth};

/// A logged-in grant with a refresh token: (client id, secret, token response).
async fn offline_grant(server: &TestAuth) -> (String, String, Value) {
    let (id, secret) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let (code, verifier) = code_for(&browser, &id, "openid offline_access", "alice").await;
    let body = exchange_code(&server.base, (&id, &secret), &code, Some(&verifier))
        .await
        .ok();
    assert!(
        body["refresh_token"].is_string(),
        "offline_access gives a refresh token"
    );
    (id, secret, body)
}

#[tokio::test]
async fn pkce_verifier_is_required_and_checked_at_the_token_endpoint() {
    let server = TestAuth::spawn().await;
    let (id, secret) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let client = (id.as_str(), secret.as_str());

    let (code, _) = code_for(&browser, &id, "openid", "alice").await;
    let reply = exchange_code(&server.base, client, &code, None).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );

    let (code, _) = code_for(&browser, &id, "openid", "alice").await;
    let wrong = Pkce::random().verifier;
    let reply = exchange_code(&server.base, client, &code, Some(&wrong)).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );

    let (code, verifier) = code_for(&browser, &id, "openid", "alice").await;
    let body = exchange_code(&server.base, client, &code, Some(&verifier))
        .await
        .ok();
    assert!(body["access_token"].is_string() && body["id_token"].is_string());
}

#[tokio::test]
async fn a_reused_code_fails_and_revokes_what_the_first_exchange_issued() {
    let server = TestAuth::spawn().await;
    let (id, secret) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let client = (id.as_str(), secret.as_str());
    let (code, verifier) = code_for(&browser, &id, "openid offline_access", "alice").await;
    let first = exchange_code(&server.base, client, &code, Some(&verifier))
        .await
        .ok();
    let access = first["access_token"].as_str().unwrap();
    let rt = first["refresh_token"].as_str().expect("refresh token");
    assert_eq!(
        introspect(&server.base, client, access).await["active"],
        true
    );

    let second = exchange_code(&server.base, client, &code, Some(&verifier)).await;
    assert_eq!(
        (second.status, second.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    assert_eq!(
        introspect(&server.base, client, access).await["active"],
        false
    );
    let reply = refresh(&server.base, client, rt).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
}

#[tokio::test]
async fn a_reused_refresh_token_after_the_grace_window_revokes_the_family() {
    let server = TestAuth::spawn_with(&[("BELF_TOKENS__REFRESH_REUSE_GRACE_MS", "0")]).await;
    let (id, secret, tokens) = offline_grant(&server).await;
    let client = (id.as_str(), secret.as_str());
    let old = tokens["refresh_token"].as_str().unwrap();
    let rotated = refresh(&server.base, client, old).await.ok();
    let new = rotated["refresh_token"].as_str().expect("rotated token");
    assert_ne!(new, old);

    let reply = refresh(&server.base, client, old).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    let reply = refresh(&server.base, client, new).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant"),
        "the whole family is revoked"
    );
    let access = rotated["access_token"].as_str().unwrap();
    assert_eq!(
        introspect(&server.base, client, access).await["active"],
        false
    );
}

#[tokio::test]
async fn a_reused_refresh_token_within_the_grace_window_still_works() {
    let server = TestAuth::spawn_with(&[("BELF_TOKENS__REFRESH_REUSE_GRACE_MS", "30000")]).await;
    let (id, secret, tokens) = offline_grant(&server).await;
    let client = (id.as_str(), secret.as_str());
    let old = tokens["refresh_token"].as_str().unwrap();
    let rotated = refresh(&server.base, client, old).await.ok();
    let again = refresh(&server.base, client, old).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "second tab within grace: {}",
        again.body
    );
    assert!(again.body["access_token"].is_string());
    assert_eq!(
        again.body["refresh_token"], rotated["refresh_token"],
        "the same successor is handed back, not a second live token"
    );
    let rotated_rt = rotated["refresh_token"].as_str().unwrap();
    let reply = refresh(&server.base, client, rotated_rt).await;
    assert_eq!(reply.status, StatusCode::OK, "the family lives on");
}

#[tokio::test]
async fn a_refresh_token_only_works_for_its_own_client() {
    let server = TestAuth::spawn().await;
    let (_, _, tokens) = offline_grant(&server).await;
    let (other_id, other_secret) = server.web_client(REDIRECT).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let reply = refresh(&server.base, (&other_id, &other_secret), rt).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    assert!(reply.body.get("access_token").is_none());
}

#[tokio::test]
async fn client_authentication_rules() {
    let server = TestAuth::spawn().await;
    let (id, secret) = server.service_client().await;
    let cc = [("grant_type", "client_credentials")];

    for basic in [true, false] {
        let reply = if basic {
            post_token(&server.base, &cc, Some((&id, "wrong-secret"))).await
        } else {
            let form = [cc[0], ("client_id", &id), ("client_secret", "wrong-secret")];
            post_token(&server.base, &form, None).await
        };
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "basic={basic}: {}",
            reply.body
        );
        assert_eq!(reply.error(), "invalid_client");
        assert!(
            reply.headers.contains_key(WWW_AUTHENTICATE),
            "basic={basic}"
        );
        assert_eq!(reply.headers[CACHE_CONTROL], "no-store");
    }

    let reply = client_credentials(&server.base, (&id, &secret), None).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "client_secret_basic: {}",
        reply.body
    );
    let form = [cc[0], ("client_id", &id), ("client_secret", &secret)];
    let reply = post_token(&server.base, &form, None).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "client_secret_post: {}",
        reply.body
    );
    assert_eq!(reply.headers[CACHE_CONTROL], "no-store");

    let both = [cc[0], ("client_secret", secret.as_str())];
    let reply = post_token(&server.base, &both, Some((&id, &secret))).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    let ttl = server.config.tokens.authorization_code_ttl_secs;
    let (id, secret) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    // One second before its deadline a code still works...
    let (code, verifier) = code_for(&browser, &id, "openid", "alice").await;
    server
        .clock
        .advance(std::time::Duration::from_secs(ttl - 1));
    let reply = exchange_code(&server.base, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    // ...at its deadline it is refused.
    let (code, verifier) = code_for(&browser, &id, "openid", "alice").await;
    server.clock.advance(std::time::Duration::from_secs(ttl));
    let reply = exchange_code(&server.base, (&id, &secret), &code, Some(&verifier)).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
}

#[tokio::test]
async fn malformed_token_requests_get_rfc_errors() {
    let server = TestAuth::spawn().await;
    let (web_id, web_secret) = server.web_client(REDIRECT).await;
    let (svc_id, svc_secret) = server.service_client().await;
    let web = Some((web_id.as_str(), web_secret.as_str()));
    let svc = Some((svc_id.as_str(), svc_secret.as_str()));
    let cases: [(&[(&str, &str)], _, &str); 5] = [
        (&[("code", "abc")], web, "invalid_request"),
        (&[("grant_type", "password")], web, "unsupported_grant_type"),
        (
            &[("grant_type", "client_credentials")],
            web,
            "unauthorized_client",
        ),
        (
            &[("grant_type", "client_credentials"), ("scope", "openid")],
            svc,
            "invalid_scope",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ],
            svc,
            "invalid_request",
        ),
    ];
    for (form, client, expected) in cases {
        let reply = post_token(&server.base, form, client).await;
        assert_eq!(
            (reply.status, reply.error()),
            (StatusCode::BAD_REQUEST, expected),
            "{form:?}"
        );
        assert_eq!(reply.headers[CACHE_CONTROL], "no-store");
    }

    let res = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&svc_id, Some(&svc_secret))
        .json(&serde_json::json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res
        .json()
        .await
        .expect("a JSON error, not a plain-text rejection");
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn userinfo_answers_with_bearer_errors() {
    let server = TestAuth::spawn().await;
    let (id, secret) = server.service_client().await;
    let http = reqwest::Client::new();

    let res = http.get(server.url("/userinfo")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let challenge = res.headers()[WWW_AUTHENTICATE].to_str().unwrap().to_owned();
    assert!(challenge.starts_with("Bearer realm="), "{challenge}");
    assert!(
        !challenge.contains("error="),
        "no error code without a token: {challenge}"
    );

    let res = http
        .get(server.url("/userinfo"))
        .bearer_auth("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let challenge = res.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");

    let access = client_credentials(&server.base, (&id, &secret), None)
        .await
        .access_token();
    let res = http
        .get(server.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let challenge = res.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
}
