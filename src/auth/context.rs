//! Everything the protocol needs, built once from configuration and shared by reference.
//! No globals: tests build their own with their own stores, keys and clock.
//! No HTTP types either: the serialised discovery document and JWKS live in the HTTP
//! layer's state (`auth::http::AppStateInner`).

use std::sync::Arc;

use crate::auth::accounts::password::PasswordHasherPool;
use crate::auth::accounts::throttle::Throttle;
use crate::auth::oidc::backchannel_queue::Backchannel;
use crate::auth::oidc::id_token::IdTokenIssuer;
use crate::auth::store::Stores;
use crate::auth::tokens::access_token::AccessTokenIssuer;
use crate::auth::tokens::keys::KeyRing;
use crate::clock::Clock;
use crate::config::Config;

#[derive(Clone)]
pub struct AuthContext {
    pub config: Arc<Config>,
    pub stores: Stores,
    pub keys: Arc<KeyRing>,
    pub access_tokens: AccessTokenIssuer,
    pub id_tokens: IdTokenIssuer,
    pub passwords: PasswordHasherPool,
    pub throttle: Throttle,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    pub known_scopes: Arc<[String]>,
    pub issuer: Arc<str>,
    /// Where "now" comes from for every expiry decision (tests pass a manual clock).
    pub clock: Clock,
    /// The queue of ended sessions whose clients are told over the back channel.
    pub backchannel: Backchannel,
    /// Key sets fetched from `private_key_jwt` clients' `jwks_uri`s.
    pub client_jwks: crate::auth::clients::jwks::ClientJwksCache,
    /// The providers people may sign in with (`[[upstream]]`), their metadata cached.
    pub upstreams: Arc<crate::auth::upstream::Upstreams>,
    /// The audit trail: `ctx.audit.record(AuditEvent { .. })` at every security event.
    pub audit: crate::auth::audit::Audit,
    /// Outgoing mail: SMTP, or the outbox folder (`[mail]`).
    pub mail: crate::auth::mail::MailService,
    /// The WebAuthn relying party (`[passkeys]`), when passkeys are on.
    pub passkeys: Arc<crate::auth::accounts::passkeys::RelyingParty>,
}

impl AuthContext {
    pub fn new(
        config: Arc<Config>,
        stores: Stores,
        keys: Arc<KeyRing>,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let metrics = crate::metrics::Metrics::new("belf_auth");
        let audit = crate::auth::audit::Audit::new(stores.audit.clone(), clock.clone())
            .counting_failures_in(metrics.audit_write_failures.clone());
        Ok(AuthContext {
            audit,
            mail: crate::auth::mail::MailService::from_config(&config.mail)?,
            passkeys: Arc::new(crate::auth::accounts::passkeys::RelyingParty::from_config(
                &config,
            )),
            access_tokens: AccessTokenIssuer::new(&config, keys.clone()),
            id_tokens: IdTokenIssuer::new(&config, keys.clone()),
            passwords: PasswordHasherPool::new(&config.password)?,
            throttle: Throttle::new(config.throttle.clone(), clock.clone()),
            metrics,
            known_scopes: crate::auth::oauth::scope::known_scopes(&config).into(),
            backchannel: Backchannel::new(&config.backchannel_logout),
            client_jwks: crate::auth::clients::jwks::ClientJwksCache::new(&config.private_key_jwt),
            issuer: config.issuer().into(),
            upstreams: Arc::new(crate::auth::upstream::Upstreams::new(&config, &clock)?),
            clock,
            config,
            stores,
            keys,
        })
    }
}
