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
use crate::serve::ListenerLimits;
use crate::validator::{Backoff, ValidatorOptions, ValidatorSlot};
use store::SqlStore;

/// How long start-up waits for the first discovery attempt: enough for an issuer that
/// answers (so a service started beside a running issuer is ready at once), short enough
/// that one that does not never holds start-up (it is retried in the background).
const FIRST_ATTEMPT_WAIT: Duration = Duration::from_secs(2);

pub struct TodoServer {
    listener: TcpListener,
    router: axum::Router,
    port: u16,
    limits: ListenerLimits,
}

impl TodoServer {
    /// Opens and migrates the database, starts discovering the issuer, binds `cfg.bind`.
    ///
    /// An issuer that does not answer does not stop start-up: discovery goes on in the
    /// background with capped exponential back-off ([`Backoff::default`]), and until it
    /// succeeds `/readyz` and every API call that carries a token answer 503 (`/healthz`
    /// answers 200 all along).
    pub async fn build(cfg: &TodoConfig) -> anyhow::Result<TodoServer> {
        Self::build_with(cfg, Backoff::default()).await
    }

    /// [`TodoServer::build`] with another discovery back-off.
    pub async fn build_with(cfg: &TodoConfig, backoff: Backoff) -> anyhow::Result<TodoServer> {
        let store = SqlStore::connect(cfg.database_url.expose_secret())
            .await
            .context("opening the todo database")?;
        let validator = ValidatorSlot::discover_in_background(
            cfg.issuer.as_str(),
            &cfg.audience,
            ValidatorOptions {
                // Tokens requested for this service by its URL (RFC 8707) carry that as `aud`.
                also_accepted_audiences: vec![cfg.resource.clone()],
                ..ValidatorOptions::default()
            },
            backoff,
        );
        let _ = tokio::time::timeout(FIRST_ATTEMPT_WAIT, validator.first_attempt()).await;
        if !validator.is_ready() {
            tracing::warn!(
                issuer = %cfg.issuer,
                "issuer not reachable yet; starting anyway, not ready until its keys are fetched"
            );
        }
        let listener = TcpListener::bind(cfg.bind)
            .await
            .with_context(|| format!("binding {}", cfg.bind))?;
        let port = listener.local_addr()?.port();
        let state = http::AppState::new(validator, store).with_max_photo_bytes(cfg.max_photo_bytes);
        let router = http::resource_metadata::ProtectedResource::new(cfg)
            .context("todo.resource")?
            .publish(http::router(state));
        Ok(TodoServer {
            listener,
            router,
            port,
            limits: ListenerLimits::default(),
        })
    }

    /// Serve with these connection limits (`belf serve` passes `[server]`'s, so every
    /// listener is protected alike against slow and idle clients).
    pub fn with_limits(mut self, limits: ListenerLimits) -> TodoServer {
        self.limits = limits;
        self
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
        crate::serve::serve(self.listener, self.router, self.limits, shutdown).await
    }
}
