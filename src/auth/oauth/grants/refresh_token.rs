//! The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14).
//!
//! Every use spends the presented token and issues a new one in the same family. A spent
//! token presented again is theft, and the whole family is revoked — committed even though
//! this request fails. With `tokens.refresh_reuse_grace_ms` (default 0: strict), a spent
//! token presented again within that window of its rotation gets the same successor back
//! (`refresh_successor`), never a second live token.

use super::TokenResponse;
use crate::auth::audit::{AuditEvent, AuditKind};
use crate::auth::clients::{Client, GrantType};
use crate::auth::context::AuthContext;
use crate::auth::oauth::error::{ErrorCode, OAuthError, OAuthResult};
use crate::auth::oauth::issue::{UserGrant, user_tokens};
use crate::auth::oauth::scope::Scopes;
use crate::auth::oauth::{deny_list, refresh_successor, resource};
use crate::auth::oidc::claims::ClaimsRequest;
use crate::auth::store::{RefreshTokenRecord, Rotation};
use crate::auth::tokens::handles;

pub async fn refresh(
    ctx: &AuthContext,
    client: &Client,
    presented: &str,
    scope: Option<Scopes>,
    resources: Vec<String>,
    jkt: Option<&str>,
    now: i64,
) -> OAuthResult<TokenResponse> {
    if !client.allows_grant(GrantType::RefreshToken) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the refresh_token grant",
        ));
    }
    let invalid = || OAuthError::invalid_grant("invalid, expired or revoked refresh token");
    if presented.len() > 256 {
        return Err(invalid());
    }
    let hash = handles::digest(presented);
    let Some(current) = ctx.stores.refresh_tokens.find_refresh_token(&hash).await? else {
        return Err(invalid());
    };
    if current.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "refresh token was issued to another client",
        ));
    }
    if current.revoked_at.is_some() || current.expires_at <= now {
        return Err(invalid());
    }
    // RFC 9449 §5: a bound refresh token needs a proof by the key it is bound to.
    if let Some(bound) = current.dpop_jkt.as_deref()
        && jkt != Some(bound)
    {
        tracing::warn!(family = %current.family_id, client_id = %client.client_id,
            proof = jkt.is_some(), "DPoP-bound refresh token presented without its key");
        return Err(OAuthError::invalid_grant(
            "this refresh token is bound to a DPoP key: send a proof signed with it",
        ));
    }
    let granted = Scopes::from_list(current.scopes.clone());
    let scopes = match scope {
        Some(s) if !s.is_subset_of(&granted) => {
            return Err(OAuthError::invalid_scope(
                "scope exceeds what was originally granted",
            ));
        }
        Some(s) if !s.is_empty() => s,
        _ => granted,
    };
    let resources = resource::narrow(resources, &current.resources)?;

    let new_token = handles::new_handle();
    let new_record = RefreshTokenRecord {
        token_hash: handles::digest(&new_token),
        issued_at: now,
        expires_at: now + ctx.config.tokens.refresh_token_ttl_secs as i64,
        rotated_at: None,
        revoked_at: None,
        ..current.clone()
    };
    let grace_ms = ctx.config.tokens.refresh_reuse_grace_ms as i64;
    let now_ms = ctx.clock.now_millis();
    let handed_out = match ctx
        .stores
        .refresh_tokens
        .rotate_refresh_token(&hash, &new_record, now)
        .await?
    {
        Rotation::Rotated => {
            if grace_ms > 0 {
                refresh_successor::remember(ctx, presented, &new_token, now_ms + grace_ms).await?;
            }
            tracing::info!(family = %current.family_id, client_id = %client.client_id,
                "refresh token rotated");
            new_token
        }
        Rotation::AlreadySpent { record } => {
            match reuse_within_grace(ctx, presented, &record, grace_ms, now_ms).await? {
                Reuse::SameSuccessor(successor) => {
                    tracing::info!(family = %record.family_id, client_id = %client.client_id,
                        "spent refresh token within the grace window; same successor handed back");
                    successor
                }
                Reuse::Racing => {
                    return Err(OAuthError::invalid_grant(
                        "refresh token is being rotated by a concurrent request; retry",
                    ));
                }
                Reuse::Theft => {
                    tracing::warn!(family = %record.family_id, client_id = %client.client_id,
                        "refresh token reuse detected; revoking the family");
                    ctx.audit
                        .record(
                            AuditEvent::new(AuditKind::RefreshTokenReuseDetected)
                                .user(&record.user_id)
                                .client(client.client_id.as_str())
                                .detail(serde_json::json!({ "family": record.family_id })),
                        )
                        .await;
                    ctx.stores
                        .refresh_tokens
                        .revoke_family(&record.family_id, now)
                        .await?;
                    deny_list::deny_grant(ctx, &record.family_id).await?;
                    return Err(OAuthError::invalid_grant(
                        "refresh token was already used; the whole grant is revoked",
                    ));
                }
            }
        }
        Rotation::Invalid => return Err(invalid()),
    };

    let user = match ctx.stores.users.get_user(&current.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => {
            ctx.stores
                .refresh_tokens
                .revoke_family(&current.family_id, now)
                .await?;
            return Err(OAuthError::invalid_grant(
                "the user of this grant is no longer active",
            ));
        }
    };
    let claims: ClaimsRequest = current
        .claims_json
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    let mut response = user_tokens(
        ctx,
        UserGrant {
            client,
            user: &user,
            scopes: &scopes,
            auth_time: current.auth_time,
            grant_id: &current.family_id,
            nonce: None,
            code: None,
            claims: &claims,
            sid: current.sid.as_deref(),
            resources: &resources,
            jkt,
            amr: &current.amr,
        },
        now,
    )
    .await?;
    response.refresh_token = Some(handed_out);
    Ok(response)
}

/// What a second presentation of a spent refresh token is.
enum Reuse {
    /// Within the grace window: the successor it rotated into, still live.
    SameSuccessor(String),
    /// Within the grace window, but the rotation that spent it has not yet recorded its
    /// successor (two requests at the same instant): refused without revoking.
    Racing,
    /// Anything else: a replay of a stolen token.
    Theft,
}

async fn reuse_within_grace(
    ctx: &AuthContext,
    presented: &str,
    spent: &RefreshTokenRecord,
    grace_ms: i64,
    now_ms: i64,
) -> OAuthResult<Reuse> {
    if grace_ms <= 0 {
        return Ok(Reuse::Theft);
    }
    if let Some(successor) = refresh_successor::recall(ctx, presented, now_ms).await? {
        // Hand it back only while it is itself unspent: once the other tab has used it,
        // the window has served its purpose.
        let live = ctx
            .stores
            .refresh_tokens
            .find_refresh_token(&handles::digest(&successor))
            .await?
            .is_some_and(|r| r.rotated_at.is_none() && r.revoked_at.is_none());
        return Ok(if live {
            Reuse::SameSuccessor(successor)
        } else {
            Reuse::Theft
        });
    }
    // `rotated_at` has whole seconds: allow one more for its rounding.
    let rotated_ms = spent
        .rotated_at
        .unwrap_or(i64::MIN / 2)
        .saturating_mul(1000);
    Ok(if now_ms <= rotated_ms + grace_ms + 1000 {
        Reuse::Racing
    } else {
        Reuse::Theft
    })
}
