//! OpenID Connect Back-Channel Logout 1.0 end to end: a relying party's receiver (a tiny
//! axum server in the test) gets a logout token it verifies against the issuer's JWKS,
//! when the person logs out (RP-initiated) and when their password changes (the real
//! `belf` CLI); a receiver that hangs neither slows the logout page nor goes uncounted.

use std::time::{Duration, Instant};

use belf::auth::clients::service::NewClient;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::authorize::code_for;
use crate::support::browser::Browser;
use crate::support::jwt::unverified_claims;
use crate::support::logout_receiver::{Behaviour, LogoutReceiver};
use crate::support::token::exchange_code;
use crate::support::{LOGGED_OUT, PASSWORD, REDIRECT, TestAuth};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// A confidential client that wants logout tokens at `uri`.
async fn client_told_at(server: &TestAuth, name: &str, uri: Option<&str>) -> (String, String) {
    let (id, secret) = server
        .client(NewClient {
            name: name.into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: vec![LOGGED_OUT.into()],
            backchannel_logout_uri: uri.map(str::to_owned),
            backchannel_logout_session_required: true,
            ..Default::default()
        })
        .await;
    (id, secret.expect("confidential"))
}

/// Signs `username` in with `browser` and returns the ID token the client got.
async fn sign_in(
    server: &TestAuth,
    browser: &Browser,
    client: &(String, String),
    who: &str,
) -> String {
    let (code, verifier) = code_for(browser, &client.0, "openid profile", who).await;
    let tokens = exchange_code(&server.base, (&client.0, &client.1), &code, Some(&verifier))
        .await
        .ok();
    tokens["id_token"].as_str().expect("id_token").to_owned()
}

