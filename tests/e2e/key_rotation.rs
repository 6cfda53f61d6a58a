//! Keys that rotate without a restart, with two identity-server instances on one database
//! and key folder and the todo service's validator watching: `belf keys rotate` publishes
//! the new key before anyone signs with it; after the pre-publication delay both instances
//! sign with it; the validator accepts tokens of both keys through the change; the old key
//! leaves the JWKS once every token it signed has expired. Time moves on a manual clock.

use std::time::{Duration, Instant};

use belf::validator::{Validator, ValidatorOptions};
use serde_json::Value;

use crate::support::TestAuth;
use crate::support::jwt::unverified_claims;
use crate::support::token::client_credentials;

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .expect("a JWS")
        .kid
        .expect("kid")
}

async fn published(server: &TestAuth) -> Vec<String> {
    let jwks: Value = reqwest::get(server.url("/jwks.json"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid").to_owned())
        .collect()
}

async fn access_token(server: &TestAuth, client: (&str, &str)) -> String {
    client_credentials(&server.base, client, Some("courses:read"))
        .await
        .access_token()
}

#[tokio::test]
async fn a_rotated_key_is_published_first_then_signs_everywhere_then_the_old_one_retires() {
    let a = TestAuth::spawn_on_manual_clock(&[("BELF_KEYS__RELOAD_INTERVAL_SECS", "1")]).await;
    let b = a.spawn_replica().await;
    let (id, secret) = a.service_client().await;
    let client = (id.as_str(), secret.as_str());
    let validator = Validator::discover_with(
        &a.base,
        "belf-todo",
        ValidatorOptions {
            clock: a.clock.clone(),
            refetch_interval: Duration::from_secs(1),
            ..ValidatorOptions::default()
        },
    )
    .await
    .expect("validator discovers the issuer");

    let before = access_token(&a, client).await;
    let old_kid = kid_of(&before);
    assert_eq!(kid_of(&access_token(&b, client).await), old_kid);
    validator.validate(&before).await.expect("valid before");

    // The administrator rotates the access-token key (ES256) beside the running servers.
    let rotated = a
        .cli_json(&["keys", "rotate", "--alg", "ES256"], None)
        .await;
    let new_kid = rotated[0]["kid"].as_str().expect("new kid").to_owned();
    assert_eq!(rotated[0]["state"], "next", "{rotated}");
    assert_ne!(new_kid, old_kid);

    // Both instances publish it within their reload interval — and sign with neither yet.
    let deadline = Instant::now() + Duration::from_secs(10);
    for server in [&a, &b] {
        while !published(server).await.contains(&new_kid) {
            assert!(Instant::now() < deadline, "new key never published");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(kid_of(&access_token(server, client).await), old_kid);
    }
    let listed = a.cli_json(&["keys", "list"], None).await;
    let state_of = |kid: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid)
            .map(|k| k["state"].as_str().unwrap().to_owned())
    };
    assert_eq!(state_of(&new_kid).as_deref(), Some("next"), "{listed}");
    assert_eq!(state_of(&old_kid).as_deref(), Some("active"), "{listed}");
    let new_entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == new_kid.as_str())
        .unwrap();
    assert_eq!(
        new_entry["activates_at"]["unix"].as_i64(),
        new_entry["created_at"]["unix"].as_i64().map(|c| c + 300),
        "signs pre_publication_secs after creation: {new_entry}"
    );

    // The pre-publication delay passes: both instances sign with the new key, no restart.
    // (The key is dated by the CLI's wall clock, a little after the servers' manual one.)
    let activates_at = new_entry["activates_at"]["unix"].as_i64().unwrap();
    assert!(
        activates_at > a.clock.now() + 290,
        "not signing for minutes"
    );
    a.clock
        .advance(Duration::from_secs((activates_at - a.clock.now()) as u64));
    let after_a = access_token(&a, client).await;
    let after_b = access_token(&b, client).await;
    assert_eq!(kid_of(&after_a), new_kid);
    assert_eq!(kid_of(&after_b), new_kid);
    // The validator accepts both keys' tokens through the change.
    validator.validate(&after_a).await.expect("new key's token");
    validator.validate(&after_b).await.expect("new key's token");
    validator
        .validate(&before)
        .await
        .expect("old key's token, still unexpired");
    // The retiring key stays published until its last token has expired…
    for server in [&a, &b] {
        let kids = published(server).await;
        assert!(
            kids.contains(&old_kid) && kids.contains(&new_kid),
            "{kids:?}"
        );
    }
    let last_exp = unverified_claims(&before)["exp"].as_i64().unwrap();
    // …which is at most max(access, ID token lifetime) = 3600 s after it stopped signing.
    a.clock.advance(Duration::from_secs(3600));
    assert!(a.clock.now() > last_exp);
    for server in [&a, &b] {
        let kids = published(server).await;
        assert!(
            !kids.contains(&old_kid),
            "retired key still published: {kids:?}"
        );
        assert!(kids.contains(&new_kid));
    }
}

#[tokio::test]
async fn the_id_token_key_rotates_the_same_way() {
    let a = TestAuth::spawn_on_manual_clock(&[("BELF_KEYS__RELOAD_INTERVAL_SECS", "1")]).await;
    let rotated = a
        .cli_json(&["keys", "rotate", "--alg", "RS256"], None)
        .await;
    let new_kid = rotated[0]["kid"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !published(&a).await.contains(&new_kid) {
        assert!(Instant::now() < deadline, "new key never published");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let now = a.clock.now();
    assert_ne!(
        a.ctx
            .keys
            .signing_key(belf::config::SigningAlg::RS256, now)
            .unwrap()
            .kid,
        new_kid
    );
    let activates_at = rotated[0]["activates_at"]["unix"].as_i64().unwrap();
    a.clock
        .advance(Duration::from_secs((activates_at - a.clock.now()) as u64));
    assert_eq!(
        a.ctx
            .keys
            .signing_key(belf::config::SigningAlg::RS256, a.clock.now())
            .unwrap()
            .kid,
        new_kid
    );
}
