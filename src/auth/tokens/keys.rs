//! Signing keys: generated into `keys/` on first start, loaded once, published as a JWKS.
//!
//! Files are PKCS#8 PEM named `<alg>-<unix time in µs>.pem` (mode 0600). Which key signs,
//! and which are published, follows from those dates (`key_schedule`): a new key is
//! published first and signs after a delay; a superseded one stays published until the
//! tokens it signed have expired. Key generation uses aws-lc-rs, the
//! same backend `jsonwebtoken` signs with (one crypto stack for the whole binary).

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::{Context, anyhow};
use aws_lc_rs::encoding::AsDer;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand::RngCore;

use super::key_schedule::schedule;
pub use super::key_schedule::{KeyDates, KeyPolicy, KeyState};
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
    /// From the file name: microseconds since the epoch (older files: seconds).
    pub created: u64,
}

enum Signer {
    Rsa(aws_lc_rs::signature::RsaKeyPair),
    Ec(aws_lc_rs::signature::EcdsaKeyPair),
    Ed(aws_lc_rs::signature::Ed25519KeyPair),
}

impl SigningKey {
    /// Creation time in Unix seconds. Files written before microsecond names hold seconds;
    /// no second count reaches 10^12 before the year 33000.
    pub fn created_secs(&self) -> i64 {
        let secs = if self.created >= 1_000_000_000_000 {
            self.created / 1_000_000
        } else {
            self.created
        };
        i64::try_from(secs).unwrap_or(i64::MAX)
    }

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

/// One key and its dates.
#[derive(Clone)]
pub struct ScheduledKey {
    pub key: Arc<SigningKey>,
    pub dates: KeyDates,
}

/// The keys as they stand at one moment: which signs, which are published (and their
/// JWKS, serialised once), and until when that holds.
struct KeyView {
    keys: Vec<ScheduledKey>,
    by_kid: HashMap<String, Arc<SigningKey>>,
    signing: HashMap<&'static str, Arc<SigningKey>>,
    jwks_json: Arc<[u8]>,
    /// The view holds for `now` in `[valid_from, valid_until)`.
    valid_from: i64,
    valid_until: i64,
}

impl KeyView {
    fn build(keys: Vec<Arc<SigningKey>>, policy: KeyPolicy, now: i64) -> anyhow::Result<Self> {
        let mut scheduled = Vec::with_capacity(keys.len());
        for alg in SigningAlg::ALL {
            let mut of_alg: Vec<&Arc<SigningKey>> = keys.iter().filter(|k| k.alg == alg).collect();
            of_alg.sort_by(|a, b| a.created.cmp(&b.created).then(a.kid.cmp(&b.kid)));
            let created: Vec<i64> = of_alg.iter().map(|k| k.created_secs()).collect();
            for (key, dates) in of_alg.into_iter().zip(schedule(&created, policy)) {
                scheduled.push(ScheduledKey {
                    key: key.clone(),
                    dates,
                });
            }
        }
        let mut signing = HashMap::new();
        let mut by_kid = HashMap::new();
        let mut published = Vec::new();
        for s in &scheduled {
            let state = s.dates.state(now);
            if state == KeyState::Active {
                signing.insert(s.key.alg.as_str(), s.key.clone());
            }
            if state.published() {
                by_kid.insert(s.key.kid.clone(), s.key.clone());
                published.push(s.key.jwk.clone());
            }
        }
        let valid_until = scheduled
            .iter()
            .filter_map(|s| s.dates.next_change(now))
            .min()
            .unwrap_or(i64::MAX);
        let jwks_json: Arc<[u8]> = serde_json::to_vec(&JwkSet { keys: published })?.into();
        Ok(KeyView {
            keys: scheduled,
            by_kid,
            signing,
            jwks_json,
            valid_from: now,
            valid_until,
        })
    }

