//! DPoP (RFC 9449) end to end: a proof at the token endpoint binds the access token to the
//! client's key (`token_type: DPoP`, `cnf.jkt`); userinfo and the todo service (through
//! the validator) then take it only as `Authorization: DPoP` with a fresh proof for that
//! very request, never as Bearer; a public client's refresh token needs the same key.
//! Every bad proof is refused with `invalid_dpop_proof` and a `DPoP` challenge.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::authorize::code_for;
use crate::support::browser::Browser;
use crate::support::dpop::{DpopKey, call_resource, post_form};
use crate::support::jwt::unverified_claims;
use crate::support::todo::RESOURCE;
use crate::support::token::TokenReply;
use crate::support::{PASSWORD, REDIRECT, TestAuth, TodoApp, now};
use belf::auth::clients::service::NewClient;

/// A client-credentials token request of `client` with the given proofs.
async fn cc_token(auth: &TestAuth, client: (&str, &str), proofs: &[&str]) -> TokenReply {
    post_form(
        &auth.base,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client.0),
            ("client_secret", client.1),
        ],
        proofs,
    )
    .await
}

/// A person's tokens (with `scope`) for a public client, exchanged with a proof by `key`.
async fn user_tokens_with_proof(
    auth: &TestAuth,
    client_id: &str,
    scope: &str,
    key: &DpopKey,
) -> serde_json::Value {
    let browser = Browser::new(&auth.base);
    let (code, verifier) = code_for(&browser, client_id, scope, "alice").await;
    let proof = key.proof("POST", &auth.url("/token"), None, None);
    post_form(
        &auth.base,
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", client_id),
        ],
        &[&proof],
    )
    .await
    .ok()
}

async fn public_client(auth: &TestAuth) -> String {
    auth.client(NewClient {
        name: "DPoP app".into(),
        redirect_uris: vec![REDIRECT.into()],
        public: true,
        ..Default::default()
    })
    .await
    .0
}

