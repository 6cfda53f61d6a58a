//! The validator and the todo service against the real Belf identity server
//! ([`RealIssuer`]), discovered only through its issuer URL: real tokens work, and tokens
//! it really signed (or that are signed with its real key) but that are not right for the
//! todo service are refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use belf::validator::Validator;
use serde_json::{Value, json};

use crate::support::jwt::unverified_claims;
use crate::support::real_issuer::RealIssuer;
use crate::support::{TodoApp, TokenSource};

#[tokio::test]
async fn validator_accepts_real_tokens() {
    let issuer = RealIssuer::spawn().await;
    let v = Validator::discover(&issuer.auth.base, "belf-todo")
        .await
        .expect("discovery of the real issuer");
    let token = issuer
        .token(Some("alice"), &["courses:read", "courses:write"])
        .await;
    let claims = v.validate(&token).await.expect("user token validates");
    assert!(claims.is_user());
    assert!(claims.has_scope("courses:write"));
    let token = issuer.token(None, &["courses:read"]).await;
    let claims = v.validate(&token).await.expect("client token validates");
    assert!(!claims.is_user());
    assert!(claims.has_scope("courses:read"));
}

#[tokio::test]
async fn todo_service_with_real_tokens() {
    let issuer = RealIssuer::spawn().await;
    let app = TodoApp::spawn(&issuer.auth.base).await;
    let alice = issuer
        .token(Some("alice"), &["courses:read", "courses:write"])
        .await;
    let bob_ro = issuer.token(Some("bob"), &["courses:read"]).await;
    let machine = issuer.token(None, &["courses:read"]).await;

    let (s, c) = app
        .post(
            "/api/courses",
            &alice,
            json!({"title": "Real", "colour": "green", "start_date": "2026-01-01", "public": true}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().expect("id");
    let (s, _) = app.get(&format!("/api/courses/{id}"), &bob_ro).await;
    assert_eq!(s, 200);
    let (s, _) = app.put(&format!("/api/courses/{id}/like"), &bob_ro).await;
    assert_eq!(s, 403);
    let (s, r) = app.get("/api/courses/search", &machine).await;
    assert_eq!((s, r["total"].clone()), (200, json!(1)));
}

/// Tokens the real issuer really signed (or that are signed with its real key) but that the
/// todo service must refuse.
#[tokio::test]
async fn real_but_wrong_tokens_are_refused() {
    let issuer = RealIssuer::spawn().await;
    let validator = Validator::discover(&issuer.auth.base, "belf-todo")
        .await
        .expect("discovery");
    let tokens = issuer.user_tokens("mallory", "courses:read").await;
    let good = tokens["access_token"].as_str().unwrap();
    let claims = validator
        .validate(good)
        .await
        .expect("the real access token passes");

    // An ID token from the same issuer, same key set: not an access token.
    let id_token = tokens["id_token"].as_str().expect("id_token");
    assert!(
        validator.validate(id_token).await.is_err(),
        "ID token refused"
    );
    // An access token for another audience (no todo scope: aud is the issuer).
    let other = issuer.user_token("mallory", "profile").await;
    assert!(
        validator.validate(&other).await.is_err(),
        "wrong aud refused"
    );

    // Forged with the issuer's real ES256 key: expired, wrong iss, not yet valid.
    let key = issuer
        .auth
        .ctx
        .keys
        .signing_key(
            belf::config::SigningAlg::ES256,
            belf::clock::Clock::system().now(),
        )
        .expect("es256 key");
    let sign = |patch: Value| {
        let mut body = unverified_claims(good);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, &body, &key.encoding).unwrap()
    };
    let now = belf::clock::Clock::system().now();
    // Control: the same forging path with unchanged claims passes, so the refusals below
    // are about the changed claim.
    assert!(validator.validate(&sign(json!({}))).await.is_ok());
    for (what, patch) in [
        ("expired", json!({ "exp": now - 3600, "iat": now - 7200 })),
        ("wrong iss", json!({ "iss": "http://evil.example" })),
        ("not yet valid", json!({ "nbf": now + 3600 })),
        ("wrong aud", json!({ "aud": "someone-else" })),
    ] {
        assert!(
            validator.validate(&sign(patch)).await.is_err(),
            "{what} refused"
        );
    }
    // alg: none with the real claims.
    let unsigned = format!(
        "{}.{}.",
        B64.encode(br#"{"alg":"none","typ":"at+jwt"}"#),
        good.split('.').nth(1).unwrap()
    );
    assert!(
        validator.validate(&unsigned).await.is_err(),
        "alg none refused"
    );
    assert_eq!(claims.sub, unverified_claims(good)["sub"]);

    // Through the service's HTTP API too: 401 with the RFC 6750 header.
    let todo = reqwest::Client::new();
    let app = TodoApp::spawn(&issuer.auth.base).await;
    let res = todo
        .get(format!("{}/api/courses", app.base))
        .bearer_auth(id_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("invalid_token"), "{challenge}");
}