    fn holds_at(&self, now: i64) -> bool {
        (self.valid_from..self.valid_until).contains(&now)
    }
}

/// Every key in the key folder with its schedule, and the secret that signs CSRF tokens.
/// Shared by the whole server; [`KeyRing::reload`] picks up keys other instances (or
/// `belf keys rotate`) wrote, without a restart. Which key signs is decided from the key
/// dates and `now` at every call, so instances switch at the same moment.
pub struct KeyRing {
    dir: PathBuf,
    policy: KeyPolicy,
    view: RwLock<Arc<KeyView>>,
    cookie_secret: [u8; 32],
}

impl KeyRing {
    /// Loads every key in `dir`, generating one per algorithm (and the cookie secret) if
    /// missing.
    pub fn load_or_generate(dir: &Path, policy: KeyPolicy, now: i64) -> anyhow::Result<KeyRing> {
        fs::create_dir_all(dir).with_context(|| format!("creating keys dir {}", dir.display()))?;
        let mut keys = load_all(dir, &HashMap::new())?;
        for alg in SigningAlg::ALL {
            if !keys.iter().any(|k| k.alg == alg) {
                let path = generate(dir, alg)?;
                keys.push(Arc::new(load_key(&path)?));
            }
        }
        let cookie_secret = load_or_generate_secret(&dir.join("cookie.key"))?;
        Ok(KeyRing {
            dir: dir.to_owned(),
            policy,
            view: RwLock::new(Arc::new(KeyView::build(keys, policy, now)?)),
            cookie_secret,
        })
    }

    /// The view for `now`, rebuilt (from keys already in memory) when a key changed state
    /// since the last one.
    fn view(&self, now: i64) -> Arc<KeyView> {
        let current = self.current();
        if current.holds_at(now) {
            return current;
        }
        let keys = current.keys.iter().map(|s| s.key.clone()).collect();
        match KeyView::build(keys, self.policy, now) {
            Ok(view) => {
                let view = Arc::new(view);
                *self.view.write().unwrap_or_else(|p| p.into_inner()) = view.clone();
                view
            }
            // Serialising a JWKS of keys that serialised before cannot fail; keep the old.
            Err(_) => current,
        }
    }

