//! Signing keys: generated into `keys/` on first start, loaded once, published as a JWKS.
//!
//! Files are PKCS#8 PEM named `<alg>-<unix time>.pem` (mode 0600). The newest file per
//! algorithm signs; every file's public half stays in the JWKS, so tokens signed before a
//! rotation still verify until the old file is removed. Key generation uses aws-lc-rs, the
//! same backend `jsonwebtoken` signs with (one crypto stack for the whole binary).

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, anyhow};
use aws_lc_rs::encoding::AsDer;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand::RngCore;

use crate::config::SigningAlg;

/// One loaded signing key. Deliberately not `Debug`: it holds private key material.
pub struct SigningKey {
    pub kid: String,
    pub alg: SigningAlg,
    /// The private key parsed once (aws-lc). `jsonwebtoken::encode` would re-parse the
    /// PKCS#8 document on every call, which doubled the cost of an ES256 token.
    signer: Signer,
    /// The public key parsed once, for verifying our own tokens.
    verifier: aws_lc_rs::signature::ParsedPublicKey,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    pub jwk: Jwk,
    pub path: PathBuf,
    pub created: u64,
}

enum Signer {
    Rsa(aws_lc_rs::signature::RsaKeyPair),
    Ec(aws_lc_rs::signature::EcdsaKeyPair),
    Ed(aws_lc_rs::signature::Ed25519KeyPair),
}

impl SigningKey {
    pub fn algorithm(&self) -> Algorithm {
        jwt_algorithm(self.alg)
    }

    /// Checks a raw JWS signature made by this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verifier.verify_sig(message, signature).is_ok()
    }

    /// The raw JWS signature of `message` (RS256: PKCS#1 v1.5; ES256: fixed r||s; EdDSA).
    pub fn sign(&self, message: &[u8]) -> anyhow::Result<Vec<u8>> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match &self.signer {
            Signer::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &rng,
                    message,
                    &mut sig,
                )
                .map_err(|_| anyhow!("RSA signing failed"))?;
                Ok(sig)
            }
            Signer::Ec(k) => Ok(k
                .sign(&rng, message)
                .map_err(|_| anyhow!("ECDSA signing failed"))?
                .as_ref()
                .to_vec()),
            Signer::Ed(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }
}

fn parse_signer(alg: SigningAlg, der: &[u8]) -> anyhow::Result<Signer> {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, RsaKeyPair,
    };
    Ok(match alg {
        SigningAlg::RS256 => {
            Signer::Rsa(RsaKeyPair::from_pkcs8(der).map_err(|e| anyhow!("RSA key: {e}"))?)
        }
        SigningAlg::ES256 => Signer::Ec(
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                .map_err(|e| anyhow!("EC key: {e}"))?,
        ),
        SigningAlg::EdDSA => {
            Signer::Ed(Ed25519KeyPair::from_pkcs8(der).map_err(|e| anyhow!("Ed25519 key: {e}"))?)
        }
    })
}

fn parse_verifier(signer: &Signer) -> anyhow::Result<aws_lc_rs::signature::ParsedPublicKey> {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ED25519, KeyPair, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256,
    };
    let parsed = match signer {
        Signer::Rsa(k) => {
            ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, k.public_key().as_ref())
        }
        Signer::Ec(k) => ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, k.public_key().as_ref()),
        Signer::Ed(k) => ParsedPublicKey::new(&ED25519, k.public_key().as_ref()),
    };
    parsed.map_err(|e| anyhow!("public key: {e}"))
}

/// A JWS in compact serialisation, signed with the pre-parsed key.
pub fn encode_jwt<T: serde::Serialize>(
    header: &jsonwebtoken::Header,
    claims: &T,
    key: &SigningKey,
) -> anyhow::Result<String> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut out = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header)?);
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?));
    let sig = key.sign(out.as_bytes())?;
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(sig));
    Ok(out)
}

pub fn jwt_algorithm(alg: SigningAlg) -> Algorithm {
    match alg {
        SigningAlg::RS256 => Algorithm::RS256,
        SigningAlg::ES256 => Algorithm::ES256,
        SigningAlg::EdDSA => Algorithm::EdDSA,
    }
}

