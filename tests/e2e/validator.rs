//! The token validator against a fake issuer serving real keys over HTTP.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use belf::clock::Clock;
use belf::validator::{BearerError, Validator};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::{AUDIENCE, FakeIssuer, TestKey, now, test_keys};

async fn setup() -> (FakeIssuer, Validator) {
    setup_with(Default::default()).await
}

async fn setup_with(options: belf::validator::ValidatorOptions) -> (FakeIssuer, Validator) {
    let issuer = FakeIssuer::start().await;
    let v = Validator::discover_with(&issuer.url, AUDIENCE, options)
        .await
        .expect("discovery works");
    (issuer, v)
}

fn invalid(r: Result<belf::validator::AccessClaims, BearerError>) -> &'static str {
    match r {
        Err(BearerError::InvalidToken(why)) => why,
        other => panic!("expected invalid_token, got {other:?}"),
    }
}

#[tokio::test]
async fn valid_tokens_of_every_algorithm() {
    let (issuer, v) = setup().await;
    let keys = test_keys();
    for key in [&keys.rsa, &keys.ec, &keys.ed] {
        let token = key.sign_at(&issuer.claims("alice", "openid courses:read"));
        let claims = v.validate(&token).await.expect("valid token");
        assert_eq!(claims.sub, "alice");
        assert!(claims.is_user());
        assert!(claims.has_scope("courses:read"));
        assert!(!claims.has_scope("courses:write"));
    }
    // `aud` as an array, `typ` in its media-type spelling, client-credentials token.
    let mut c = issuer.claims("test-client", "courses:read");
    c["aud"] = json!(["other", AUDIENCE]);
    let token = keys.ec.sign(Some("application/at+jwt"), &c);
    let claims = v.validate(&token).await.expect("array aud");
    assert!(!claims.is_user());
}

#[tokio::test]
async fn time_and_audience_and_issuer_checks() {
    let (issuer, v) = setup().await;
    let key = &test_keys().ec;
    let mut c = issuer.claims("alice", "courses:read");
    c["exp"] = json!(now() - 120);
    assert_eq!(invalid(v.validate(&key.sign_at(&c)).await), "token expired");

    let mut c = issuer.claims("alice", "courses:read");
    c["nbf"] = json!(now() + 300);
    assert_eq!(
        invalid(v.validate(&key.sign_at(&c)).await),
        "token not yet valid"
    );

    // Within the leeway, a slightly future nbf is fine.
    let mut c = issuer.claims("alice", "courses:read");
    c["nbf"] = json!(now() + 5);
    assert!(v.validate(&key.sign_at(&c)).await.is_ok());

    let mut c = issuer.claims("alice", "courses:read");
    c["aud"] = json!("someone-else");
    assert_eq!(
        invalid(v.validate(&key.sign_at(&c)).await),
        "wrong audience"
    );

    let mut c = issuer.claims("alice", "courses:read");
    c["iss"] = json!(format!("{}/", issuer.url));
    assert_eq!(invalid(v.validate(&key.sign_at(&c)).await), "wrong issuer");

    let mut c = issuer.claims("alice", "courses:read");
    c.as_object_mut().map(|o| o.remove("exp"));
    assert!(v.validate(&key.sign_at(&c)).await.is_err());
}

#[tokio::test]
async fn algorithm_attacks_fail() {
    let (issuer, v) = setup().await;
    let keys = test_keys();
    let claims = issuer.claims("mallory", "courses:read courses:write");

    // alg: none, no signature.
    let header = B64.encode(br#"{"alg":"none","typ":"at+jwt","kid":"ec-1"}"#);
    let payload = B64.encode(claims.to_string());
    assert!(v.validate(&format!("{header}.{payload}.")).await.is_err());

    // HS256 keyed with the RSA public key (the classic confusion attack).
    let jwk = keys.rsa.jwk();
    let public = serde_json::to_vec(&jwk).expect("jwk json");
    let mut h = Header::new(Algorithm::HS256);
    h.typ = Some("at+jwt".into());
    h.kid = Some("rsa-1".into());
    let forged =
        jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(&public)).expect("hs256 sign");
    assert_eq!(
        invalid(v.validate(&forged).await),
        "algorithm does not match the key"
    );

    // A real ES256 signature presented under the RSA key's kid.
    let mut h = Header::new(Algorithm::ES256);
    h.typ = Some("at+jwt".into());
    h.kid = Some("rsa-1".into());
    let swapped = jsonwebtoken::encode(&h, &claims, &keys.ec.encoding).expect("sign");
    assert!(v.validate(&swapped).await.is_err());
}

