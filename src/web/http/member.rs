//! [`Member`]: a signed-in person whose access token is fresh, from the session the
//! request's cookie ([`super::session_cookie`]) names.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use minijinja::Value;

use super::errors::{WebError, lang_of};
use super::form::Fields;
use super::i18n::Lang;
use super::session_cookie::sent_session;
use super::{AppState, csrf};
use crate::web::rp::RpError;
use crate::web::session::{SessionData, SessionId, SignedIn};

/// Serialises refreshes of one session inside this process: two tabs loading at once must
/// not both spend the refresh token (strict rotation would treat the second use as theft
/// and revoke the grant). Striped: a fixed set of locks, picked by the session's key.
#[derive(Clone)]
pub struct RefreshLocks(Arc<Vec<tokio::sync::Mutex<()>>>);

impl Default for RefreshLocks {
    fn default() -> Self {
        RefreshLocks(Arc::new(
            (0..64).map(|_| tokio::sync::Mutex::new(())).collect(),
        ))
    }
}

impl RefreshLocks {
    fn lock_for(&self, key: &str) -> &tokio::sync::Mutex<()> {
        let n = key.bytes().take(8).fold(0usize, |a, b| {
            a.wrapping_mul(31).wrapping_add(usize::from(b))
        });
        &self.0[n % self.0.len()]
    }
}

/// A signed-in person: their session and a usable access token.
pub struct Member {
    pub id: SessionId,
    pub data: SessionData,
    pub user: SignedIn,
    pub lang: Lang,
}

impl Member {
    /// The person's time zone: the one chosen on the Today page, else the app's default
    /// (`web.default_utc_offset`). Every page that names "today" asks here, so a course
    /// page and the Today page agree at midnight.
    pub fn utc_offset(&self, state: &AppState) -> crate::web::zone::UtcOffset {
        use crate::web::zone::UtcOffset;
        self.data
            .utc_offset
            .as_deref()
            .and_then(UtcOffset::parse)
            .or_else(|| UtcOffset::parse(&state.settings.default_utc_offset))
            .unwrap_or(UtcOffset::UTC)
    }

    pub fn token(&self) -> &str {
        self.user.access_token.expose()
    }

    pub fn check_csrf(&self, form: &Fields) -> Result<(), WebError> {
        if csrf::matches(&self.data.csrf, form.get("csrf")) {
            Ok(())
        } else {
            tracing::warn!(sub = %self.user.sub, "form refused: missing or wrong CSRF token");
            Err(WebError::Csrf)
        }
    }

    /// What every page's header needs (name, CSRF token of the sign-out form).
    pub fn nav(&self) -> Value {
        minijinja::context! {
            name => self.user.name.clone().unwrap_or_else(|| self.user.sub.clone()),
            csrf => self.data.csrf.clone(),
        }
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let lang = lang_of(&parts.headers, &state.settings.default_locale);
        let jar = CookieJar::from_headers(&parts.headers);
        let id = sent_session(&jar, state.settings.secure).ok_or(WebError::SignIn)?;
        let now = state.clock.now();
        let mut data = state
            .sessions
            .load(&id, now)
            .await?
            .ok_or(WebError::SignIn)?;
        let Some(mut user) = data.user.clone() else {
            return Err(WebError::SignIn);
        };
        if user.access_expires_at - now <= state.settings.refresh_margin_secs {
            user = refresh(state, &id, user).await?;
            data.user = Some(user.clone());
        } else if data_expires_soon(&data, state, now) {
            // Sliding expiry: a session in use stays open.
            save(state, &id, &mut data, now).await?;
        }
        Ok(Member {
            id,
            data,
            user,
            lang,
        })
    }
}

fn data_expires_soon(data: &SessionData, state: &AppState, now: i64) -> bool {
    data.expires_at - now < state.settings.session_ttl_secs / 2
}

pub async fn save(
    state: &AppState,
    id: &SessionId,
    data: &mut SessionData,
    now: i64,
) -> Result<(), WebError> {
    data.expires_at = now + state.settings.session_ttl_secs;
    state.sessions.save(id, data, now, data.expires_at).await?;
    Ok(())
}

/// A fresh access token for the session, refreshed once even if several requests ask.
async fn refresh(state: &AppState, id: &SessionId, stale: SignedIn) -> Result<SignedIn, WebError> {
    let key = id.store_key();
    let _one_at_a_time = state.refreshes.lock_for(&key).lock().await;
    let now = state.clock.now();
    // Another request (or another web instance) may have refreshed while this one waited.
    let mut data = state
        .sessions
        .load_uncached(id, now)
        .await?
        .ok_or(WebError::SignIn)?;
    let current = data.user.clone().ok_or(WebError::SignIn)?;
    if current.access_expires_at - now > state.settings.refresh_margin_secs {
        return Ok(current);
    }
    match state.rp.refresh(&current).await {
        Ok(fresh) => {
            tracing::info!(sub = %fresh.sub, "access token refreshed");
            data.user = Some(fresh.clone());
            save(state, id, &mut data, now).await?;
            Ok(fresh)
        }
        Err(RpError::Unavailable(cause)) if current.access_expires_at > now => {
            // Still valid for a little while: keep going with it.
            tracing::warn!(%cause, "token refresh failed; the access token is still valid");
            Ok(current)
        }
        Err(RpError::Refused(reason)) | Err(RpError::Invalid(reason)) => {
            tracing::info!(sub = %stale.sub, %reason, "session ended: the refresh token was refused");
            state.sessions.delete(id).await?;
            Err(WebError::SignIn)
        }
        Err(e) => Err(e.into()),
    }
}