/// All keys, the active one per algorithm, the JWKS serialised once, and the secret that
/// signs CSRF tokens. Built once at start and shared read-only.
pub struct KeyRing {
    keys: Vec<Arc<SigningKey>>,
    by_kid: HashMap<String, Arc<SigningKey>>,
    active: HashMap<&'static str, Arc<SigningKey>>,
    /// Serialised once at load; handing it out is a refcount bump.
    jwks_json: Arc<str>,
    cookie_secret: [u8; 32],
}

impl KeyRing {
    /// Loads every key in `dir`, generating one per algorithm (and the cookie secret) if
    /// missing.
    pub fn load_or_generate(dir: &Path) -> anyhow::Result<KeyRing> {
        fs::create_dir_all(dir).with_context(|| format!("creating keys dir {}", dir.display()))?;
        let mut keys = load_all(dir)?;
        for alg in SigningAlg::ALL {
            if !keys.iter().any(|k| k.alg == alg) {
                let path = generate(dir, alg)?;
                keys.push(Arc::new(load_key(&path)?));
            }
        }
        let cookie_secret = load_or_generate_secret(&dir.join("cookie.key"))?;
        Self::from_keys(keys, cookie_secret)
    }

    fn from_keys(mut keys: Vec<Arc<SigningKey>>, cookie_secret: [u8; 32]) -> anyhow::Result<Self> {
        keys.sort_by(|a, b| b.created.cmp(&a.created).then(a.kid.cmp(&b.kid)));
        let mut active = HashMap::new();
        let mut by_kid = HashMap::new();
        for key in &keys {
            active
                .entry(key.alg.as_str())
                .or_insert_with(|| key.clone());
            by_kid.insert(key.kid.clone(), key.clone());
        }
        let set = JwkSet {
            keys: keys.iter().map(|k| k.jwk.clone()).collect(),
        };
        let jwks_json: Arc<str> = serde_json::to_string(&set)?.into();
        Ok(KeyRing {
            keys,
            by_kid,
            active,
            jwks_json,
            cookie_secret,
        })
    }

    /// The key that signs new tokens with `alg`.
    pub fn active(&self, alg: SigningAlg) -> anyhow::Result<&Arc<SigningKey>> {
        self.active
            .get(alg.as_str())
            .ok_or_else(|| anyhow!("no {} signing key", alg.as_str()))
    }

    pub fn by_kid(&self, kid: &str) -> Option<&Arc<SigningKey>> {
        self.by_kid.get(kid)
    }

    pub fn all(&self) -> &[Arc<SigningKey>] {
        &self.keys
    }

    /// `{"keys":[...]}` — public halves only (`Jwk::from_encoding_key` drops private parts).
    pub fn jwks_json(&self) -> Arc<str> {
        self.jwks_json.clone()
    }

    pub fn cookie_secret(&self) -> &[u8; 32] {
        &self.cookie_secret
    }
}

fn load_all(dir: &Path) -> anyhow::Result<Vec<Arc<SigningKey>>> {
    let mut keys = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "pem") {
            keys.push(Arc::new(load_key(&path)?));
        }
    }
    Ok(keys)
}

/// `rs256-1764170000.pem` → (RS256, 1764170000).
fn parse_file_name(path: &Path) -> anyhow::Result<(SigningAlg, u64)> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| anyhow!("bad key file name {}", path.display()))?;
    let (alg, created) = stem
        .split_once('-')
        .ok_or_else(|| anyhow!("key file {} is not named <alg>-<time>.pem", path.display()))?;
    let alg = SigningAlg::ALL
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(alg))
        .ok_or_else(|| anyhow!("unknown algorithm in key file name {}", path.display()))?;
    let created = created
        .parse()
        .with_context(|| format!("bad time in key file name {}", path.display()))?;
    Ok((alg, created))
}