#[tokio::test]
async fn a_dpop_token_is_bound_and_works_only_with_proofs_at_userinfo_and_the_todo_api() {
    let auth = TestAuth::spawn().await;
    auth.user("alice", PASSWORD).await;
    let todo = TodoApp::spawn(&auth.base).await;
    let client_id = public_client(&auth).await;
    for key in [DpopKey::es256(), DpopKey::ed25519(), DpopKey::rs256()] {
        let tokens =
            user_tokens_with_proof(&auth, &client_id, "openid profile courses:read", &key).await;
        assert_eq!(tokens["token_type"], "DPoP");
        let at = tokens["access_token"].as_str().unwrap();
        assert_eq!(unverified_claims(at)["cnf"]["jkt"], key.jkt());

        // Userinfo: DPoP scheme + a proof for GET /userinfo with `ath`.
        let userinfo = auth.url("/userinfo");
        let proof = key.proof("GET", &userinfo, Some(at), None);
        let (status, _, body) = call_resource(Method::GET, &userinfo, "DPoP", at, &[&proof]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["preferred_username"], "alice");
        // The same proof again is a replay.
        let (status, challenge, body) =
            call_resource(Method::GET, &userinfo, "DPoP", at, &[&proof]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "invalid_dpop_proof");
        assert!(challenge.starts_with("DPoP "), "{challenge}");
        // The same token as Bearer is refused, with a DPoP challenge.
        let (status, challenge, _) = call_resource(Method::GET, &userinfo, "Bearer", at, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(challenge.starts_with("DPoP "), "{challenge}");
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");

        // The todo API, through the validator: htu is the service's public URL.
        let api = format!("{}/api/courses", todo.base);
        let htu = format!("{RESOURCE}/api/courses");
        let proof = key.proof("GET", &htu, Some(at), None);
        let (status, _, body) = call_resource(Method::GET, &api, "DPoP", at, &[&proof]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, challenge, _) = call_resource(Method::GET, &api, "Bearer", at, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(challenge.starts_with("DPoP "), "{challenge}");
        assert!(
            challenge.contains("algs=\"ES256 EdDSA RS256\""),
            "{challenge}"
        );
    }
}

#[tokio::test]
async fn the_todo_api_refuses_every_bad_proof() {
    let auth = TestAuth::spawn().await;
    auth.user("alice", PASSWORD).await;
    let todo = TodoApp::spawn(&auth.base).await;
    let client_id = public_client(&auth).await;
    let key = DpopKey::es256();
    let tokens = user_tokens_with_proof(&auth, &client_id, "openid courses:read", &key).await;
    let at = tokens["access_token"].as_str().unwrap();
    let other_token = user_tokens_with_proof(&auth, &client_id, "openid courses:read", &key).await
        ["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let api = format!("{}/api/courses", todo.base);
    let htu = format!("{RESOURCE}/api/courses");
    let jti = || uuid::Uuid::new_v4().to_string();
    let used = key.proof("GET", &htu, Some(at), None);
    let (status, _, _) = call_resource(Method::GET, &api, "DPoP", at, &[&used]).await;
    assert_eq!(status, StatusCode::OK);
    let other_key = DpopKey::es256();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("replayed proof", vec![used.clone()]),
        ("no proof", vec![]),
        ("two proofs", vec![key.proof("GET", &htu, Some(at), None), key.proof("GET", &htu, Some(at), None)]),
        ("wrong htm", vec![key.proof("POST", &htu, Some(at), None)]),
        ("wrong htu", vec![key.proof("GET", &format!("{RESOURCE}/api/palette"), Some(at), None)]),
        ("wrong ath", vec![key.proof("GET", &htu, Some(&other_token), None)]),
        ("no ath", vec![key.proof("GET", &htu, None, None)]),
        ("stale iat", vec![key.sign(&json!({"jti": jti(), "htm": "GET", "htu": htu, "iat": now() - 600, "ath": crate::support::dpop::ath(at)}))]),
        ("another key", vec![other_key.proof("GET", &htu, Some(at), None)]),
    ];
    for (name, proofs) in cases {
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let (status, challenge, body) = call_resource(Method::GET, &api, "DPoP", at, &proofs).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_eq!(body["error"], "invalid_dpop_proof", "{name}: {body}");
        assert!(challenge.starts_with("DPoP "), "{name}: {challenge}");
    }
    // A plain Bearer token sent under the DPoP scheme is refused too.
    let machine = auth.service_client().await;
    let plain = cc_token(&auth, (&machine.0, &machine.1), &[]).await.ok();
    assert_eq!(plain["token_type"], "Bearer");
    let plain_at = plain["access_token"].as_str().unwrap();
    let proof = key.proof("GET", &htu, Some(plain_at), None);
    let (status, _, body) = call_resource(Method::GET, &api, "DPoP", plain_at, &[&proof]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test]
async fn the_token_endpoint_refuses_bad_proofs_and_binds_client_credentials_tokens() {
    let auth = TestAuth::spawn().await;
    let machine = auth.service_client().await;
    let client = (machine.0.as_str(), machine.1.as_str());
    let key = DpopKey::es256();
    let token_url = auth.url("/token");
    let good = key.proof("POST", &token_url, None, None);
    let reply = cc_token(&auth, client, &[&good]).await.ok();
    assert_eq!(reply["token_type"], "DPoP");
    let at = reply["access_token"].as_str().unwrap();
    assert_eq!(unverified_claims(at)["cnf"]["jkt"], key.jkt());
    let jti = || uuid::Uuid::new_v4().to_string();
    let cases: Vec<(&str, Vec<String>)> =
        vec![
            ("replayed proof", vec![good.clone()]),
            (
                "two proofs",
                vec![
                    key.proof("POST", &token_url, None, None),
                    key.proof("POST", &token_url, None, None),
                ],
            ),
            ("wrong htm", vec![key.proof("GET", &token_url, None, None)]),
            (
                "wrong htu",
                vec![key.proof("POST", &auth.url("/introspect"), None, None)],
            ),
            (
                "stale iat",
                vec![key.sign(
                    &json!({"jti": jti(), "htm": "POST", "htu": token_url, "iat": now() - 600}),
                )],
            ),
            (
                "future iat",
                vec![key.sign(
                    &json!({"jti": jti(), "htm": "POST", "htu": token_url, "iat": now() + 600}),
                )],
            ),
            (
                "no jti",
                vec![key.sign(&json!({"htm": "POST", "htu": token_url, "iat": now()}))],
            ),
            ("not a JWT", vec!["garbage".into()]),
        ];
    for (name, proofs) in cases {
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let reply = cc_token(&auth, client, &proofs).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            reply.body
        );
        assert_eq!(reply.error(), "invalid_dpop_proof", "{name}");
    }
    // Discovery names the proof algorithms.
    let discovery: serde_json::Value = reqwest::get(auth.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["dpop_signing_alg_values_supported"],
        json!(["ES256", "EdDSA", "RS256"])
    );
}

#[tokio::test]
async fn a_client_registered_for_dpop_bound_tokens_must_send_a_proof() {
    let auth = TestAuth::spawn().await;
    let (id, secret) = auth
        .client(NewClient {
            name: "Bound service".into(),
            grant_types: vec!["client_credentials".into()],
            dpop_bound_access_tokens: true,
            ..Default::default()
        })
        .await;
    let client = (id.as_str(), secret.as_deref().unwrap());
    let reply = cc_token(&auth, client, &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error(), "invalid_dpop_proof");
    let key = DpopKey::es256();
    let proof = key.proof("POST", &auth.url("/token"), None, None);
    assert_eq!(
        cc_token(&auth, client, &[&proof]).await.ok()["token_type"],
        "DPoP"
    );
}

#[tokio::test]
async fn server_nonces_are_required_when_configured() {
    let auth = TestAuth::spawn_with(&[("BELF_DPOP__REQUIRE_NONCE", "true")]).await;
    let machine = auth.service_client().await;
    let client = (machine.0.as_str(), machine.1.as_str());
    let key = DpopKey::es256();
    let token_url = auth.url("/token");
    let first = cc_token(&auth, client, &[&key.proof("POST", &token_url, None, None)]).await;
    assert_eq!(first.status, StatusCode::BAD_REQUEST);
    assert_eq!(first.error(), "use_dpop_nonce");
    let nonce = first.headers["dpop-nonce"].to_str().unwrap().to_owned();
    // A nonce the server never handed out is refused the same way.
    let made_up = cc_token(
        &auth,
        client,
        &[&key.proof("POST", &token_url, None, Some("made-up"))],
    )
    .await;
    assert_eq!(made_up.error(), "use_dpop_nonce");
    let second = cc_token(
        &auth,
        client,
        &[&key.proof("POST", &token_url, None, Some(&nonce))],
    )
    .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body["token_type"], "DPoP");
    assert!(
        second.headers.contains_key("dpop-nonce"),
        "the next nonce comes along"
    );
}

#[tokio::test]
async fn a_public_clients_refresh_token_needs_the_same_key() {
    let auth = TestAuth::spawn().await;
    auth.user("alice", PASSWORD).await;
    let client_id = auth
        .client(NewClient {
            name: "Native app".into(),
            redirect_uris: vec![REDIRECT.into()],
            public: true,
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            ..Default::default()
        })
        .await
        .0;
    let key = DpopKey::es256();
    let tokens = user_tokens_with_proof(&auth, &client_id, "openid offline_access", &key).await;
    let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token");
    let token_url = auth.url("/token");
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id.as_str()),
    ];
    let without = post_form(&auth.base, "/token", &form, &[]).await;
    assert_eq!(without.error(), "invalid_grant", "{}", without.body);
    let stranger = DpopKey::es256();
    let other_key = post_form(
        &auth.base,
        "/token",
        &form,
        &[&stranger.proof("POST", &token_url, None, None)],
    )
    .await;
    assert_eq!(other_key.error(), "invalid_grant", "{}", other_key.body);
    let same = post_form(
        &auth.base,
        "/token",
        &form,
        &[&key.proof("POST", &token_url, None, None)],
    )
    .await
    .ok();
    assert_eq!(same["token_type"], "DPoP");
    assert_eq!(
        unverified_claims(same["access_token"].as_str().unwrap())["cnf"]["jkt"],
        key.jkt()
    );
    // The successor stays bound to the key.
    let next = same["refresh_token"].as_str().unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", next),
        ("client_id", client_id.as_str()),
    ];
    assert_eq!(
        post_form(&auth.base, "/token", &form, &[]).await.error(),
        "invalid_grant"
    );
}