    fn current(&self) -> Arc<KeyView> {
        self.view.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Reads the key folder again: keys added since (by `belf keys rotate` or another
    /// instance) join the ring, removed files leave it. Returns whether anything changed.
    pub fn reload(&self, now: i64) -> anyhow::Result<bool> {
        let current = self.current();
        let known: HashMap<PathBuf, Arc<SigningKey>> = current
            .keys
            .iter()
            .map(|s| (s.key.path.clone(), s.key.clone()))
            .collect();
        let keys = load_all(&self.dir, &known)?;
        let same = keys.len() == known.len() && keys.iter().all(|k| known.contains_key(&k.path));
        if same {
            return Ok(false);
        }
        for alg in SigningAlg::ALL {
            if !keys.iter().any(|k| k.alg == alg) {
                anyhow::bail!("no {} key left in {}", alg.as_str(), self.dir.display());
            }
        }
        let view = Arc::new(KeyView::build(keys, self.policy, now)?);
        *self.view.write().unwrap_or_else(|p| p.into_inner()) = view;
        Ok(true)
    }

    /// Writes a new key for `alg` dated `now` (it signs after the pre-publication delay)
    /// and adds it to the ring.
    pub fn rotate(&self, alg: SigningAlg, now: i64) -> anyhow::Result<Arc<SigningKey>> {
        let path = generate_at(&self.dir, alg, now.saturating_mul(1_000_000).max(0) as u64)?;
        self.reload(now)?;
        self.current()
            .keys
            .iter()
            .find(|s| s.key.path == path)
            .map(|s| s.key.clone())
            .ok_or_else(|| anyhow!("rotated key {} did not load", path.display()))
    }

    /// Scheduled rotation: a new key for every algorithm whose newest key is at least
    /// `every_secs` old. Of several instances due at once, the one that creates the lock
    /// file named after the outgoing key writes the new key; the others find it at their
    /// next reload. Returns the kids written.
    pub fn rotate_if_due(&self, every_secs: i64, now: i64) -> anyhow::Result<Vec<String>> {
        let mut written = Vec::new();
        let view = self.current();
        for alg in SigningAlg::ALL {
            let Some(newest) = view
                .keys
                .iter()
                .filter(|s| s.key.alg == alg)
                .max_by_key(|s| s.key.created)
            else {
                continue;
            };
            if now - newest.key.created_secs() < every_secs {
                continue;
            }
            let lock = self.dir.join(format!(
                "rotation-{}-{}.lock",
                alg.as_str().to_ascii_lowercase(),
                newest.key.created
            ));
            match write_private(&lock, b"") {
                Ok(()) => match self.rotate(alg, now) {
                    Ok(key) => written.push(key.kid.clone()),
                    Err(e) => {
                        // Let the next tick (here or elsewhere) try again.
                        let _ = fs::remove_file(&lock);
                        return Err(e);
                    }
                },
                // Another instance won the race (the lock exists): nothing to do.
                Err(_) if lock.exists() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(written)
    }

    /// The key that signs new tokens with `alg` at `now`.
    pub fn signing_key(&self, alg: SigningAlg, now: i64) -> anyhow::Result<Arc<SigningKey>> {
        self.view(now)
            .signing
            .get(alg.as_str())
            .cloned()
            .ok_or_else(|| anyhow!("no {} signing key", alg.as_str()))
    }

    /// A published key (next, active or retiring) by `kid`, for verifying our own tokens.
    pub fn by_kid(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.current().by_kid.get(kid).cloned()
    }

    /// Every key known, with its dates (retired ones included).
    pub fn scheduled(&self) -> Vec<ScheduledKey> {
        self.current().keys.clone()
    }

    pub fn policy(&self) -> KeyPolicy {
        self.policy
    }

    /// `{"keys":[...]}` of the keys published at `now` — public halves only
    /// (`Jwk::from_encoding_key` drops private parts). Serialised once per change.
    pub fn jwks_json(&self, now: i64) -> Arc<[u8]> {
        self.view(now).jwks_json.clone()
    }

    pub fn cookie_secret(&self) -> &[u8; 32] {
        &self.cookie_secret
    }
}

/// Every key file in `dir`; files in `known` are not parsed again.
fn load_all(
    dir: &Path,
    known: &HashMap<PathBuf, Arc<SigningKey>>,
) -> anyhow::Result<Vec<Arc<SigningKey>>> {
    let mut keys = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "pem") {
            match known.get(&path) {
                Some(key) => keys.push(key.clone()),
                None => keys.push(Arc::new(load_key(&path)?)),
            }
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

/// Writes a new private key for `alg` into `dir`, dated now by the system clock (the CLI),
/// and returns its path.
pub fn generate(dir: &Path, alg: SigningAlg) -> anyhow::Result<PathBuf> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    generate_at(dir, alg, now)
}

/// Writes a new private key for `alg` into `dir` dated `created_micros` (its file name,
/// from which its schedule is derived) and returns its path.
pub fn generate_at(dir: &Path, alg: SigningAlg, created_micros: u64) -> anyhow::Result<PathBuf> {
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
    let path = dir.join(format!(
        "{}-{created_micros}.pem",
        alg.as_str().to_ascii_lowercase()
    ));
    // Written under a name no reader loads, then linked into place: a server reloading the
    // folder meanwhile sees the whole key or none of it.
    let partial = dir.join(format!(
        ".{}.partial",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("key")
    ));
    write_private(&partial, pem.as_bytes())?;
    let linked =
        fs::hard_link(&partial, &path).with_context(|| format!("creating {}", path.display()));
    let _ = fs::remove_file(&partial);
    linked?;
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
#[path = "keys_tests.rs"]
mod tests;
