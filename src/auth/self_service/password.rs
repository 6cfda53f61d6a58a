//! Changing one's own password: the new one checked by the account rules, every other
//! session signed out (their clients told over the back channel), every refresh token
//! revoked. The session the change was made in stays signed in.

use crate::auth::accounts::User;
use crate::auth::accounts::users::UserError;
use crate::auth::audit::{AuditEvent, AuditKind};
use crate::auth::context::AuthContext;
use crate::auth::oauth::session::Session;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

/// Sets `new_password` (already re-authenticated by the caller). `cookie` is the current
/// session's, which survives the change: it is re-stamped as started now, and the clients
/// that took part in it keep hearing about it, so only the other sessions end.
pub async fn change_password(
    ctx: &AuthContext,
    user: &User,
    current: &Session,
    cookie: &str,
    new_password: String,
    ip: std::net::IpAddr,
) -> Result<(), UserError> {
    crate::auth::accounts::password_policy::check(&new_password, &user.username, &user.email)
        .map_err(UserError::WeakPassword)?;
    let hash = ctx.passwords.hash(new_password).await?;
    let now_ms = ctx.clock.now_millis();
    let unavailable = |e: &dyn std::fmt::Display| {
        UserError::Store(crate::auth::store::StoreError::Unavailable(
            anyhow::anyhow!("{e}"),
        ))
    };
    // The current session's clients move to "started now" first, so the back-channel job
    // below (every session started before now) leaves them out.
    let ttl = i64::try_from(ctx.config.session.ttl_secs).unwrap_or(i64::MAX);
    if let Some(sid) = current.sid() {
        let mine = ctx.stores.session_clients.take_session_clients(sid).await?;
        for c in mine {
            ctx.stores
                .session_clients
                .remember_session_client(&c, now_ms, ctx.clock.now().saturating_add(ttl))
                .await?;
        }
    }
    // One transaction: new hash, every session before now void, every refresh token revoked.
    ctx.stores
        .users
        .set_password_hash(&user.user_id, &hash, now_ms)
        .await?;
    let renewed = Session {
        started_at_ms: now_ms,
        ..current.clone()
    };
    let json = serde_json::to_string(&renewed).map_err(|e| unavailable(&e))?;
    ctx.stores
        .ephemeral
        .put(
            Namespace::Session,
            &handles::digest(cookie),
            &json,
            ctx.config.session.ttl_secs,
        )
        .await?;
    ctx.backchannel
        .user_sessions_ended(&ctx.metrics, &user.user_id, now_ms);
    ctx.audit
        .record(
            AuditEvent::new(AuditKind::PasswordChanged)
                .user(&user.user_id)
                .ip(ip)
                .detail(serde_json::json!({ "via": "account_page", "other_sessions_ended": true, "refresh_tokens_revoked": true })),
        )
        .await;
    Ok(())
}
