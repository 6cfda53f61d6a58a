//! Token introspection (RFC 7662) for access (JWT) and refresh tokens. Only confidential
//! clients may ask (resource servers are registered as such).

use serde_json::{Value, json};

use super::deny_list::{is_access_token_orphaned, is_access_token_revoked};
use super::error::{OAuthError, OAuthResult};
use crate::auth::clients::Client;
use crate::auth::clients::ClientId;
use crate::auth::context::AuthContext;
use crate::auth::tokens::handles;

pub async fn introspect(
    ctx: &AuthContext,
    caller: &Client,
    token: &str,
    now: i64,
) -> OAuthResult<Value> {
    if caller.is_public() {
        return Err(OAuthError::invalid_client(
            "public clients may not introspect tokens",
        ));
    }
    let inactive = json!({ "active": false });
    if token.len() > 8192 {
        return Ok(inactive);
    }
    if token.contains('.') {
        let Ok(claims) = ctx.access_tokens.verify(token, now) else {
            return Ok(inactive);
        };
        if is_access_token_revoked(ctx, &claims).await?
            || is_access_token_orphaned(ctx, &claims).await?
        {
            return Ok(inactive);
        }
        let mut out = serde_json::to_value(&claims).map_err(|e| OAuthError::unavailable(&e))?;
        if let Value::Object(map) = &mut out {
            map.insert("active".into(), Value::Bool(true));
            map.insert("token_type".into(), Value::from("Bearer"));
            map.remove("gid");
        }
        return Ok(out);
    }
    let Some(record) = ctx
        .stores
        .refresh_tokens
        .find_refresh_token(&handles::digest(token))
        .await?
    else {
        return Ok(inactive);
    };
    if record.revoked_at.is_some() || record.rotated_at.is_some() || record.expires_at <= now {
        return Ok(inactive);
    }
    // Its client removed or its person disabled: the token can no longer be used.
    let client_gone = match ClientId::parse(&record.client_id) {
        Some(id) => ctx.stores.clients.get_client(&id).await?.is_none(),
        None => true,
    };
    let user_gone = !matches!(
        ctx.stores.users.get_user(&record.user_id).await?,
        Some(u) if !u.disabled
    );
    if client_gone || user_gone {
        return Ok(inactive);
    }
    Ok(json!({
        "active": true,
        "token_type": "refresh_token",
        "scope": record.scopes.join(" "),
        "client_id": record.client_id,
        "sub": record.user_id,
        "iss": *ctx.issuer,
        "iat": record.issued_at,
        "exp": record.expires_at,
    }))
}
