//! Signing keys for tokens the tests forge (RS256, ES256, EdDSA), generated once per test
//! run because RSA generation is the slow part.

use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

pub struct TestKey {
    pub kid: String,
    pub alg: Algorithm,
    pub encoding: EncodingKey,
}

impl TestKey {
    pub fn rsa(kid: &str) -> TestKey {
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .expect("rsa keygen");
        let der = pair.as_der().expect("rsa der");
        let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));
        TestKey {
            kid: kid.to_owned(),
            alg: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(pem.as_bytes()).expect("rsa pem"),
        }
    }

    pub fn ec(kid: &str) -> TestKey {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("ec keygen");
        let der = pair.to_pkcs8v1().expect("ec pkcs8");
        TestKey {
            kid: kid.to_owned(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(der.as_ref()),
        }
    }

    pub fn ed(kid: &str) -> TestKey {
        let pair = Ed25519KeyPair::generate().expect("ed keygen");
        // v1 (no public key inside): jsonwebtoken derives the JWK from a 48-byte PKCS#8.
        let der = pair.to_pkcs8v1().expect("ed pkcs8");
        TestKey {
            kid: kid.to_owned(),
            alg: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(der.as_ref()),
        }
    }

    /// The public JWK as an issuer publishes it: `kid`, `alg`, `use: sig`.
    pub fn jwk(&self) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&self.encoding, self.alg).expect("jwk");
        jwk.common.key_id = Some(self.kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk
    }

    /// Signs `claims` as an RFC 9068 access token (`typ: at+jwt`).
    pub fn sign_at(&self, claims: &Value) -> String {
        self.sign(Some("at+jwt"), claims)
    }

    pub fn sign(&self, typ: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.typ = typ.map(str::to_owned);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("sign")
    }
}

pub struct TestKeys {
    pub rsa: TestKey,
    pub ec: TestKey,
    pub ed: TestKey,
}

pub fn test_keys() -> &'static TestKeys {
    static KEYS: OnceLock<TestKeys> = OnceLock::new();
    KEYS.get_or_init(|| TestKeys {
        rsa: TestKey::rsa("rsa-1"),
        ec: TestKey::ec("ec-1"),
        ed: TestKey::ed("ed-1"),
    })
}
