//! The Belf web app (ROOM 3): server-rendered pages for people, a relying party of the
//! identity server ([`rp`], the `openidconnect` crate, backend-for-frontend: tokens stay
//! in the server-side [`session`]) and a client of the todo API ([`api`]). It reaches both
//! only over HTTP, exactly as another team's app would, and names neither's code.
//!
//! ```no_run
//! # async fn demo(config: &belf::config::Config) -> anyhow::Result<()> {
//! let web = belf::web::WebServer::build(&config.web, &config.redis).await?;
//! println!("web app on port {}", web.port());
//! web.run_until_stopped().await?;
//! # Ok(()) }
//! ```

pub mod activity;
pub mod api;
pub mod heatmap;
pub mod http;
pub mod multipart;
pub mod return_to;
pub mod rp;
pub mod session;
pub mod zone;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::{RedisConfig, WebConfig, WebSessionStore};
use crate::serve::ListenerLimits;
use session::SessionStore;

pub struct WebServer {
    listener: TcpListener,
    state: http::AppState,
    port: u16,
    limits: ListenerLimits,
}

/// Opens the session store `[web]` names.
pub async fn session_store(
    cfg: &WebConfig,
    redis: &RedisConfig,
) -> anyhow::Result<Arc<dyn SessionStore>> {
    Ok(match cfg.session_store {
        WebSessionStore::Database => Arc::new(
            session::sql::SqlSessions::connect(cfg.database_url.expose_secret())
                .await
                .context("opening the web session database")?,
        ),
        WebSessionStore::Redis => Arc::new(
            session::redis::RedisSessions::connect(redis.url.expose_secret(), &redis.key_prefix)
                .await
                .context("connecting to Redis for web sessions")?,
        ),
    })
}

impl WebServer {
    /// Opens the session store and binds `cfg.bind`. The identity server is discovered on
    /// first use, so the app starts (and shows its outage page) while it is down.
    pub async fn build(cfg: &WebConfig, redis: &RedisConfig) -> anyhow::Result<WebServer> {
        let sessions = session_store(cfg, redis).await?;
        Self::build_with(cfg, sessions, Clock::system()).await
    }

    /// With a given session store and clock (tests move the clock to expire tokens).
    pub async fn build_with(
        cfg: &WebConfig,
        sessions: Arc<dyn SessionStore>,
        clock: Clock,
    ) -> anyhow::Result<WebServer> {
        let listener = TcpListener::bind(cfg.bind)
            .await
            .with_context(|| format!("web.bind: cannot listen on {}", cfg.bind))?;
        Self::build_on(cfg, listener, sessions, clock).await
    }

    /// On a listener bound already (tests bind port 0 first, to know `public_url`).
    pub async fn build_on(
        cfg: &WebConfig,
        listener: TcpListener,
        sessions: Arc<dyn SessionStore>,
        clock: Clock,
    ) -> anyhow::Result<WebServer> {
        if cfg.client_id.trim().is_empty() {
            anyhow::bail!(
                "web.client_id is empty: register the web app with `belf client add` and set \
                 BELF_WEB__CLIENT_ID / BELF_WEB__CLIENT_SECRET (`belf serve` does this by itself)"
            );
        }
        let port = listener.local_addr()?.port();
        let public_url = cfg.public_url.as_str().trim_end_matches('/');
        let rp = rp::RelyingParty::new(
            &cfg.issuer,
            &cfg.client_id,
            cfg.client_secret.clone(),
            public_url,
            clock.clone(),
        )?;
        let sessions: Arc<dyn SessionStore> = match cfg.session_cache_secs {
            0 => sessions,
            secs => Arc::new(session::cached::CachedSessions::new(sessions, secs)),
        };
        let state = http::AppState {
            rp: Arc::new(rp),
            api: api::TodoApi::new(cfg.todo_url.as_str())?,
            sessions,
            pages: Arc::new(http::Pages::new()?),
            clock,
            settings: Arc::new(http::Settings {
                secure: cfg.public_url.scheme() == "https",
                session_ttl_secs: i64::try_from(cfg.session_ttl_secs).unwrap_or(86_400),
                refresh_margin_secs: i64::try_from(cfg.refresh_margin_secs).unwrap_or(60),
                default_locale: cfg.default_locale.clone(),
                default_utc_offset: cfg.default_utc_offset.clone(),
                max_photo_bytes: cfg.max_photo_bytes,
            }),
            refreshes: http::member::RefreshLocks::default(),
        };
        Ok(WebServer {
            listener,
            state,
            port,
            limits: ListenerLimits::default(),
        })
    }

    /// Serve with these connection limits (`belf serve` passes `[server]`'s).
    pub fn with_limits(mut self, limits: ListenerLimits) -> WebServer {
        self.limits = limits;
        self
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(crate::telemetry::shutdown_signal()).await
    }

    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(port = self.port, "web app listening");
        crate::serve::serve(
            self.listener,
            http::router(self.state),
            self.limits,
            shutdown,
        )
        .await
    }
}
