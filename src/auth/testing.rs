//! A protocol-level fixture for unit tests: a real `AuthContext` (SQLite file, in-process
//! ephemeral store, fresh keys) on a manual clock, without HTTP. Grants, the interaction
//! state machine and request parsing are tested against it; expiry is tested by moving
//! the clock, never by sleeping.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::accounts::User;
use crate::auth::accounts::users::{self, NewUser};
use crate::auth::clients::service::{self, NewClient};
use crate::auth::clients::{Client, ClientSecret};
use crate::auth::context::AuthContext;
use crate::auth::oauth::params::Params;
use crate::auth::store::Stores;
use crate::auth::store::memory::MemoryStore;
use crate::auth::store::sql::SqlStore;
use crate::auth::tokens::keys::{KeyPolicy, KeyRing};
use crate::clock::Clock;
use crate::config::Config;

/// Where every fixture's clock starts (2023-11-14): fixed, so tests are repeatable.
pub const START: i64 = 1_700_000_000;

pub struct Fixture {
    pub ctx: AuthContext,
    pub clock: Clock,
    _dir: tempfile::TempDir,
}

impl Fixture {
    pub async fn new() -> Fixture {
        Self::with(&[]).await
    }

    /// With extra configuration, as `BELF_<SECTION>__<KEY>` pairs.
    pub async fn with(extra: &[(&str, &str)]) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut env: HashMap<String, String> = [
            (
                "BELF_DATABASE__URL".to_owned(),
                format!("sqlite://{}?mode=rwc", dir.path().join("auth.db").display()),
            ),
            (
                "BELF_KEYS__DIR".to_owned(),
                dir.path().join("keys").display().to_string(),
            ),
            // Cheap Argon2: these tests are about the protocol, not the hash.
            ("BELF_PASSWORD__MEMORY_KIB".to_owned(), "64".to_owned()),
            ("BELF_PASSWORD__ITERATIONS".to_owned(), "1".to_owned()),
        ]
        .into_iter()
        .collect();
        for (k, v) in extra {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let config = Config::load_with_env(None, Some(env)).expect("config");
        let sql = SqlStore::connect(&config.database).await.expect("sqlite");
        let stores = Stores::from_parts(sql, Arc::new(MemoryStore::new()), 0);
        let clock = Clock::manual(START);
        let keys = Arc::new(
            KeyRing::load_or_generate(&config.keys.dir, KeyPolicy::from_config(&config), START)
                .expect("keys"),
        );
        let ctx = AuthContext::new(Arc::new(config), stores, keys, clock.clone()).expect("ctx");
        Fixture {
            ctx,
            clock,
            _dir: dir,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    /// Registers a client (confidential unless `public`) with one redirect URI.
    pub async fn client(
        &self,
        public: bool,
        grant_types: &[&str],
    ) -> (Client, Option<ClientSecret>) {
        service::register(
            &*self.ctx.stores.clients,
            &self.ctx.known_scopes,
            NewClient {
                name: "unit test app".into(),
                redirect_uris: vec!["https://app.example/cb".into()],
                public,
                grant_types: grant_types.iter().map(|g| (*g).to_owned()).collect(),
                ..Default::default()
            },
            self.now(),
        )
        .await
        .expect("client registers")
    }

    pub async fn user(&self, username: &str) -> User {
        users::create_user(
            &*self.ctx.stores.users,
            &self.ctx.passwords,
            NewUser {
                username: username.into(),
                email: format!("{username}@example.com"),
                name: None,
                password: "correct horse battery".into(),
            },
            self.now(),
        )
        .await
        .expect("user")
    }
}

/// Request parameters from `(name, value)` pairs.
pub fn params(pairs: &[(&str, &str)]) -> Params {
    Params::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

/// A PKCE pair: (verifier, S256 challenge).
pub fn pkce_pair() -> (String, String) {
    use base64::Engine;
    use sha2::Digest;
    let verifier = crate::auth::tokens::handles::new_handle();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}
