//! A real identity server per test: its configuration (fresh databases and keys, cheap
//! Argon2, Redis under a prefix of its own in production mode), the running server on
//! port 0, and clients and users registered through the same services the CLI uses.

use belf::clock::Clock;
use std::collections::HashMap;

use belf::auth::AuthServer;
use belf::auth::accounts::User;
use belf::auth::accounts::users::{self, NewUser};
use belf::auth::clients::service::{self, NewClient};
use belf::auth::context::AuthContext;
use belf::auth::oauth::scope::known_scopes;
use belf::auth::store::Stores;
use belf::config::Config;
use tempfile::TempDir;

use super::LOGGED_OUT;
use super::database::fresh_database_url;

/// Configuration for a test server: temp database and keys, cheap Argon2.
pub async fn test_config(dir: &std::path::Path, extra: &[(&str, &str)]) -> Config {
    let db = fresh_database_url(dir, "auth").await;
    let todo_db = fresh_database_url(dir, "todo").await;
    let mut env: HashMap<String, String> = [
        ("BELF_DATABASE__URL", db.as_str()),
        ("BELF_TODO__DATABASE_URL", todo_db.as_str()),
        ("BELF_KEYS__DIR", &dir.join("keys").display().to_string()),
        ("BELF_SERVER__BIND", "127.0.0.1:0"),
        ("BELF_TODO__BIND", "127.0.0.1:0"),
        ("BELF_PASSWORD__MEMORY_KIB", "1024"),
        ("BELF_PASSWORD__ITERATIONS", "1"),
        ("BELF_PASSWORD__MAX_CONCURRENT_HASHES", "4"),
        (
            "BELF_MAIL__OUTBOX_DIR",
            &dir.join("outbox").display().to_string(),
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    // Production mode in CI: shared state in Redis, under a prefix of this test's own.
    let redis_prefix = format!("belftest{}", uuid::Uuid::new_v4().simple());
    if let Ok(redis) = std::env::var("BELF_TEST_REDIS_URL") {
        env.insert("BELF_REDIS__URL".into(), redis);
        env.insert("BELF_REDIS__KEY_PREFIX".into(), redis_prefix);
    }
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    Config::load_with_env(None, Some(env)).expect("test config loads")
}

/// A running identity server.
pub struct TestAuth {
    pub base: String,
    pub port: u16,
    pub ctx: AuthContext,
    /// The server's clock: the system's, or (from `spawn_on_manual_clock`) one the test moves.
    pub clock: Clock,
    pub config: Config,
    pub dir: TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestAuth {
    pub async fn spawn() -> TestAuth {
        Self::spawn_with(&[]).await
    }

    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestAuth {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = test_config(dir.path(), extra).await;
        Self::spawn_in(dir, config).await
    }

    pub async fn spawn_in(dir: TempDir, config: Config) -> TestAuth {
        Self::spawn_inner(dir, config, true, Clock::system()).await
    }

    /// A server whose protocol time stands still until the test calls `clock.advance(..)`
    /// (it starts at the wall-clock time, so its tokens also pass checks that read the
    /// system clock): expiry is tested without sleeping.
    pub async fn spawn_on_manual_clock(extra: &[(&str, &str)]) -> TestAuth {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = test_config(dir.path(), extra).await;
        Self::spawn_inner(dir, config, true, Clock::manual_at_system_time()).await
    }

    /// A server at `http://localhost:PORT`, on a manual clock: WebAuthn needs a domain name
    /// (browsers and authenticators refuse an IP address as relying-party id, and allow
    /// http for localhost only), so the passkey tests run here.
    pub async fn spawn_on_localhost(extra: &[(&str, &str)]) -> TestAuth {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = test_config(dir.path(), extra).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let base = format!("http://localhost:{port}");
        let clock = Clock::manual_at_system_time();
        Self::spawn_listening(dir, config, listener, base, true, clock).await
    }

    /// Another instance on the same database, Redis, keys and issuer (behind one load
    /// balancer, in production), reached directly on its own port.
    pub async fn spawn_replica(&self) -> TestAuth {
        let dir = tempfile::tempdir().expect("tempdir");
        Self::spawn_inner(dir, self.config.clone(), false, self.clock.clone()).await
    }

    async fn spawn_inner(dir: TempDir, config: Config, own_issuer: bool, clock: Clock) -> TestAuth {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let base = format!("http://127.0.0.1:{port}");
        Self::spawn_listening(dir, config, listener, base, own_issuer, clock).await
    }

    /// A server on a listener the test bound already, its issuer `base` (e.g. under
    /// `localhost`, so a browser keeps its cookies apart from a server on 127.0.0.1: cookie
    /// jars tell hosts apart, not ports).
    pub async fn spawn_on(
        dir: TempDir,
        config: Config,
        listener: tokio::net::TcpListener,
        base: String,
    ) -> TestAuth {
        Self::spawn_listening(dir, config, listener, base, true, Clock::system()).await
    }

    async fn spawn_listening(
        dir: TempDir,
        mut config: Config,
        listener: tokio::net::TcpListener,
        base: String,
        own_issuer: bool,
        clock: Clock,
    ) -> TestAuth {
        let port = listener.local_addr().expect("addr").port();
        if own_issuer {
            config.server.issuer = base.parse().expect("issuer url");
            config.todo.issuer = config.server.issuer.clone();
        }
        let stores = Stores::connect(&config).await.expect("stores");
        let server = AuthServer::build_with_clock(config.clone(), stores, listener, clock.clone())
            .await
            .expect("server builds");
        let ctx = server.ctx.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run_until(async move {
            let _ = rx.await;
        }));
        TestAuth {
            base,
            port,
            ctx,
            clock,
            config,
            dir,
            _shutdown: tx,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Registers a client through the same service the CLI uses.
    pub async fn client(&self, new: NewClient) -> (String, Option<String>) {
        let (client, secret) = service::register(
            &*self.ctx.stores.clients,
            &known_scopes(&self.config),
            new,
            self.ctx.clock.now(),
        )
        .await
        .expect("client registers");
        (
            client.client_id.into_string(),
            secret.map(|s| s.expose().to_owned()),
        )
    }

    /// A confidential web client with one redirect URI and refresh tokens.
    pub async fn web_client(&self, redirect_uri: &str) -> (String, String) {
        let (id, secret) = self
            .client(NewClient {
                name: "Test web app".into(),
                redirect_uris: vec![redirect_uri.into()],
                post_logout_redirect_uris: vec![LOGGED_OUT.into()],
                ..Default::default()
            })
            .await;
        (id, secret.expect("confidential client has a secret"))
    }

    /// A confidential client that may only use the client-credentials grant.
    pub async fn service_client(&self) -> (String, String) {
        let (id, secret) = self
            .client(NewClient {
                name: "Test service".into(),
                grant_types: vec!["client_credentials".into()],
                ..Default::default()
            })
            .await;
        (id, secret.expect("confidential client has a secret"))
    }

    pub async fn user(&self, username: &str, password: &str) -> User {
        users::create_user(
            &*self.ctx.stores.users,
            &self.ctx.passwords,
            NewUser {
                username: username.into(),
                email: format!("{username}@example.com"),
                name: Some(format!("{username} tester")),
                password: password.into(),
            },
            self.ctx.clock.now(),
        )
        .await
        .expect("user created")
    }
}
