//! The middleware that keeps the session directory (`self_service::sessions`) for every
//! page, whichever part signs people in: a response that sets the session cookie records
//! the session with this request's device and address; one that clears it forgets it; a
//! request that carries it moves "last seen". Failures are logged and never fail a page.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;

use crate::auth::http::AppState;
use crate::auth::http::cookies::SESSION_COOKIE;
use crate::auth::http::extractors::ClientIp;
use crate::auth::self_service::sessions::{self, LastSeenMemo, Seen};

/// What became of the session cookie in a response.
enum CookieChange {
    Set(String),
    Cleared,
}

fn session_cookie_change(res: &Response) -> Option<CookieChange> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| Cookie::parse(v).ok())
        .rfind(|c| c.name() == SESSION_COOKIE)
        .map(|c| {
            let expired = c
                .max_age()
                .is_some_and(|age| age.is_zero() || age.is_negative());
            if c.value().is_empty() || expired {
                CookieChange::Cleared
            } else {
                CookieChange::Set(c.value().to_owned())
            }
        })
}

pub async fn track_sessions(
    State((state, memo)): State<(AppState, LastSeenMemo)>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let Ok(ClientIp(ip)) = ClientIp::from_request_parts(&mut parts, &state).await;
    let sent = CookieJar::from_headers(&parts.headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_owned());
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.run(Request::from_parts(parts, body)).await;
    let ctx = &state.ctx;
    let outcome = match (session_cookie_change(&res), sent) {
        (Some(CookieChange::Set(cookie)), _) => {
            let seen = Seen {
                user_agent: user_agent.as_deref(),
                ip,
            };
            sessions::record_started(ctx, &cookie, seen).await
        }
        (Some(CookieChange::Cleared), Some(old)) => sessions::record_ended(ctx, &old).await,
        (None, Some(cookie)) => {
            let seen = Seen {
                user_agent: user_agent.as_deref(),
                ip,
            };
            sessions::touch(ctx, &memo, &cookie, seen).await
        }
        (_, None) => Ok(()),
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "session directory not updated");
    }
    res
}
