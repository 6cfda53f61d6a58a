//! Argon2id password hashing for people (never for client secrets).
//!
//! Hashing is CPU- and memory-bound (19 MiB, tens of milliseconds at the OWASP defaults), so
//! it runs on `password.max_concurrent_hashes` dedicated threads, each reusing one Argon2
//! memory block. A login flood therefore queues here — it cannot occupy the async workers
//! that serve the token endpoint — and memory stays at threads × 19 MiB: with
//! `spawn_blocking`, every blocking thread allocated its own 19 MiB and the allocator kept
//! them, which took a login flood to ~500 MB RSS.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use rand::RngCore;
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

use crate::config::PasswordConfig;

/// Refuse to verify hashes that would need more than this much memory (a corrupted or
/// hostile row must not make the server allocate gigabytes).
const MAX_MEMORY_KIB: u32 = 1024 * 1024;

/// A hashing thread idle this long gives its Argon2 memory back, so a burst of logins does
/// not leave the server holding threads × 19 MiB.
const IDLE_RELEASE: Duration = Duration::from_secs(2);

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, PasswordError>>,
    },
    Verify {
        hash: String,
        password: String,
        reply: oneshot::Sender<bool>,
    },
}

#[derive(Clone)]
pub struct PasswordHasherPool {
    jobs: flume::Sender<Job>,
    waiting: Arc<AtomicUsize>,
    /// A real hash of a random password, verified when the user does not exist, so an
    /// unknown user and a wrong password cost the same time.
    dummy_hash: Arc<str>,
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password worker stopped")]
    Worker,
}

impl PasswordHasherPool {
    pub fn new(config: &PasswordConfig) -> Result<Self, PasswordError> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
        // flume: a multi-consumer queue, so every idle worker can time out on its own.
        let (tx, rx) = flume::unbounded::<Job>();
        let waiting = Arc::new(AtomicUsize::new(0));
        for n in 0..config.max_concurrent_hashes.max(1) {
            let (rx, params, waiting) = (rx.clone(), params.clone(), waiting.clone());
            std::thread::Builder::new()
                .name(format!("belf-argon2-{n}"))
                .spawn(move || worker(rx, params, waiting))
                .map_err(|e| PasswordError::Hash(e.to_string()))?;
        }
        let mut memory = Vec::new();
        let dummy = crate::auth::tokens::handles::new_handle();
        let dummy_hash = hash_with(&params, &dummy, &mut memory)?.into();
        Ok(PasswordHasherPool {
            jobs: tx,
            waiting,
            dummy_hash,
        })
    }

    /// Hashes a new password (PHC string with its own salt and parameters).
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Hash { password, reply })?;
        rx.await.map_err(|_| PasswordError::Worker)?
    }

    /// Verifies `password` against `stored`, or against the dummy hash when `stored` is
    /// `None` (unknown user); the result is then always `false`.
    pub async fn verify(
        &self,
        stored: Option<String>,
        password: String,
    ) -> Result<bool, PasswordError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Verify {
            hash,
            password,
            reply,
        })?;
        let ok = rx.await.map_err(|_| PasswordError::Worker)?;
        Ok(ok && known)
    }

    /// Logins waiting for a hashing thread (exported as a metric).
    pub fn queue_len(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    fn submit(&self, job: Job) -> Result<(), PasswordError> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        self.jobs.send(job).map_err(|_| {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            PasswordError::Worker
        })
    }
}

fn worker(rx: flume::Receiver<Job>, params: Params, waiting: Arc<AtomicUsize>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = match rx.recv_timeout(IDLE_RELEASE) {
            Ok(job) => job,
            Err(flume::RecvTimeoutError::Timeout) => {
                memory = Vec::new();
                continue;
            }
            Err(flume::RecvTimeoutError::Disconnected) => return,
        };
        waiting.fetch_sub(1, Ordering::Relaxed);
        match job {
            Job::Hash { password, reply } => {
                let _ = reply.send(hash_with(&params, &password, &mut memory));
            }
            Job::Verify {
                hash,
                password,
                reply,
            } => {
                let _ = reply.send(verify_with(&hash, &password, &mut memory));
            }
        }
    }
}

fn blocks(memory: &mut Vec<Block>, params: &Params) -> usize {
    let n = params.block_count();
    if memory.len() < n {
        memory.resize(n, Block::default());
    }
    n
}

fn hash_with(
    params: &Params,
    password: &str,
    memory: &mut Vec<Block>,
) -> Result<String, PasswordError> {
    let err = |e: &dyn std::fmt::Display| PasswordError::Hash(e.to_string());
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; 32];
    let n = blocks(memory, params);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, &mut memory[..n])
        .map_err(|e| err(&e))?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| err(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| err(&e))?),
        hash: Some(Output::new(&out).map_err(|e| err(&e))?),
    };
    Ok(phc.to_string())
}

fn verify_with(hash: &str, password: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    if params.m_cost() > MAX_MEMORY_KIB {
        return false;
    }
    let mut out = vec![0u8; expected.len()];
    let n = blocks(memory, &params);
    let ok = Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            &mut memory[..n],
        )
        .is_ok();
    ok && bool::from(out.ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    fn cheap() -> PasswordConfig {
        PasswordConfig {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
            max_concurrent_hashes: 1,
        }
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let pool = PasswordHasherPool::new(&cheap()).unwrap();
        let h = pool.hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{h}");
        assert!(
            pool.verify(Some(h.clone()), "correct horse".into())
                .await
                .unwrap()
        );
        assert!(!pool.verify(Some(h.clone()), "wrong".into()).await.unwrap());
        assert!(!pool.verify(None, "anything".into()).await.unwrap());
        assert!(
            !pool
                .verify(Some("garbage".into()), "x".into())
                .await
                .unwrap()
        );
        // The PHC string is standard: the argon2 crate's own verifier accepts it.
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", h.as_str())
                .is_ok()
        );
        // And hashes made elsewhere (other parameters) verify here.
        let other = argon2::PasswordHasher::hash_password(&Argon2::default(), b"pw-from-elsewhere")
            .unwrap()
            .to_string();
        assert!(
            pool.verify(Some(other), "pw-from-elsewhere".into())
                .await
                .unwrap()
        );
    }
}
