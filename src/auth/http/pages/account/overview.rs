//! `GET /account`: who you are here, and where to manage each part.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Frame, signed_in};
use crate::auth::http::AppState;
use crate::auth::http::pages::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::self_service::profile::picture_url;

pub async fn overview(
    State(state): State<AppState>,
    browser: BrowserRequest,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    let picture = state
        .ctx
        .stores
        .accounts
        .picture_id(&account.user.user_id)
        .await
        .or_unavailable(account.lang)?
        .map(|id| picture_url(&state.ctx, &id));
    let frame = Frame {
        account: &account,
        path: "/account",
        notice: None,
    };
    Ok(frame.render(
        &state,
        &browser,
        StatusCode::OK,
        "account_overview.html",
        minijinja::context! {
            email => account.user.email.clone(),
            email_verified => account.user.email_verified,
            picture => picture,
            member_since => super::when(account.user.created_at),
        },
    ))
}
