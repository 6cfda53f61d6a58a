//! Argon2id password hashing for people (never for client secrets).
//!
//! Hashing is CPU-bound for tens of milliseconds, so it runs on blocking threads behind a
//! semaphore sized by `password.max_concurrent_hashes`: a login flood queues here instead
//! of occupying the async workers that serve the token endpoint.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use tokio::sync::Semaphore;

use crate::config::PasswordConfig;

#[derive(Clone)]
pub struct PasswordHasherPool {
    params: Params,
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    /// A real hash of a random password, verified when the user does not exist, so an unknown
    /// user and a wrong password cost the same time.
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
        let dummy = crate::auth::tokens::handles::new_handle();
        let dummy_hash = hash_blocking(&params, &dummy)?.into();
        Ok(PasswordHasherPool {
            params,
            permits: Arc::new(Semaphore::new(config.max_concurrent_hashes)),
            waiting: Arc::new(AtomicUsize::new(0)),
            dummy_hash,
        })
    }

    /// Hashes a new password (PHC string with its own salt and parameters).
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let params = self.params.clone();
        self.run(move || hash_blocking(&params, &password)).await?
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
        let ok = self
            .run(move || {
                let parsed = match PasswordHash::new(&hash) {
                    Ok(p) => p,
                    Err(_) => return false,
                };
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .await?;
        Ok(ok && known)
    }

    /// Logins waiting for a hashing slot (exported as a metric).
    pub fn queue_len(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let permit = permit.map_err(|_| PasswordError::Worker)?;
        let span = tracing::Span::current();
        let result = tokio::task::spawn_blocking(move || {
            let _enter = span.enter();
            let out = job();
            drop(permit);
            out
        })
        .await
        .map_err(|_| PasswordError::Worker)?;
        Ok(result)
    }
}

fn hash_blocking(params: &Params, password: &str) -> Result<String, PasswordError> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(h.starts_with("$argon2id$"));
        assert!(
            pool.verify(Some(h.clone()), "correct horse".into())
                .await
                .unwrap()
        );
        assert!(!pool.verify(Some(h), "wrong".into()).await.unwrap());
        assert!(!pool.verify(None, "anything".into()).await.unwrap());
        assert!(
            !pool
                .verify(Some("garbage".into()), "x".into())
                .await
                .unwrap()
        );
    }
}
