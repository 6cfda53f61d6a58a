//! Signing in and out through the identity server (the BFF pattern: tokens stay here).
//!
//! ```text
//! GET /login?return_to=/x ─► new session {state, nonce, PKCE verifier, return_to}
//!                            cookie belf_web=<new id>; 303 → issuer /authorize
//! GET /callback?code&state ─► state matches the session's (constant time)?
//!                             code + verifier → tokens; ID token verified (nonce)
//!                             the pre-login session is deleted; a NEW id is issued
//!                             (session fixation); 303 → return_to (a relative path)
//! POST /logout (CSRF) ──────► session deleted, cookie cleared;
//!                             303 → issuer end-session (id_token_hint) → back to /
//! POST /backchannel-logout ─► logout token verified → the person's sessions deleted
//! ```

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::errors::{WebError, lang_of};
use super::form::Fields;
use super::member::save;
use super::redirect::see_other;
use super::session_cookie::{clear_cookie, sent_session, session_cookie};
use super::{AppState, csrf};
use crate::web::return_to;
use crate::web::session::{SessionData, SessionId};

/// How long a sign-in may take between `/login` and `/callback`, in seconds.
const PENDING_TTL: i64 = 600;

/// The start page: signed in → Today; otherwise what Belf is and a sign-in button.
pub async fn home(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    if let Some(id) = sent_session(&jar, state.settings.secure)
        && let Some(data) = state.sessions.load(&id, state.clock.now()).await?
        && data.user.is_some()
    {
        return Ok(see_other("/today"));
    }
    let lang = lang_of(&headers, &state.settings.default_locale);
    Ok(state
        .pages
        .render(StatusCode::OK, "landing.html", lang, minijinja::context! {}))
}

