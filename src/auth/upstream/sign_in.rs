//! One sign-in at a provider: [`begin`] keeps the state and sends the browser off,
//! [`complete`] takes it back and verifies the provider's answer. Apart from `mod.rs`
//! (the configured providers, which `AuthContext` holds) because it needs the context.

use super::login_state::{self, LoginState, Purpose};
use super::{Provider, ProviderKind, UpstreamFailure, UpstreamProfile};
use crate::auth::context::AuthContext;

/// Starts a sign-in (or a link) at provider `id` for this browser: the URL to send it to.
/// The state, nonce and verifier stay here (`login_state`), never in the browser.
pub async fn begin(
    ctx: &AuthContext,
    id: &str,
    browser_id: &str,
    purpose: Purpose,
    ui_locale: &str,
) -> Result<String, UpstreamFailure> {
    let provider = ctx
        .upstreams
        .get(id)
        .ok_or(UpstreamFailure::UnknownProvider)?;
    let http = &ctx.upstreams.http;
    let start = match &provider.kind {
        ProviderKind::Oidc(p) => p.authorization(http, ui_locale).await?,
        ProviderKind::Github(p) => p.authorization()?,
    };
    let state = LoginState::new(id, browser_id, purpose, &start);
    login_state::save(ctx, &start.state, &state).await?;
    Ok(start.url)
}

/// What the provider sent the browser back with.
#[derive(Debug, Default)]
pub struct Callback<'a> {
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// Finishes a sign-in at provider `id`: the kept state taken (once), checked against this
/// browser, then the provider's answer verified. The state is returned on every outcome
/// it was found for, so a failure page can lead back to the pending `/authorize`.
pub async fn complete(
    ctx: &AuthContext,
    id: &str,
    browser_id: &str,
    callback: Callback<'_>,
) -> (Option<LoginState>, Result<UpstreamProfile, UpstreamFailure>) {
    let provider = match ctx.upstreams.get(id) {
        Some(p) => p,
        None => return (None, Err(UpstreamFailure::UnknownProvider)),
    };
    let state = match callback.state {
        Some(s) => login_state::take(ctx, s, id, browser_id).await,
        None => Ok(None),
    };
    let state = match state {
        Ok(Some(state)) => state,
        Ok(None) => return (None, Err(UpstreamFailure::StateMismatch)),
        Err(e) => return (None, Err(e)),
    };
    let outcome = answer(ctx, provider, &state, &callback).await;
    (Some(state), outcome)
}

async fn answer(
    ctx: &AuthContext,
    provider: &Provider,
    state: &LoginState,
    callback: &Callback<'_>,
) -> Result<UpstreamProfile, UpstreamFailure> {
    if let Some(error) = callback.error {
        return Err(if error == "access_denied" {
            UpstreamFailure::Denied
        } else {
            UpstreamFailure::ProviderError(error.chars().take(64).collect())
        });
    }
    let code = callback
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| UpstreamFailure::ProviderError("no code".into()))?;
    let http = &ctx.upstreams.http;
    match &provider.kind {
        ProviderKind::Oidc(p) => {
            let nonce = state.nonce.as_deref().unwrap_or_default();
            p.finish(http, code, &state.pkce_verifier, nonce).await
        }
        ProviderKind::Github(p) => p.finish(http, code, &state.pkce_verifier).await,
    }
}
