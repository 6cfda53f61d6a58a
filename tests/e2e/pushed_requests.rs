//! Pushed authorization requests (RFC 9126): the push over raw HTTP (the `openidconnect`
//! crate has no PAR), then the ordinary browser round trip and code exchange with the
//! `request_uri`; refusals of the push as RFC errors and of a bad `request_uri` as pages.

use belf::auth::clients::service::NewClient;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::authorize::authorize_url;
use crate::support::browser::{Browser, param, query_of};
use crate::support::pkce::Pkce;
use crate::support::token::exchange_code;
use crate::support::{PASSWORD, REDIRECT, TestAuth};

/// `POST /par` with HTTP Basic.
async fn push(
    server: &TestAuth,
    client: (&str, &str),
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(server.url("/par"))
        .basic_auth(client.0, Some(client.1))
        .form(form)
        .send()
        .await
        .expect("POST /par");
    (res.status(), res.json().await.expect("JSON"))
}

fn pushed_url(server: &TestAuth, client_id: &str, request_uri: &str) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("request_uri", request_uri);
    url.to_string()
}

#[tokio::test]
async fn a_pushed_request_signs_in_once_and_only_for_its_client() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    let (client_id, secret) = server.web_client(REDIRECT).await;
    let (other_id, _) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let pkce = Pkce::random();
    let request = [
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile"),
        ("state", "pushed-state"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let (status, pushed) = push(&server, (&client_id, &secret), &request).await;
    assert_eq!(status, StatusCode::CREATED, "{pushed}");
    assert_eq!(pushed["expires_in"], 60);
    let request_uri = pushed["request_uri"].as_str().unwrap();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));

    // Only client_id and request_uri travel through the browser.
    let browser = Browser::new(&server.base);
    let q = browser
        .authorize(
            &pushed_url(&server, &client_id, request_uri),
            "alice",
            PASSWORD,
        )
        .await;
    assert_eq!(param(&q, "state"), Some("pushed-state"));
    let code = param(&q, "code").expect("code");
    let tokens = exchange_code(
        &server.base,
        (&client_id, &secret),
        code,
        Some(&pkce.verifier),
    )
    .await
    .ok();
    assert!(tokens["id_token"].is_string());

    // Used once: a second use is a page, never a redirect.
    let again = browser
        .get(&pushed_url(&server, &client_id, request_uri))
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.location.is_none());
    assert!(again.body.contains("already used"), "{}", again.body);

    // Another client's request_uri, and an expired one.
    let (_, theirs) = push(&server, (&client_id, &secret), &request).await;
    let stolen = browser
        .get(&pushed_url(
            &server,
            &other_id,
            theirs["request_uri"].as_str().unwrap(),
        ))
        .await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST);
    assert!(stolen.location.is_none());
    assert!(
        stolen.body.contains("another application"),
        "{}",
        stolen.body
    );
    let (_, late) = push(&server, (&client_id, &secret), &request).await;
    server.clock.advance(std::time::Duration::from_secs(61));
    let expired = browser
        .get(&pushed_url(
            &server,
            &client_id,
            late["request_uri"].as_str().unwrap(),
        ))
        .await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    assert!(expired.location.is_none());
}

#[tokio::test]
async fn a_push_is_checked_as_authorize_would_check_it() {
    let server = TestAuth::spawn().await;
    let (client_id, secret) = server.web_client(REDIRECT).await;
    let base = [
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut form: Vec<(&str, &str)> = base
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .copied()
            .collect();
        form.extend_from_slice(extra);
        form
    };
    for (form, error) in [
        (
            with(&[("redirect_uri", "https://evil.example/cb")]),
            "invalid_request",
        ),
        (with(&[("scope", "openid no-such-scope")]), "invalid_scope"),
        (
            with(&[("response_type", "token")]),
            "unsupported_response_type",
        ),
        (
            with(&[("request_uri", "urn:ietf:params:oauth:request_uri:x")]),
            "invalid_request",
        ),
        (with(&[("client_id", "someone-else")]), "invalid_client"),
        (
            with(&[("resource", "https://unknown.example")]),
            "invalid_target",
        ),
    ] {
        let (status, body) = push(&server, (&client_id, &secret), &form).await;
        assert_eq!(status.as_u16() / 100, 4, "{form:?}");
        assert_eq!(body["error"], error, "{form:?}: {body}");
    }
    let (status, body) = push(&server, (&client_id, "wrong-secret"), &base).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}

#[tokio::test]
async fn a_client_that_requires_par_cannot_use_a_plain_request() {
    let server = TestAuth::spawn().await;
    let (strict_id, strict_secret) = server
        .client(NewClient {
            name: "Strict app".into(),
            redirect_uris: vec![REDIRECT.into()],
            require_par: true,
            ..Default::default()
        })
        .await;
    let strict_secret = strict_secret.unwrap();
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let plain = browser
        .get(&authorize_url(&server.base, &strict_id, &[]))
        .await;
    assert_eq!(plain.status, StatusCode::FOUND);
    let q = query_of(plain.location());
    assert_eq!(param(&q, "error"), Some("invalid_request"));
    // Pushed, it works.
    let pkce = Pkce::random();
    let mut form = vec![
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
    ];
    form.extend(pkce.challenge_params());
    let (_, pushed) = push(&server, (&strict_id, &strict_secret), &form).await;
    let q = browser
        .authorize(
            &pushed_url(&server, &strict_id, pushed["request_uri"].as_str().unwrap()),
            "alice",
            PASSWORD,
        )
        .await;
    assert!(param(&q, "code").is_some(), "{q:?}");

    // The global switch, in discovery too.
    let everyone = TestAuth::spawn_with(&[("BELF_PAR__REQUIRED", "true")]).await;
    let discovery: Value = reqwest::get(everyone.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["require_pushed_authorization_requests"], true);
    assert_eq!(
        discovery["pushed_authorization_request_endpoint"],
        everyone.url("/par")
    );
    let (web_id, _) = everyone.web_client(REDIRECT).await;
    let plain = Browser::new(&everyone.base)
        .get(&authorize_url(&everyone.base, &web_id, &[]))
        .await;
    assert_eq!(
        param(&query_of(plain.location()), "error"),
        Some("invalid_request")
    );
}
