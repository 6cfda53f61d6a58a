//! Resource indicators (RFC 8707) and protected resource metadata (RFC 9728): a token
//! asked for the todo service by its URL carries that URL as `aud` and the todo service
//! takes it; without `resource` nothing changes; unknown targets are `invalid_target`.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::authorize::authorize_url;
use crate::support::browser::{Browser, param, query_of};
use crate::support::jwt::unverified_claims;
use crate::support::pkce::Pkce;
use crate::support::todo::RESOURCE;
use crate::support::token::{client_credentials, exchange_code, post_token};
use crate::support::{PASSWORD, REDIRECT, TestAuth, TodoApp};

/// A code for `scope` whose authorization request names `resources`.
async fn code_with(
    server: &TestAuth,
    client_id: &str,
    scope: &str,
    resources: &[&str],
) -> (String, String) {
    let pkce = Pkce::random();
    let mut extra = vec![("scope", scope)];
    extra.extend(pkce.challenge_params());
    let mut url = authorize_url(&server.base, client_id, &extra);
    for r in resources {
        url.push_str(&format!("&resource={}", urlencode(r)));
    }
    let q = Browser::new(&server.base)
        .authorize(&url, "alice", PASSWORD)
        .await;
    let code = param(&q, "code").unwrap_or_else(|| panic!("code in {q:?}"));
    (code.to_owned(), pkce.verifier)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_token_for_the_todo_service_by_its_url_is_accepted_there() {
    let server = TestAuth::spawn().await;
    let todo = TodoApp::spawn(&server.base).await;
    let (client_id, secret) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let scope = "openid offline_access courses:read";

    // Named at /authorize, remembered with the code.
    let (code, verifier) = code_with(&server, &client_id, scope, &[RESOURCE]).await;
    let tokens = exchange_code(&server.base, (&client_id, &secret), &code, Some(&verifier))
        .await
        .ok();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(unverified_claims(access)["aud"], RESOURCE);
    let (status, body) = todo
        .call(Method::GET, "/api/courses", Some(access), None)
        .await;
    assert_eq!(status, 200, "{body}");

    // A refresh may narrow to what was granted, never widen.
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let refreshed = post_token(
        &server.base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("resource", RESOURCE),
        ],
        Some((&client_id, &secret)),
    )
    .await
    .ok();
    assert_eq!(
        unverified_claims(refreshed["access_token"].as_str().unwrap())["aud"],
        RESOURCE
    );
    let widened = post_token(
        &server.base,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                refreshed["refresh_token"].as_str().unwrap(),
            ),
            ("resource", "http://127.0.0.1:8081/other"),
        ],
        Some((&client_id, &secret)),
    )
    .await;
    assert_eq!(widened.error(), "invalid_target");

    // Without `resource`, the audience is what it always was, and still accepted.
    let (code, verifier) = code_with(&server, &client_id, scope, &[]).await;
    let plain = exchange_code(&server.base, (&client_id, &secret), &code, Some(&verifier))
        .await
        .access_token();
    assert_eq!(unverified_claims(&plain)["aud"], "belf-todo");
    let (status, _) = todo
        .call(Method::GET, "/api/courses", Some(&plain), None)
        .await;
    assert_eq!(status, 200);
    // …and a code granted for no resource cannot be turned into one at the token endpoint.
    let (code, verifier) = code_with(&server, &client_id, scope, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
        ("resource", RESOURCE),
    ];
    let refused = post_token(&server.base, &form, Some((&client_id, &secret))).await;
    assert_eq!(refused.error(), "invalid_target");

    // Client credentials.
    let (machine, machine_secret) = server.service_client().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "courses:read"),
        ("resource", RESOURCE),
    ];
    let token = post_token(&server.base, &form, Some((&machine, &machine_secret)))
        .await
        .access_token();
    assert_eq!(unverified_claims(&token)["aud"], RESOURCE);
    let default = client_credentials(&server.base, (&machine, &machine_secret), None)
        .await
        .access_token();
    assert_eq!(unverified_claims(&default)["aud"], "belf-todo");
}

#[tokio::test]
async fn unknown_relative_or_fragment_targets_are_invalid_target() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    let (machine, machine_secret) = server.service_client().await;
    let browser = Browser::new(&server.base);
    for bad in [
        "/todo",
        "belf-todo",
        "http://127.0.0.1:8081#x",
        "https://unknown.example",
    ] {
        let form = [("grant_type", "client_credentials"), ("resource", bad)];
        let reply = post_token(&server.base, &form, Some((&machine, &machine_secret))).await;
        assert_eq!(
            (reply.status, reply.error()),
            (StatusCode::BAD_REQUEST, "invalid_target"),
            "{bad}"
        );
        // At /authorize, once the redirect URI is proven: back to the client.
        let url = authorize_url(&server.base, &client_id, &[("resource", bad)]);
        let page = browser.get(&url).await;
        assert_eq!(page.status, StatusCode::FOUND, "{bad}");
        let q = query_of(page.location());
        assert_eq!(param(&q, "error"), Some("invalid_target"), "{bad}");
        assert_eq!(param(&q, "state"), Some("st-1"));
    }
}

#[tokio::test]
async fn the_todo_service_publishes_its_protected_resource_metadata() {
    let server = TestAuth::spawn().await;
    let todo = TodoApp::spawn(&server.base).await;
    let metadata: Value = reqwest::get(format!(
        "{}/.well-known/oauth-protected-resource",
        todo.base
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(metadata["resource"], RESOURCE);
    assert_eq!(metadata["authorization_servers"][0], server.base.as_str());
    assert_eq!(metadata["bearer_methods_supported"][0], "header");
    let scopes = metadata["scopes_supported"].as_array().unwrap();
    assert!(scopes.contains(&"courses:read".into()) && scopes.contains(&"courses:write".into()));

    let expected = format!("resource_metadata=\"{RESOURCE}/.well-known/oauth-protected-resource\"");
    for token in [None, Some("not-a-token")] {
        let mut req = reqwest::Client::new().get(format!("{}/api/courses", todo.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let challenge = res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        assert!(challenge.contains(&expected), "{challenge}");
    }
}
