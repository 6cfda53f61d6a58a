//! Proving it is still the person: the current password, checked behind the same
//! throttle as the login form (a stolen session cookie must not become a password-guessing
//! oracle), or a sign-in recent enough.

use std::net::IpAddr;

use crate::auth::accounts::User;
use crate::auth::accounts::users::{self, MAX_PASSWORD_BYTES};
use crate::auth::context::AuthContext;
use crate::auth::oauth::session::Session;

/// The answer to "is this the person's password?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    Correct,
    Wrong,
    /// Too many wrong answers lately: not even checked. Retry after this many seconds.
    Throttled(u64),
}

pub async fn check_password(
    ctx: &AuthContext,
    user: &User,
    password: String,
    ip: IpAddr,
) -> anyhow::Result<PasswordCheck> {
    let store = &*ctx.stores.ephemeral;
    let account = users::normalise_login(&user.username);
    let attempt = match ctx.throttle.begin_login(store, &account, ip).await? {
        Ok(attempt) => attempt,
        Err(t) => {
            tracing::warn!(target: "belf::audit", event = "reauth_throttled",
                user = %user.user_id, %ip, retry_after_secs = t.retry_after_secs,
                "password re-check throttled");
            return Ok(PasswordCheck::Throttled(t.retry_after_secs));
        }
    };
    let correct = password.len() <= MAX_PASSWORD_BYTES
        && ctx
            .passwords
            .verify(Some(user.password_hash.clone()), password)
            .await?;
    if correct {
        ctx.throttle.login_succeeded(store, &attempt).await?;
        Ok(PasswordCheck::Correct)
    } else {
        ctx.metrics.login_failures.inc();
        tracing::info!(target: "belf::audit", event = "reauth_failed", user = %user.user_id,
            %ip, "wrong current password on an account page");
        ctx.throttle.login_failed(store, &attempt).await?;
        Ok(PasswordCheck::Wrong)
    }
}

/// Whether the session's sign-in is recent enough to stand in for the password
/// (`account.delete_recent_sign_in_secs`; 0: never).
pub fn signed_in_recently(ctx: &AuthContext, session: &Session) -> bool {
    let window = ctx.config.account.delete_recent_sign_in_secs;
    window > 0
        && ctx.clock.now().saturating_sub(session.auth_time)
            <= i64::try_from(window).unwrap_or(i64::MAX)
}
