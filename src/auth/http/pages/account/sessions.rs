//! `GET /account/sessions`, `POST /account/sessions/end` (one, by `sid`) and
//! `POST /account/sessions/end-others`: where the person is signed in, and signing out
//! there.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Frame, check_csrf, signed_in, when};
use crate::auth::http::AppState;
use crate::auth::http::extractors::{ClientIp, QueryOrForm};
use crate::auth::http::pages::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::self_service::sessions;

pub async fn sessions_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(query): QueryOrForm,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    let lang = account.lang;
    let live = sessions::live_sessions(&state.ctx, &account.user)
        .await
        .or_unavailable(lang)?;
    let current = account.session.sid();
    let rows: Vec<minijinja::Value> = live
        .iter()
        .map(|s| {
            minijinja::context! {
                sid => s.sid.clone(),
                device => s.device.clone(),
                ip => s.ip.clone(),
                signed_in => when(s.started_at),
                last_seen => when(s.last_seen_at),
                current => Some(s.sid.as_str()) == current,
            }
        })
        .collect();
    let others = live
        .iter()
        .filter(|s| Some(s.sid.as_str()) != current)
        .count();
    let notice = match query.get("done") {
        Some("ended") => Some(("account_session_ended", false)),
        Some("others") => Some(("account_sessions_others_ended", false)),
        Some("gone") => Some(("account_session_gone", true)),
        _ => None,
    };
    let frame = Frame {
        account: &account,
        path: "/account/sessions",
        notice,
    };
    Ok(frame.render(
        &state,
        &browser,
        StatusCode::OK,
        "account_sessions.html",
        minijinja::context! { sessions => rows, others => others },
    ))
}

pub async fn end_one(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    check_csrf(&browser, &form, account.lang)?;
    let sid = form.get("sid").unwrap_or("");
    let ended = sessions::end_session(&state.ctx, &account.user, sid, ip)
        .await
        .or_unavailable(account.lang)?;
    if ended && account.session.sid() == Some(sid) {
        // Signing out here, from the list: the logout page is where that ends.
        return Ok(redirect("/"));
    }
    Ok(redirect(if ended {
        "/account/sessions?done=ended"
    } else {
        "/account/sessions?done=gone"
    }))
}

pub async fn end_others(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    check_csrf(&browser, &form, account.lang)?;
    sessions::end_other_sessions(&state.ctx, &account.user, account.session.sid(), ip)
        .await
        .or_unavailable(account.lang)?;
    Ok(redirect("/account/sessions?done=others"))
}
