//! HTTP at the edge: axum routes, one file per endpoint. Handlers extract, call one protocol
//! function, and map its result.

pub mod authorize;
pub mod client_authn;
pub mod cookies;
pub mod device_authorization;
pub mod discovery;
pub mod end_session;
pub mod error;
pub mod extractors;
pub mod introspect;
pub mod management;
pub mod not_found;
pub mod pages;
pub mod par;
pub mod registration;
pub mod request_origin;
pub mod revoke;
pub mod token;
pub mod userinfo;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::auth::context::AuthContext;
use crate::auth::oidc::metadata::paths;
use crate::auth::store::Stores;
use crate::auth::tokens::keys::{KeyPolicy, KeyRing};
use crate::clock::Clock;
use crate::config::Config;

/// What every handler sees. Behind one `Arc`: axum clones the state for each extractor, and
/// cloning the whole context (a dozen `Arc`s and a config `Vec`) showed up in profiles.
pub type AppState = Arc<AppStateInner>;

pub struct AppStateInner {
    pub ctx: AuthContext,
    pub pages: pages::Pages,
    pub secure_cookies: bool,
    /// Discovery document, serialised once; serving it is a refcount bump. (The JWKS
    /// changes with key rotation: `KeyRing::jwks_json` serialises it once per change.)
    pub discovery_json: axum::body::Bytes,
}

