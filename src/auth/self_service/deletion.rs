//! Deleting one's own account: every session ended (their clients told over the back
//! channel), every refresh token revoked and its access tokens denied, then the person's
//! rows removed in one transaction (tables keyed by user id follow by cascade).

use crate::auth::accounts::User;
use crate::auth::audit::{AuditEvent, AuditKind};
use crate::auth::context::AuthContext;
use crate::auth::oauth::deny_list::deny_grant;
use crate::auth::oauth::error::OAuthResult;
use crate::auth::store::Namespace;

/// Deletes `user` (already re-authenticated by the caller). `false` if already gone.
pub async fn delete_account(
    ctx: &AuthContext,
    user: &User,
    ip: std::net::IpAddr,
) -> OAuthResult<bool> {
    // Sessions first: a session of a deleted person is dead anyway (`load_session` finds
    // no user), but ending them here frees the ephemeral store at once.
    let sessions = super::sessions::live_sessions(ctx, user).await?;
    for entry in &sessions {
        ctx.stores
            .ephemeral
            .delete(Namespace::Session, &entry.session_key)
            .await?;
    }
    let Some(grants) = ctx
        .stores
        .accounts
        .delete_account(&user.user_id, ctx.clock.now())
        .await?
    else {
        return Ok(false);
    };
    // The worker takes the clients of every session of the person (rows it deletes as it
    // goes) and tells each one; it needs no user row for that.
    ctx.backchannel
        .user_sessions_ended(&ctx.metrics, &user.user_id, i64::MAX);
    for grant in &grants {
        deny_grant(ctx, grant).await?;
    }
    ctx.audit
        .record(
            AuditEvent::new(AuditKind::AccountDeleted)
                .user(&user.user_id)
                .ip(ip)
                .detail(serde_json::json!({ "sessions": sessions.len(), "grants": grants.len() })),
        )
        .await;
    Ok(true)
}
