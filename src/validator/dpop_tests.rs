use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use super::*;

const URL: &str = "https://rs.example/api/courses";
const NOW: i64 = 1_800_000_000;

struct Key {
    signing: EncodingKey,
    public: Value,
}

fn es256() -> Key {
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let point = pair.public_key().as_ref();
    Key {
        signing: EncodingKey::from_ec_der(pkcs8.as_ref()),
        public: json!({
            "kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        }),
    }
}

fn proof_with(key: &Key, jwk: Value, typ: &str, claims: Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some(typ.to_owned());
    header.jwk = Some(serde_json::from_value::<Jwk>(jwk).unwrap());
    jsonwebtoken::encode(&header, &claims, &key.signing).unwrap()
}

fn claims() -> Value {
    json!({"jti": "j1", "htm": "GET", "htu": URL, "iat": NOW, "ath": access_token_hash("tok")})
}

fn req() -> ProofRequirements<'static> {
    ProofRequirements {
        method: "GET",
        url: URL,
        access_token: Some("tok"),
        now: NOW,
        max_age_secs: 60,
        leeway_secs: 5,
    }
}

#[test]
fn a_good_proof_yields_its_key_thumbprint() {
    let key = es256();
    let proof = proof_with(&key, key.public.clone(), "dpop+jwt", claims());
    let verified = verify_proof(&proof, &req()).unwrap();
    let jwk: Jwk = serde_json::from_value(key.public.clone()).unwrap();
    assert_eq!(
        verified.jkt,
        jwk.thumbprint(ThumbprintHash::SHA256).unwrap()
    );
    assert_eq!(verified.jti, "j1");
    // The query of the request URL does not matter (RFC 9449 §4.3).
    let with_query = ProofRequirements {
        url: "https://rs.example/api/courses?page=2",
        ..req()
    };
    assert!(verify_proof(&proof, &with_query).is_ok());
}

#[test]
fn every_broken_rule_is_refused() {
    let key = es256();
    let other = es256();
    let good = claims();
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "wrong typ",
            proof_with(&key, key.public.clone(), "JWT", good.clone()),
        ),
        (
            "wrong htm",
            proof_with(
                &key,
                key.public.clone(),
                "dpop+jwt",
                with("htm", json!("POST")),
            ),
        ),
        (
            "wrong htu",
            proof_with(
                &key,
                key.public.clone(),
                "dpop+jwt",
                with("htu", json!("https://rs.example/api/todos")),
            ),
        ),
        (
            "stale iat",
            proof_with(
                &key,
                key.public.clone(),
                "dpop+jwt",
                with("iat", json!(NOW - 61)),
            ),
        ),
        (
            "future iat",
            proof_with(
                &key,
                key.public.clone(),
                "dpop+jwt",
                with("iat", json!(NOW + 6)),
            ),
        ),
        (
            "wrong ath",
            proof_with(
                &key,
                key.public.clone(),
                "dpop+jwt",
                with("ath", json!(access_token_hash("other"))),
            ),
        ),
        (
            "no ath",
            proof_with(
                &key,
                key.public.clone(),
                "dpop+jwt",
                json!({"jti": "j", "htm": "GET", "htu": URL, "iat": NOW}),
            ),
        ),
        (
            "no jti",
            proof_with(
                &key,
                key.public.clone(),
                "dpop+jwt",
                json!({"htm": "GET", "htu": URL, "iat": NOW, "ath": access_token_hash("tok")}),
            ),
        ),
        // Signed by one key, naming another.
        (
            "foreign jwk",
            proof_with(&key, other.public.clone(), "dpop+jwt", good.clone()),
        ),
    ];
    for (name, proof) in cases {
        assert!(verify_proof(&proof, &req()).is_err(), "{name} was accepted");
    }
    // A private key in the header.
    let mut private = key.public.clone();
    private["d"] = json!("jpsQnnGQmL-YBIffH1136cLyUbFnaMf-eDvBtaAhY5s");
    let raw_header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": private});
    let good_proof = proof_with(&key, key.public.clone(), "dpop+jwt", good.clone());
    let (_, rest) = good_proof.split_once('.').unwrap();
    let forged = format!(
        "{}.{rest}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&raw_header).unwrap())
    );
    assert_eq!(
        verify_proof(&forged, &req()).unwrap_err(),
        ProofError("proof jwk must be a public key")
    );
    // HS256 and none are not proof algorithms.
    for alg in ["HS256", "none"] {
        let raw_header = json!({"typ": "dpop+jwt", "alg": alg, "jwk": key.public});
        let forged = format!(
            "{}.{rest}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&raw_header).unwrap())
        );
        assert!(verify_proof(&forged, &req()).is_err(), "{alg}");
    }
}

#[test]
fn the_replay_cache_accepts_each_key_once_until_it_expires() {
    let cache = ReplayCache::new(2);
    assert!(cache.first_use("a".into(), 100, 0));
    assert!(!cache.first_use("a".into(), 100, 50));
    assert!(cache.first_use("b".into(), 100, 50));
    // Full of live entries: refused rather than forgetting one.
    assert!(!cache.first_use("c".into(), 100, 60));
    // Once they expire there is room again, and the old key may come back.
    assert!(cache.first_use("c".into(), 300, 150));
    assert!(cache.first_use("a".into(), 300, 150));
}