pub fn router(state: AppState) -> Router {
    let max_body = state.ctx.config.server.max_body_bytes;
    let metrics = state.ctx.metrics.clone();
    // Everything a person's browser sees: pages, and `/authorize` and `/logout`, which
    // answer with pages or redirects.
    let mut browser_routes = Router::new()
        .route(
            paths::AUTHORIZE,
            get(authorize::authorize).post(authorize::authorize),
        )
        .route(
            paths::END_SESSION,
            get(end_session::end_session).post(end_session::end_session),
        )
        .route(
            "/login",
            get(pages::login::login_page).post(pages::login::login_submit),
        )
        .route(
            "/register",
            get(pages::register::register_page).post(pages::register::register_submit),
        )
        .route(
            "/consent",
            get(pages::consent::consent_page).post(pages::consent::consent_submit),
        )
        .route("/", get(pages::home::home));
    // Part `upstream`: sign-in with another provider, and /account/providers.
    browser_routes = browser_routes
        .route("/upstream/{id}/start", post(pages::upstream::start))
        .route("/upstream/{id}/callback", get(pages::upstream::callback))
        .route("/account/providers", get(pages::account::providers::page))
        .route(
            "/account/providers/link",
            post(pages::account::providers::link),
        )
        .route(
            "/account/providers/unlink",
            post(pages::account::providers::unlink),
        );
    // Two-step login (issue 13, part `twostep`): the login's second step, and the methods
    // at /account/two-step.
    {
        use pages::account::two_step as account;
        browser_routes = browser_routes
            .route(
                "/login/second-step",
                get(pages::second_step::second_step_page)
                    .post(pages::second_step::second_step_submit),
            )
            .route("/account/two-step", get(account::page))
            .route("/account/two-step/totp", post(account::start_totp))
            .route("/account/two-step/totp/verify", post(account::verify_totp))
            .route(
                "/account/two-step/recovery-codes",
                post(account::regenerate_recovery_codes),
            )
            .route("/account/two-step/rename", post(account::rename))
            .route("/account/two-step/remove", post(account::remove));
        // Passkeys (WebAuthn): added here, a second step, a password-less sign-in.
        use pages::account::two_step_passkeys as passkeys;
        browser_routes = browser_routes
            .route("/account/two-step/passkey", post(passkeys::start))
            .route("/account/two-step/passkey/finish", post(passkeys::finish))
            .route(
                "/login/second-step/passkey",
                post(pages::second_step_passkey::submit),
            )
            .route("/login/passkey", post(pages::passkey_sign_in::submit));
    }
    // Issue 13, part `mailaudit`: password reset, e-mail verification and change.
    browser_routes = browser_routes
        .route(
            "/password/forgot",
            get(pages::password_reset::forgot_page).post(pages::password_reset::forgot_submit),
        )
        .route(
            "/password/reset",
            get(pages::password_reset::reset_page).post(pages::password_reset::reset_submit),
        )
        .route(
            "/email/verify",
            get(pages::email_verify::verify_page).post(pages::email_verify::verify_submit),
        )
        .route(
            "/email/verify/resend",
            post(pages::email_verify::resend_submit),
        )
        .route(
            "/account/email",
            get(pages::account_email::email_page).post(pages::account_email::email_submit),
        );
    let config = &state.ctx.config;
    if config.device.enabled {
        browser_routes = browser_routes
            .route(
                paths::DEVICE_VERIFICATION,
                get(pages::device::device_page).post(pages::device::device_submit),
            )
            .route(
                "/device/confirm",
                get(pages::device::confirm_page).post(pages::device::confirm_submit),
            );
    }
    // Issue 13, part `account`: the account pages, and the session directory kept for
    // every page (the sessions page lists what it records).
    if config.account.enabled {
        use pages::account;
        let max_picture = config.account.max_picture_bytes;
        browser_routes = browser_routes
            .route("/account", get(account::overview::overview))
            .route(
                "/account/profile",
                get(account::profile::profile_page).post(account::profile::profile_submit),
            )
            .route(
                "/account/profile/picture",
                // Room for the form around the picture; the handler counts the picture.
                post(account::picture::upload)
                    .layer(DefaultBodyLimit::max(max_picture.saturating_add(64 * 1024))),
            )
            .route(
                "/account/profile/picture/remove",
                post(account::picture::remove),
            )
            .route(
                "/account/password",
                get(account::password::password_page).post(account::password::password_submit),
            )
            .route("/account/apps", get(account::apps::apps_page))
            .route("/account/apps/revoke", post(account::apps::revoke))
            .route("/account/sessions", get(account::sessions::sessions_page))
            .route("/account/sessions/end", post(account::sessions::end_one))
            .route(
                "/account/sessions/end-others",
                post(account::sessions::end_others),
            )
            .route(
                "/account/delete",
                get(account::delete::delete_page).post(account::delete::delete_submit),
            );
    }
    // Around every page route, whichever part added it (so keep this after the last).
    if config.account.enabled {
        browser_routes = browser_routes.layer(axum::middleware::from_fn_with_state(
            (
                state.clone(),
                crate::auth::self_service::sessions::LastSeenMemo::default(),
            ),
            pages::account::activity::track_sessions,
        ));
    }
    let browser_routes = browser_routes.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        pages::page_edge,
    ));
    let mut routes = Router::new();
    if config.device.enabled {
        routes = routes.route(
            paths::DEVICE_AUTHORIZATION,
            post(device_authorization::device_authorization),
        );
    }
    if config.par.enabled {
        routes = routes.route(paths::PAR, post(par::push));
    }
    if config.account.enabled {
        // Issue 13, part `account`: the `picture` claim's URL, for anyone who has it.
        routes = routes.route(
            "/account/picture/{picture_id}",
            get(pages::account::picture::serve),
        );
    }
    if config.client_registration.enabled {
        let registration_routes = Router::new()
            .route(paths::REGISTRATION, post(registration::register))
            .route(
                &format!("{}/{{client_id}}", paths::REGISTRATION),
                get(registration::read)
                    .put(registration::replace)
                    .delete(registration::delete),
            )
            .layer(DefaultBodyLimit::max(
                config.client_registration.max_body_bytes,
            ));
        routes = routes.merge(registration_routes);
    }
    let routes = routes
        .route(paths::DISCOVERY, get(discovery::openid_configuration))
        .route(paths::AS_METADATA, get(discovery::openid_configuration))
        .route(paths::JWKS, get(discovery::jwks))
        .route(paths::TOKEN, post(token::token))
        .route(
            paths::USERINFO,
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route(paths::REVOKE, post(revoke::revoke))
        .route(paths::INTROSPECT, post(introspect::introspect))
        .route("/healthz", get(|| async { "ok" }))
        .route(crate::favicon::PATH, get(crate::favicon::icon))
        .route(
            pages::passkey_script::PATH,
            get(pages::passkey_script::script),
        )
        .route("/readyz", get(readyz))
        .merge(browser_routes)
        .fallback(not_found::not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            metrics.clone(),
            crate::metrics::track,
        ))
        .with_state(state);

    crate::telemetry::with_http_layers(routes)
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let db = state.ctx.stores.durable.ping().await;
    let eph = state.ctx.stores.ephemeral.ping().await;
    match (db, eph) {
        (Ok(()), Ok(())) => (StatusCode::OK, "ready").into_response(),
        (db, eph) => {
            tracing::warn!(database = db.is_ok(), ephemeral = eph.is_ok(), "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

/// The identity server, bound and ready to run.
pub struct AuthServer {
    listener: TcpListener,
    router: Router,
    /// The management listener (`/metrics`) and its router, when one is configured.
    management: Option<(TcpListener, Router)>,
    state: AppState,
    pub ctx: AuthContext,
}

impl AuthServer {
    /// Opens storage (migrating it), loads or generates keys, binds `server.bind` and
    /// `management.bind`.
    pub async fn build(config: Config) -> anyhow::Result<AuthServer> {
        let stores = Stores::connect(&config).await?;
        Self::build_with_stores(config, stores).await
    }

    pub async fn build_with_stores(config: Config, stores: Stores) -> anyhow::Result<AuthServer> {
        let listener = TcpListener::bind(config.server.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.server.bind))?;
        let management =
            match config.management.bind_addr()? {
                Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| {
                    anyhow::anyhow!("cannot listen on {addr} (management.bind): {e}")
                })?),
                None => None,
            };
        let server = Self::build_on(config, stores, listener).await?;
        Ok(match management {
            Some(listener) => server.with_management_listener(listener),
            None => server,
        })
    }

    /// With a listener bound by the caller (tests bind port 0 first to learn the issuer
    /// URL). No management listener: see [`AuthServer::with_management_listener`].
    pub async fn build_on(
        config: Config,
        stores: Stores,
        listener: TcpListener,
    ) -> anyhow::Result<AuthServer> {
        Self::build_with_clock(config, stores, listener, Clock::system()).await
    }

    /// As [`AuthServer::build_on`], with the clock every expiry decision reads (tests pass a
    /// manual one and move it instead of sleeping).
    pub async fn build_with_clock(
        config: Config,
        stores: Stores,
        listener: TcpListener,
        clock: Clock,
    ) -> anyhow::Result<AuthServer> {
        let keys = Arc::new(KeyRing::load_or_generate(
            &config.keys.dir,
            KeyPolicy::from_config(&config),
            clock.now(),
        )?);
        let secure_cookies = config.server.issuer.scheme() == "https";
        let discovery_json = crate::auth::oidc::metadata::discovery_json(&config)?.into();
        let ctx = AuthContext::new(Arc::new(config), stores, keys, clock)?;
        let state = Arc::new(AppStateInner {
            ctx: ctx.clone(),
            pages: pages::Pages::new()?,
            secure_cookies,
            discovery_json,
        });
        Ok(AuthServer {
            listener,
            router: router(state.clone()),
            management: None,
            state,
            ctx,
        })
    }

    /// Serves the management endpoints (`/metrics`) on `listener` as well.
    pub fn with_management_listener(mut self, listener: TcpListener) -> AuthServer {
        self.management = Some((listener, management::router(self.state.clone())));
        self
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The management listener's port, if there is one.
    pub fn management_port(&self) -> Option<u16> {
        let (listener, _) = self.management.as_ref()?;
        listener.local_addr().ok().map(|a| a.port())
    }

    /// Serves until `shutdown` completes; in-flight requests finish first. Both listeners
    /// stop on the same signal.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use futures::FutureExt;
        let shutdown = shutdown.boxed().shared();
        let purger = crate::auth::maintenance::spawn_purger(self.ctx.clone());
        let key_refresher = crate::auth::maintenance::spawn_key_refresher(self.ctx.clone());
        let backchannel_worker =
            crate::auth::oidc::backchannel_logout::spawn_worker(self.ctx.clone());
        let limits = crate::serve::ListenerLimits::from_config(&self.ctx.config.server);
        let management = self.management.map(|(listener, router)| {
            tokio::spawn(crate::serve::serve(
                listener,
                router,
                limits.clone(),
                shutdown.clone(),
            ))
        });
        let served = crate::serve::serve(self.listener, self.router, limits, shutdown).await;
        if let Some(purger) = purger {
            purger.abort();
        }
        key_refresher.abort();
        if let Some(worker) = backchannel_worker {
            worker.abort();
        }
        if let Some(management) = management {
            match management.await {
                Ok(Err(e)) => tracing::warn!(error = %e, "management listener failed"),
                Err(e) => tracing::warn!(error = %e, "management listener task failed"),
                Ok(Ok(())) => {}
            }
        }
        served
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(crate::telemetry::shutdown_signal()).await
    }
}