/// Checks a logout token the way a relying party must (§2.6): signature by a key of the
/// issuer's JWKS, `typ`, iss, aud, iat, exp, jti, events, sid, sub, no nonce. Returns its
/// claims.
async fn verify_logout_token(server: &TestAuth, token: &str, client_id: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).expect("a JWS");
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    let jwks: JwkSet = reqwest::get(server.url("/jwks.json"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("jwks json");
    let kid = header.kid.as_deref().expect("kid");
    let jwk = jwks.find(kid).expect("signed by a published key");
    let mut v = Validation::new(header.alg);
    v.set_issuer(&[&server.base]);
    v.set_audience(&[client_id]);
    v.set_required_spec_claims(&["iss", "aud", "exp", "iat", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &v)
        .expect("logout token verifies")
        .claims;
    let now = belf::clock::Clock::system().now();
    let iat = claims["iat"].as_i64().expect("iat");
    assert!((now - iat).abs() < 60, "iat is now: {claims}");
    assert_eq!(
        claims["exp"].as_i64(),
        Some(iat + 120),
        "short exp: {claims}"
    );
    assert!(
        claims["jti"].as_str().is_some_and(|j| j.len() >= 16),
        "{claims}"
    );
    assert_eq!(claims["events"], serde_json::json!({ EVENT: {} }));
    assert!(claims.get("nonce").is_none(), "never a nonce: {claims}");
    assert!(claims["sid"].as_str().is_some_and(|s| !s.is_empty()));
    claims
}

#[tokio::test]
async fn rp_initiated_logout_posts_a_verifiable_logout_token_to_the_clients_of_the_session() {
    let server = TestAuth::spawn().await;
    let mut receiver = LogoutReceiver::spawn(Behaviour::Accept).await;
    let told = client_told_at(&server, "Told app", Some(&receiver.url)).await;
    let untold = client_told_at(&server, "Untold app", None).await;
    let alice = server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let id_token = sign_in(&server, &browser, &told, "alice").await;
    sign_in(&server, &browser, &untold, "alice").await;
    let id_claims = unverified_claims(&id_token);
    let sid = id_claims["sid"]
        .as_str()
        .expect("sid in the ID token")
        .to_owned();
    // The same browser session, the same sid, whichever client asks.
    let second = sign_in(&server, &browser, &told, "alice").await;
    assert_eq!(unverified_claims(&second)["sid"], id_claims["sid"]);

    let mut url = url::Url::parse(&server.url("/logout")).unwrap();
    url.query_pairs_mut()
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", LOGGED_OUT);
    let out = browser.get(url.as_str()).await;
    assert_eq!(out.status, StatusCode::FOUND, "{}", out.body);

    let got = receiver
        .next(Duration::from_secs(10))
        .await
        .expect("a logout token arrives");
    assert_eq!(got.content_type, "application/x-www-form-urlencoded");
    let token = got.logout_token.expect("logout_token field");
    let claims = verify_logout_token(&server, &token, &told.0).await;
    assert_eq!(claims["sid"].as_str(), Some(sid.as_str()));
    assert_eq!(claims["sub"].as_str(), Some(alice.user_id.as_str()));
    assert!(
        receiver.next(Duration::from_millis(500)).await.is_none(),
        "one token per client and session"
    );
    assert_eq!(server.ctx.metrics.backchannel_logout_delivered.get(), 1);
    assert_eq!(server.ctx.metrics.backchannel_logout_failed.get(), 0);

    let discovery: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["backchannel_logout_supported"], true);
    assert_eq!(discovery["backchannel_logout_session_supported"], true);
}

#[tokio::test]
async fn a_password_change_tells_the_clients_of_every_session_of_that_person() {
    let server = TestAuth::spawn().await;
    let mut receiver = LogoutReceiver::spawn(Behaviour::Accept).await;
    let app = client_told_at(&server, "Told app", Some(&receiver.url)).await;
    let alice = server.user("alice", PASSWORD).await;
    let bob = server.user("bob", PASSWORD).await;
    // Alice on two browsers (two sessions), Bob on a third.
    let mut sids = Vec::new();
    for _ in 0..2 {
        let id_token = sign_in(&server, &Browser::new(&server.base), &app, "alice").await;
        sids.push(
            unverified_claims(&id_token)["sid"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    sign_in(&server, &Browser::new(&server.base), &app, "bob").await;
    assert_ne!(sids[0], sids[1]);

    let changed = server
        .cli_json(
            &["user", "set-password", "alice", "--password-stdin"],
            Some("a brand new passphrase\n"),
        )
        .await;
    assert_eq!(changed["password_changed"], true);
    assert_eq!(changed["backchannel_logout"]["delivered"], 2, "{changed}");
    assert_eq!(changed["backchannel_logout"]["failed"], 0, "{changed}");

    let mut told_sids = Vec::new();
    for _ in 0..2 {
        let got = receiver.next(Duration::from_secs(10)).await.expect("token");
        let claims = verify_logout_token(&server, &got.logout_token.unwrap(), &app.0).await;
        assert_eq!(claims["sub"].as_str(), Some(alice.user_id.as_str()));
        told_sids.push(claims["sid"].as_str().unwrap().to_owned());
    }
    told_sids.sort();
    sids.sort();
    assert_eq!(told_sids, sids);
    assert!(
        receiver.next(Duration::from_millis(500)).await.is_none(),
        "Bob's session is not Alice's"
    );

    // Disabling Bob ends his session the same way; enabling him again tells nobody.
    let disabled = server.cli_json(&["user", "disable", "bob"], None).await;
    assert_eq!(disabled["backchannel_logout"]["delivered"], 1, "{disabled}");
    let got = receiver.next(Duration::from_secs(10)).await.expect("token");
    let claims = verify_logout_token(&server, &got.logout_token.unwrap(), &app.0).await;
    assert_eq!(claims["sub"].as_str(), Some(bob.user_id.as_str()));
    let enabled = server.cli_json(&["user", "enable", "bob"], None).await;
    assert_eq!(enabled["backchannel_logout"], Value::Null);
    assert!(receiver.next(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn a_client_that_never_answers_neither_slows_the_logout_nor_goes_uncounted() {
    let server = TestAuth::spawn_with(&[
        ("BELF_BACKCHANNEL_LOGOUT__TIMEOUT_SECS", "1"),
        ("BELF_BACKCHANNEL_LOGOUT__MAX_ATTEMPTS", "2"),
        ("BELF_BACKCHANNEL_LOGOUT__RETRY_BACKOFF_MS", "100"),
    ])
    .await;
    let mut receiver = LogoutReceiver::spawn(Behaviour::Hang).await;
    let app = client_told_at(&server, "Hanging app", Some(&receiver.url)).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let id_token = sign_in(&server, &browser, &app, "alice").await;

    let mut url = url::Url::parse(&server.url("/logout")).unwrap();
    url.query_pairs_mut()
        .append_pair("id_token_hint", &id_token);
    let started = Instant::now();
    let out = browser.get(url.as_str()).await;
    let took = started.elapsed();
    assert_eq!(out.status, StatusCode::OK, "signed-out page");
    assert!(took < Duration::from_millis(900), "logout took {took:?}");
    eprintln!("logout page answered in {took:?} while the client hangs");

    // Two attempts (each cut after 1 s), then counted as failed.
    for _ in 0..2 {
        receiver
            .next(Duration::from_secs(5))
            .await
            .expect("an attempt");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.ctx.metrics.backchannel_logout_failed.get() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(server.ctx.metrics.backchannel_logout_failed.get(), 1);
    assert_eq!(server.ctx.metrics.backchannel_logout_delivered.get(), 0);
    let text = server.ctx.metrics.render();
    assert!(
        text.contains("belf_auth_backchannel_logout_failed_total 1"),
        "{text}"
    );
}

#[tokio::test]
async fn back_channel_settings_are_checked_and_changed_from_the_cli() {
    let server = TestAuth::spawn().await;
    for bad in [
        "https://rp.example/logout#frag",
        "not a url",
        "http://rp.example/logout",
    ] {
        let out = server
            .cli(
                &[
                    "client",
                    "add",
                    "--name",
                    "Bad",
                    "--redirect-uri",
                    REDIRECT,
                    "--backchannel-logout-uri",
                    bad,
                ],
                None,
            )
            .await;
        assert!(!out.status.success(), "{bad} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("invalid --backchannel-logout-uri"),
            "{bad}: {err}"
        );
    }
    let added = server
        .cli_json(
            &[
                "client",
                "add",
                "--name",
                "Good",
                "--redirect-uri",
                REDIRECT,
                "--backchannel-logout-uri",
                "https://rp.example/bcl",
            ],
            None,
        )
        .await;
    let id = added["client_id"].as_str().unwrap().to_owned();
    let shown = server.cli_json(&["client", "show", &id], None).await;
    assert_eq!(shown["backchannel_logout_uri"], "https://rp.example/bcl");
    assert_eq!(shown["backchannel_logout_session_required"], false);
    let updated = server
        .cli_json(
            &[
                "client",
                "update",
                &id,
                "--backchannel-logout-uri",
                "http://127.0.0.1:9/bcl",
                "--backchannel-logout-session-required",
                "true",
            ],
            None,
        )
        .await;
    assert_eq!(updated["backchannel_logout_uri"], "http://127.0.0.1:9/bcl");
    assert_eq!(updated["backchannel_logout_session_required"], true);
    let cleared = server
        .cli_json(
            &["client", "update", &id, "--backchannel-logout-uri", ""],
            None,
        )
        .await;
    assert_eq!(cleared["backchannel_logout_uri"], Value::Null);
    let missing = server
        .cli(
            &[
                "client",
                "update",
                "no-such-client",
                "--backchannel-logout-uri",
                "",
            ],
            None,
        )
        .await;
    assert!(!missing.status.success());
}

#[tokio::test]
async fn a_session_begun_on_one_instance_and_ended_on_another_is_told_once() {
    if std::env::var("BELF_TEST_REDIS_URL").is_err() {
        eprintln!("skipped: needs BELF_TEST_REDIS_URL (sessions shared between instances)");
        return;
    }
    let a = TestAuth::spawn().await;
    let b = a.spawn_replica().await;
    let mut receiver = LogoutReceiver::spawn(Behaviour::Accept).await;
    let app = client_told_at(&a, "Told app", Some(&receiver.url)).await;
    a.user("carol", PASSWORD).await;
    let on_a = Browser::new(&a.base);
    let id_token = sign_in(&a, &on_a, &app, "carol").await;

    let on_b = on_a.with_base(&b.base);
    let mut url = url::Url::parse(&b.url("/logout")).unwrap();
    url.query_pairs_mut()
        .append_pair("id_token_hint", &id_token);
    assert_eq!(on_b.get(url.as_str()).await.status, StatusCode::OK);

    let got = receiver.next(Duration::from_secs(10)).await.expect("token");
    let claims = verify_logout_token(&a, &got.logout_token.unwrap(), &app.0).await;
    assert_eq!(claims["sid"], unverified_claims(&id_token)["sid"]);
    assert!(receiver.next(Duration::from_millis(500)).await.is_none());
    assert_eq!(b.ctx.metrics.backchannel_logout_delivered.get(), 1);
    assert_eq!(a.ctx.metrics.backchannel_logout_delivered.get(), 0);
}

#[tokio::test]
async fn an_id_token_from_a_refresh_keeps_the_session_s_sid() {
    let server = TestAuth::spawn().await;
    let app = client_told_at(&server, "Told app", None).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let (code, verifier) = code_for(&browser, &app.0, "openid offline_access", "alice").await;
    let first = exchange_code(&server.base, (&app.0, &app.1), &code, Some(&verifier))
        .await
        .ok();
    let sid = unverified_claims(first["id_token"].as_str().unwrap())["sid"].clone();
    assert!(sid.as_str().is_some_and(|s| !s.is_empty()), "{sid}");
    let refreshed = crate::support::token::refresh(
        &server.base,
        (&app.0, &app.1),
        first["refresh_token"].as_str().expect("refresh token"),
    )
    .await
    .ok();
    assert_eq!(
        unverified_claims(refreshed["id_token"].as_str().unwrap())["sid"],
        sid
    );
}