#[tokio::test]
async fn tampered_payload_and_wrong_typ_fail() {
    let (issuer, v) = setup().await;
    let key = &test_keys().rsa;
    let token = key.sign_at(&issuer.claims("alice", "courses:read"));
    let parts: Vec<&str> = token.split('.').collect();
    let evil = issuer.claims("admin", "courses:read courses:write");
    let tampered = format!("{}.{}.{}", parts[0], B64.encode(evil.to_string()), parts[2]);
    assert_eq!(invalid(v.validate(&tampered).await), "bad signature");

    // An ID token (typ JWT) and an untyped token are not access tokens.
    let claims = issuer.claims("alice", "openid");
    assert!(v.validate(&key.sign(Some("JWT"), &claims)).await.is_err());
    assert!(v.validate(&key.sign(None, &claims)).await.is_err());
    assert!(v.validate("not a jwt").await.is_err());
    // A critical header extension we do not understand.
    let mut h = jsonwebtoken::Header::new(key.alg);
    h.typ = Some("at+jwt".into());
    h.kid = Some(key.kid.clone());
    h.crit = Some(vec!["exp-ext".into()]);
    let crit = jsonwebtoken::encode(&h, &claims, &key.encoding).expect("sign");
    assert_eq!(
        invalid(v.validate(&crit).await),
        "unsupported critical header"
    );
    assert!(v.validate("").await.is_err());
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval() {
    let (issuer, v) = setup().await;
    assert_eq!(issuer.jwks_fetches(), 1);
    let claims = issuer.claims("alice", "courses:read");
    let mut tasks = Vec::new();
    for i in 0..50 {
        let bogus = TestKey {
            kid: format!("bogus-{i}"),
            ..TestKey::ec("unused")
        };
        let token = bogus.sign_at(&claims);
        let v = v.clone();
        tasks.push(tokio::spawn(async move { v.validate(&token).await }));
    }
    for t in tasks {
        let r = t.await.expect("task");
        assert_eq!(invalid(r), "unknown signing key");
    }
    // The initial fetch plus at most one refetch for the whole flood.
    assert!(
        issuer.jwks_fetches() <= 2,
        "fetches: {}",
        issuer.jwks_fetches()
    );
}

#[tokio::test]
async fn rotated_key_is_picked_up() {
    let (issuer, v) = setup().await;
    let new_key = TestKey::ed("ed-2");
    issuer.add_key(new_key.jwk());
    let token = new_key.sign_at(&issuer.claims("alice", "courses:read"));
    assert!(v.validate(&token).await.is_ok());
    assert_eq!(issuer.jwks_fetches(), 2);
}

#[tokio::test]
async fn cached_keys_survive_an_issuer_outage() {
    let (mut issuer, v) = setup().await;
    let claims = issuer.claims("alice", "courses:read");
    issuer.stop().await;
    let token = test_keys().ed.sign_at(&claims);
    assert!(v.validate(&token).await.is_ok());
    // An unknown kid while the issuer is down fails cleanly.
    let stranger = TestKey::ec("stranger");
    assert!(v.validate(&stranger.sign_at(&claims)).await.is_err());
    assert!(v.validate(&token).await.is_ok());
}

#[tokio::test]
async fn discovery_rejects_mismatched_issuer_and_dead_issuer() {
    let issuer = FakeIssuer::start().await;
    // Same server, but we claim a different issuer name: the document disagrees.
    let other = issuer.url.replace("127.0.0.1", "localhost");
    assert!(Validator::discover(&other, AUDIENCE).await.is_err());
    assert!(
        Validator::discover("http://127.0.0.1:9", AUDIENCE)
            .await
            .is_err()
    );
    // A trailing slash on the configured issuer is tolerated.
    assert!(
        Validator::discover(&format!("{}/", issuer.url), AUDIENCE)
            .await
            .is_ok()
    );
}

/// The "validate Belf tokens in 10 lines" example of the README, run for real.
mod readme_example {
    use axum::{Router, extract::FromRef, routing::get};
    use belf::validator::{Authenticated, BearerError, Validator};

    use crate::support::{AUDIENCE, FakeIssuer, TokenSource};

    #[derive(Clone, FromRef)]
    struct AppState {
        validator: Validator,
    }

    async fn me(auth: Authenticated) -> Result<String, BearerError> {
        auth.require_scope("courses:read")?;
        Ok(format!("hello {}", auth.sub))
    }

    #[tokio::test]
    async fn ten_line_service_works() {
        let issuer = FakeIssuer::start().await;
        let validator = Validator::discover(&issuer.url, AUDIENCE)
            .await
            .expect("discover");
        let app = Router::new()
            .route("/me", get(me))
            .with_state(AppState { validator });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/me", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });

        let http = reqwest::Client::new();
        let ok = issuer.token(Some("alice"), &["courses:read"]).await;
        let resp = http.get(&url).bearer_auth(ok).send().await.expect("sent");
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.text().await.expect("text"), "hello alice");

        let no_scope = issuer.token(Some("alice"), &["openid"]).await;
        let resp = http
            .get(&url)
            .bearer_auth(no_scope)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 403);
        let resp = http.get(&url).send().await.expect("sent");
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()["www-authenticate"], "Bearer realm=\"belf\"");
    }
}