#[derive(Deserialize)]
pub struct LoginQuery {
    return_to: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, WebError> {
    let back = return_to::or_home(q.return_to.as_deref());
    if q.return_to
        .as_deref()
        .is_some_and(|r| return_to::checked(r).is_none())
    {
        tracing::warn!("sign-in: return_to is not a path on this site; using /");
    }
    let now = state.clock.now();
    let mut data = SessionData::new();
    if let Some(old) = sent_session(&jar, state.settings.secure) {
        if let Some(existing) = state.sessions.load(&old, now).await? {
            if existing.user.is_some() {
                return Ok(see_other(&back));
            }
            data.utc_offset = existing.utc_offset;
        }
        state.sessions.delete(&old).await?;
    }
    let lang = lang_of(&headers, &state.settings.default_locale);
    let start = state.rp.start_login(back, lang.code()).await?;
    data.pending = Some(start.pending);
    let id = SessionId::generate();
    data.expires_at = now + PENDING_TTL;
    state
        .sessions
        .save(&id, &data, now, data.expires_at)
        .await?;
    let jar = jar.add(session_cookie(state.settings.secure, &id, PENDING_TTL));
    Ok((jar, see_other(&start.url)).into_response())
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let Some(id) = sent_session(&jar, state.settings.secure) else {
        tracing::warn!("sign-in callback without a session cookie");
        return Err(WebError::LoginFailed);
    };
    let Some(mut data) = state.sessions.load(&id, now).await? else {
        tracing::warn!("sign-in callback for an unknown or expired session");
        return Err(WebError::LoginFailed);
    };
    let Some(pending) = data.pending.take() else {
        return Err(WebError::LoginFailed);
    };
    // The pending sign-in is single use, whatever happens next.
    state.sessions.delete(&id).await?;
    if !csrf::matches(pending.state.expose(), q.state.as_deref()) {
        tracing::warn!("sign-in refused: state does not match");
        return Err(WebError::LoginFailed);
    }
    if let Some(error) = q.error {
        tracing::info!(error = %error.chars().take(64).collect::<String>(), "sign-in refused by the identity server");
        return Err(WebError::LoginDenied);
    }
    let Some(code) = q.code else {
        return Err(WebError::LoginFailed);
    };
    let user = state.rp.finish_login(&code, &pending).await?;
    tracing::info!(sub = %user.sub, "web sign-in succeeded");
    publish_display_name(&state, &user).await;
    let fresh = SessionId::generate();
    let mut signed_in = SessionData::new();
    signed_in.utc_offset = data.utc_offset.take();
    signed_in.user = Some(user);
    save(&state, &fresh, &mut signed_in, now).await?;
    let jar = jar.add(session_cookie(
        state.settings.secure,
        &fresh,
        state.settings.session_ttl_secs,
    ));
    Ok((jar, see_other(&pending.return_to)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    form: Fields,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let Some(id) = sent_session(&jar, state.settings.secure) else {
        return Ok(see_other("/"));
    };
    let Some(data) = state.sessions.load(&id, now).await? else {
        return Ok((jar.add(clear_cookie(state.settings.secure)), see_other("/")).into_response());
    };
    if !csrf::matches(&data.csrf, form.get("csrf")) {
        tracing::warn!("sign-out refused: missing or wrong CSRF token");
        return Err(WebError::Csrf);
    }
    state.sessions.delete(&id).await?;
    let jar = jar.add(clear_cookie(state.settings.secure));
    let Some(user) = data.user else {
        return Ok((jar, see_other("/")).into_response());
    };
    tracing::info!(sub = %user.sub, "web sign-out");
    if let Some(refresh) = &user.refresh_token {
        state.rp.revoke(refresh.expose()).await;
    }
    let lang = form
        .get("lang")
        .unwrap_or(&state.settings.default_locale)
        .to_owned();
    let target = state
        .rp
        .logout_url(
            user.id_token.expose(),
            if lang == "ko" { "ko" } else { "en" },
        )
        .await
        .unwrap_or_else(|| "/".to_owned());
    Ok((jar, see_other(&target)).into_response())
}

/// OpenID Connect Back-Channel Logout 1.0 §2.8: 200 when the sessions are gone, 400 with
/// `invalid_request` when the token is not acceptable; never cached.
pub async fn backchannel_logout(State(state): State<AppState>, form: Fields) -> Response {
    let answer = |status: StatusCode, body: &'static str| {
        let mut res = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    };
    let Some(token) = form.get("logout_token") else {
        return answer(
            StatusCode::BAD_REQUEST,
            r#"{"error":"invalid_request","error_description":"logout_token is required"}"#,
        );
    };
    match state.rp.verify_logout_token(token).await {
        Ok(Ok(subject)) => match state
            .sessions
            .end_for_subject(subject.sub.as_deref(), subject.sid.as_deref())
            .await
        {
            Ok(ended) => {
                tracing::info!(sub = ?subject.sub, sid = ?subject.sid, ended, "back-channel logout: sessions ended");
                answer(StatusCode::OK, "{}")
            }
            Err(e) => {
                tracing::warn!(error = %e, "back-channel logout: session store unavailable");
                answer(
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"error":"temporarily_unavailable"}"#,
                )
            }
        },
        Ok(Err(reason)) => {
            tracing::warn!(%reason, "back-channel logout refused");
            answer(
                StatusCode::BAD_REQUEST,
                r#"{"error":"invalid_request","error_description":"the logout token is not valid"}"#,
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "back-channel logout: identity server keys unavailable");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"error":"temporarily_unavailable"}"#,
            )
        }
    }
}

/// The todo service shows a course's owner by the name the owner chose at the identity
/// server: sent at each sign-in (best effort: a failure only leaves the old name).
async fn publish_display_name(state: &AppState, user: &crate::web::session::SignedIn) {
    let Some(name) = user
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return;
    };
    let name: String = name.chars().take(64).collect();
    let body = serde_json::json!({ "display_name": name });
    let sent = state
        .api
        .call(
            user.access_token.expose(),
            reqwest::Method::PUT,
            "/api/me/profile",
            &[],
            Some(&body),
        )
        .await;
    if let Err(e) = sent {
        tracing::debug!(error = %e, "display name not published to the todo service");
    }
}
