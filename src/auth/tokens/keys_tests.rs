use super::*;

const POLICY: KeyPolicy = KeyPolicy {
    pre_publication_secs: 300,
    retire_after_secs: 3600,
};
const NOW: i64 = 1_700_000_000;

#[test]
fn generates_loads_and_publishes_distinct_public_keys() {
    let dir = tempfile::tempdir().unwrap();
    let ring = KeyRing::load_or_generate(dir.path(), POLICY, NOW).unwrap();
    assert_eq!(ring.scheduled().len(), 3);
    let jwks: serde_json::Value = serde_json::from_slice(&ring.jwks_json(NOW)).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    let kids: std::collections::HashSet<_> = keys.iter().map(|k| k["kid"].clone()).collect();
    assert_eq!(kids.len(), 3);
    for k in keys {
        assert!(k.get("d").is_none(), "private part leaked: {k}");
        assert!(k.get("p").is_none());
    }
    #[cfg(unix)]
    for key in ring.scheduled().iter().map(|s| &s.key) {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second start loads the same keys instead of generating new ones.
    let again = KeyRing::load_or_generate(dir.path(), POLICY, NOW).unwrap();
    for alg in SigningAlg::ALL {
        assert_eq!(
            ring.signing_key(alg, NOW).unwrap().kid,
            again.signing_key(alg, NOW).unwrap().kid
        );
    }
    // Each key signs (pre-parsed aws-lc path) and its published half verifies.
    for key in ring.scheduled().iter().map(|s| &s.key) {
        use base64::Engine;
        let sig = key.sign(b"m").unwrap();
        assert!(key.verify(b"m", &sig));
        assert!(
            !key.verify(b"n", &sig),
            "pre-parsed verifier refuses another message"
        );
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig);
        assert!(jsonwebtoken::crypto::verify(&sig, b"m", &key.decoding, key.algorithm()).unwrap());
        let jwt = encode_jwt(
            &jsonwebtoken::Header::new(key.algorithm()),
            &serde_json::json!({"a": 1}),
            key,
        )
        .unwrap();
        let mut v = jsonwebtoken::Validation::new(key.algorithm());
        v.required_spec_claims.clear();
        v.validate_exp = false;
        jsonwebtoken::decode::<serde_json::Value>(&jwt, &key.decoding, &v).unwrap();
    }
}

#[test]
fn a_rotated_key_is_published_first_signs_after_the_delay_and_the_old_one_retires() {
    let dir = tempfile::tempdir().unwrap();
    // First keys are dated by the system clock; rotations here come after them.
    let now = crate::clock::Clock::system().now();
    let ring = KeyRing::load_or_generate(dir.path(), POLICY, now).unwrap();
    // A second instance on the same folder.
    let other = KeyRing::load_or_generate(dir.path(), POLICY, now).unwrap();
    let old = ring.signing_key(SigningAlg::ES256, now).unwrap();
    let published = |r: &KeyRing, now| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&r.jwks_json(now)).unwrap();
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    let t0 = now + 10;
    let new = ring.rotate(SigningAlg::ES256, t0).unwrap();
    assert!(published(&ring, t0).contains(&new.kid));
    assert_eq!(
        ring.signing_key(SigningAlg::ES256, t0).unwrap().kid,
        old.kid
    );
    // The other instance sees it at its next reload, still before it signs.
    assert!(!published(&other, t0).contains(&new.kid));
    assert!(other.reload(t0 + 5).unwrap());
    assert!(
        !other.reload(t0 + 6).unwrap(),
        "nothing new the second time"
    );
    assert!(published(&other, t0 + 5).contains(&new.kid));
    for r in [&ring, &other] {
        assert_eq!(
            r.signing_key(SigningAlg::ES256, t0 + 299).unwrap().kid,
            old.kid
        );
        assert_eq!(
            r.signing_key(SigningAlg::ES256, t0 + 300).unwrap().kid,
            new.kid
        );
        // Other algorithms are untouched.
        assert_eq!(r.scheduled().len(), 4);
        assert!(published(r, t0 + 300).contains(&old.kid), "retiring stays");
        assert!(r.by_kid(&old.kid).is_some());
        assert!(
            !published(r, t0 + 300 + 3600).contains(&old.kid),
            "retired leaves"
        );
        assert!(r.by_kid(&old.kid).is_none());
        let states: Vec<(String, KeyState)> = r
            .scheduled()
            .iter()
            .map(|s| (s.key.kid.clone(), s.dates.state(t0 + 300 + 3600)))
            .collect();
        assert!(states.contains(&(old.kid.clone(), KeyState::Retired)));
        assert!(states.contains(&(new.kid.clone(), KeyState::Active)));
    }
}

#[test]
fn a_scheduled_rotation_is_written_once_however_many_instances_are_due() {
    let dir = tempfile::tempdir().unwrap();
    let now = crate::clock::Clock::system().now();
    let a = KeyRing::load_or_generate(dir.path(), POLICY, now).unwrap();
    let b = KeyRing::load_or_generate(dir.path(), POLICY, now).unwrap();
    let day = 86_400;
    assert!(
        a.rotate_if_due(day, now + 10).unwrap().is_empty(),
        "not due"
    );
    let written = a.rotate_if_due(day, now + day + 10).unwrap();
    assert_eq!(written.len(), 3, "one per algorithm");
    // The other instance is due at the same moment but finds the rotation taken.
    assert!(b.rotate_if_due(day, now + day + 10).unwrap().is_empty());
    assert!(b.reload(now + day + 11).unwrap());
    assert_eq!(b.scheduled().len(), 6);
    for kid in &written {
        assert_eq!(
            b.scheduled()
                .iter()
                .find(|s| &s.key.kid == kid)
                .map(|s| s.dates.state(now + day + 11)),
            Some(KeyState::Next)
        );
    }
}