/// A manual clock starting now (so tokens stamped with the wall clock are valid), to be
/// moved forward instead of sleeping.
fn manual_clock() -> Clock {
    Clock::manual_at_system_time()
}

#[tokio::test]
async fn withdrawn_key_stops_working_after_max_age() {
    let clock = manual_clock();
    let max_age = std::time::Duration::from_secs(300);
    let (issuer, v) = setup_with(belf::validator::ValidatorOptions {
        jwks_max_age: max_age,
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    let claims = issuer.claims("alice", "courses:read");
    let token = test_keys().rsa.sign_at(&claims);
    assert!(v.validate(&token).await.is_ok());
    issuer.remove_key("rsa-1");
    // Within the max age the cached key set is trusted as it is.
    assert!(v.validate(&token).await.is_ok());
    assert_eq!(issuer.jwks_fetches(), 1);
    clock.advance(max_age);
    assert_eq!(invalid(v.validate(&token).await), "unknown signing key");
    assert_eq!(issuer.jwks_fetches(), 2);
    // The other keys are still there.
    let token = test_keys().ec.sign_at(&claims);
    assert!(v.validate(&token).await.is_ok());
}

#[tokio::test]
async fn an_unknown_kid_may_refetch_again_once_the_interval_has_passed() {
    let clock = manual_clock();
    let interval = std::time::Duration::from_secs(10);
    let (issuer, v) = setup_with(belf::validator::ValidatorOptions {
        refetch_interval: interval,
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    let claims = issuer.claims("alice", "courses:read");
    let stranger = TestKey::ec("stranger").sign_at(&claims);
    assert_eq!(invalid(v.validate(&stranger).await), "unknown signing key");
    assert_eq!(issuer.jwks_fetches(), 2);
    clock.advance(interval - std::time::Duration::from_millis(1));
    assert_eq!(invalid(v.validate(&stranger).await), "unknown signing key");
    assert_eq!(issuer.jwks_fetches(), 2, "refetched within the interval");
    clock.advance(std::time::Duration::from_millis(1));
    assert_eq!(invalid(v.validate(&stranger).await), "unknown signing key");
    assert_eq!(issuer.jwks_fetches(), 3);
}

#[tokio::test]
async fn a_cached_token_still_expires_on_time() {
    let clock = manual_clock();
    let (issuer, v) = setup_with(belf::validator::ValidatorOptions {
        leeway: std::time::Duration::ZERO,
        clock: clock.clone(),
        ..Default::default()
    })
    .await;
    let mut c = issuer.claims("alice", "courses:read");
    c["exp"] = json!(clock.now() + 1);
    for key in [&test_keys().ec, &test_keys().rsa] {
        let token = key.sign_at(&c);
        // Twice: the second answer comes from the verified-token cache.
        assert!(v.validate(&token).await.is_ok());
        assert!(v.validate(&token).await.is_ok());
    }
    // Still valid in its last second, expired the second after.
    clock.advance(std::time::Duration::from_secs(1));
    for key in [&test_keys().ec, &test_keys().rsa] {
        assert!(v.validate(&key.sign_at(&c)).await.is_ok());
    }
    clock.advance(std::time::Duration::from_secs(1));
    for key in [&test_keys().ec, &test_keys().rsa] {
        assert_eq!(invalid(v.validate(&key.sign_at(&c)).await), "token expired");
    }
}

#[tokio::test]
async fn a_cached_token_is_not_valid_for_another_audience_or_after_tampering() {
    let (issuer, v) = setup().await;
    let other = Validator::discover(&issuer.url, "another-service")
        .await
        .expect("discover");
    let token = test_keys()
        .ed
        .sign_at(&issuer.claims("alice", "courses:read"));
    assert!(v.validate(&token).await.is_ok());
    assert!(v.validate(&token).await.is_ok());
    // Each validator keeps its own cache: another audience still says no.
    assert_eq!(invalid(other.validate(&token).await), "wrong audience");
    // One changed character is another token: verified from scratch, and refused.
    let (head, sig) = token.rsplit_once('.').expect("jws");
    let mut sig = sig.to_owned();
    let last = if sig.ends_with('A') { "B" } else { "A" };
    sig.replace_range(sig.len() - 1.., last);
    assert!(v.validate(&format!("{head}.{sig}")).await.is_err());
}
