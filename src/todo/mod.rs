//! The Belf todo/course service: a resource server that trusts Belf tokens only
//! through [`crate::validator`] (it never names the identity server's code).
//!
//! ```no_run
//! # async fn demo(cfg: &belf::config::TodoConfig) -> anyhow::Result<()> {
//! let server = belf::todo::TodoServer::build(cfg).await?;
//! println!("todo service on port {}", server.port());
//! server.run_until_stopped().await?;
//! # Ok(()) }
//! ```

pub mod domain;
pub mod http;
pub mod store;

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::config::TodoConfig;
use crate::validator::{DiscoveryError, Validator};
use store::SqlStore;

/// How long start-up waits for the issuer: it may be starting in the same process.
const DISCOVERY_ATTEMPTS: u32 = 20;
const DISCOVERY_PAUSE: Duration = Duration::from_millis(250);

pub struct TodoServer {
    listener: TcpListener,
    router: axum::Router,
    port: u16,
}

impl TodoServer {
    /// Opens and migrates the database, discovers the issuer, binds `cfg.bind`.
    pub async fn build(cfg: &TodoConfig) -> anyhow::Result<TodoServer> {
        let store = SqlStore::connect(cfg.database_url.expose_secret())
            .await
            .context("opening the todo database")?;
        let validator = discover_with_retry(cfg.issuer.as_str(), &cfg.audience)
            .await
            .with_context(|| format!("discovering issuer {}", cfg.issuer))?;
        let listener = TcpListener::bind(cfg.bind)
            .await
            .with_context(|| format!("binding {}", cfg.bind))?;
        let port = listener.local_addr()?.port();
        let router = http::router(http::AppState::new(validator, store));
        Ok(TodoServer {
            listener,
            router,
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(crate::telemetry::shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then drains in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(port = self.port, "todo service listening");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

async fn discover_with_retry(issuer: &str, audience: &str) -> Result<Validator, DiscoveryError> {
    let mut attempt = 1;
    loop {
        match Validator::discover(issuer, audience).await {
            Ok(v) => return Ok(v),
            // Only a transport error can be the issuer still starting; a wrong issuer
            // name or an empty JWKS will not fix itself.
            Err(DiscoveryError::Http { .. }) if attempt < DISCOVERY_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(DISCOVERY_PAUSE).await;
            }
            Err(e) => return Err(e),
        }
    }
}
