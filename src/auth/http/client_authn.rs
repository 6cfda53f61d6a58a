//! Client authentication with throttling, shared by the token, revocation and
//! introspection endpoints.

use super::error::ApiError;
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;
use crate::auth::oauth::client_auth::{self, PresentedClient};
use crate::auth::oauth::error::{ErrorCode, OAuthError};
use crate::auth::oauth::params::Params;

pub async fn authenticate_client(
    ctx: &AuthContext,
    ip: std::net::IpAddr,
    authorization: Option<&str>,
    params: &Params,
) -> Result<(Client, PresentedClient), ApiError> {
    let presented = client_auth::extract(authorization, params)?;
    let store = &*ctx.stores.ephemeral;
    let id = &presented.client_id;
    if let Err(t) = ctx.throttle.check(store, "client", id, ip).await? {
        return Err(slow_down(t.retry_after_secs));
    }
    match client_auth::authenticate(ctx, &presented).await {
        Ok(client) => Ok((client, presented)),
        Err(e) if e.code == ErrorCode::InvalidClient => {
            ctx.metrics.client_auth_failures.inc();
            if let Some(t) = ctx.throttle.failed(store, "client", id, ip).await? {
                tracing::warn!(client_id = %id, %ip, wait = t.retry_after_secs, "client authentication throttled");
            }
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

fn slow_down(secs: u64) -> ApiError {
    ApiError(
        OAuthError::new(
            ErrorCode::SlowDown,
            format!("too many failed attempts; retry in {secs} s"),
        ),
        Some(secs),
    )
}
