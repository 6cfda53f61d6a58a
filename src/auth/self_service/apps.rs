//! Connected apps: the consents a person gave, and taking one back.

use crate::auth::accounts::User;
use crate::auth::audit::{AuditEvent, AuditKind};
use crate::auth::context::AuthContext;
use crate::auth::oauth::deny_list::deny_grant;
use crate::auth::oauth::error::OAuthResult;
use crate::auth::store::account::ConnectedApp;

pub async fn connected_apps(ctx: &AuthContext, user: &User) -> OAuthResult<Vec<ConnectedApp>> {
    Ok(ctx.stores.accounts.connected_apps(&user.user_id).await?)
}

/// Deletes the consent and revokes the app's refresh tokens; its access tokens still in
/// flight are denied at introspection and userinfo. `false`: no such consent.
pub async fn revoke_app(
    ctx: &AuthContext,
    user: &User,
    client_id: &str,
    ip: std::net::IpAddr,
) -> OAuthResult<bool> {
    if client_id.is_empty() || client_id.len() > 256 {
        return Ok(false);
    }
    let now = ctx.clock.now();
    let Some(grants) = ctx
        .stores
        .accounts
        .revoke_app(&user.user_id, client_id, now)
        .await?
    else {
        return Ok(false);
    };
    for grant in &grants {
        deny_grant(ctx, grant).await?;
    }
    ctx.audit
        .record(
            AuditEvent::new(AuditKind::ConsentRevoked)
                .user(&user.user_id)
                .client(client_id)
                .ip(ip)
                .detail(serde_json::json!({ "grants": grants.len() })),
        )
        .await;
    Ok(true)
}