pub fn load_key(path: &Path) -> anyhow::Result<SigningKey> {
    let (alg, created) = parse_file_name(path)?;
    let pem = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let encoding = match alg {
        SigningAlg::RS256 => EncodingKey::from_rsa_pem(&pem),
        SigningAlg::ES256 => EncodingKey::from_ec_pem(&pem),
        SigningAlg::EdDSA => EncodingKey::from_ed_pem(&pem),
    }
    .with_context(|| format!("parsing {}", path.display()))?;
    let mut jwk = Jwk::from_encoding_key(&encoding, jwt_algorithm(alg))
        .with_context(|| format!("public key of {}", path.display()))?;
    // RFC 7638 thumbprint: stable across restarts and instances, distinct per key.
    let kid = jwk.thumbprint(ThumbprintHash::SHA256)?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(match alg {
        SigningAlg::RS256 => KeyAlgorithm::RS256,
        SigningAlg::ES256 => KeyAlgorithm::ES256,
        SigningAlg::EdDSA => KeyAlgorithm::EdDSA,
    });
    let decoding = DecodingKey::from_jwk(&jwk)?;
    let der = pem::parse(&pem).with_context(|| format!("PEM in {}", path.display()))?;
    let signer =
        parse_signer(alg, der.contents()).with_context(|| format!("parsing {}", path.display()))?;
    let verifier = parse_verifier(&signer)?;
    Ok(SigningKey {
        kid,
        alg,
        signer,
        verifier,
        encoding,
        decoding,
        jwk,
        path: path.to_owned(),
        created,
    })
}

/// Writes a new private key for `alg` into `dir` and returns its path.
pub fn generate(dir: &Path, alg: SigningAlg) -> anyhow::Result<PathBuf> {
    let der: Vec<u8> = match alg {
        SigningAlg::RS256 => aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| anyhow!("RSA key generation failed"))?
            .as_der()
            .map_err(|_| anyhow!("RSA key encoding failed"))?
            .as_ref()
            .to_vec(),
        SigningAlg::ES256 => aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .and_then(|k| k.to_pkcs8v1())
        .map_err(|_| anyhow!("EC key generation failed"))?
        .as_ref()
        .to_vec(),
        SigningAlg::EdDSA => aws_lc_rs::signature::Ed25519KeyPair::generate()
            .and_then(|k| k.to_pkcs8v1())
            .map_err(|_| anyhow!("Ed25519 key generation failed"))?
            .as_ref()
            .to_vec(),
    };
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 / 1000)
        .unwrap_or(0);
    let path = dir.join(format!("{}-{now}.pem", alg.as_str().to_ascii_lowercase()));
    write_private(&path, pem.as_bytes())?;
    Ok(path)
}

fn load_or_generate_secret(path: &Path) -> anyhow::Result<[u8; 32]> {
    if let Ok(bytes) = fs::read(path) {
        return bytes
            .try_into()
            .map_err(|_| anyhow!("{} must hold exactly 32 bytes", path.display()));
    }
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    write_private(path, &secret)?;
    Ok(secret)
}

/// Creates `path` with mode 0600 (never readable by other users), failing if it exists.
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_loads_and_publishes_distinct_public_keys() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::load_or_generate(dir.path()).unwrap();
        assert_eq!(ring.all().len(), 3);
        let jwks: serde_json::Value = serde_json::from_str(&ring.jwks_json()).unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        let kids: std::collections::HashSet<_> = keys.iter().map(|k| k["kid"].clone()).collect();
        assert_eq!(kids.len(), 3);
        for k in keys {
            assert!(k.get("d").is_none(), "private part leaked: {k}");
            assert!(k.get("p").is_none());
        }
        #[cfg(unix)]
        for key in ring.all() {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&key.path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second start loads the same keys instead of generating new ones.
        let again = KeyRing::load_or_generate(dir.path()).unwrap();
        for alg in SigningAlg::ALL {
            assert_eq!(
                ring.active(alg).unwrap().kid,
                again.active(alg).unwrap().kid
            );
        }
        // Each key signs (pre-parsed aws-lc path) and its published half verifies.
        for key in ring.all() {
            use base64::Engine;
            let sig = key.sign(b"m").unwrap();
            assert!(key.verify(b"m", &sig));
            assert!(
                !key.verify(b"n", &sig),
                "pre-parsed verifier refuses another message"
            );
            let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig);
            assert!(
                jsonwebtoken::crypto::verify(&sig, b"m", &key.decoding, key.algorithm()).unwrap()
            );
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
}
