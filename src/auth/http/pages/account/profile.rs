//! `GET|POST /account/profile`: the display name, and the picture form (which posts to
//! [`super::picture`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Account, Frame, check_csrf, signed_in};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::http::pages::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::self_service::profile::{self, MAX_NAME_CHARS, picture_url};

pub async fn profile_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(query): QueryOrForm,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    // After a change the page is shown again by redirect (no form re-sent on reload).
    let notice = match query.get("done") {
        Some("name") => Some(("account_name_saved", false)),
        Some("picture") => Some(("account_picture_saved", false)),
        Some("picture_removed") => Some(("account_picture_removed", false)),
        _ => None,
    };
    render(&state, &browser, &account, StatusCode::OK, notice, None).await
}

/// The profile page; `typed_name` keeps what was typed after a refusal.
pub async fn render(
    state: &AppState,
    browser: &BrowserRequest,
    account: &Account,
    status: StatusCode,
    notice: Option<(&str, bool)>,
    typed_name: Option<&str>,
) -> Result<Response, PageError> {
    let picture = state
        .ctx
        .stores
        .accounts
        .picture_id(&account.user.user_id)
        .await
        .or_unavailable(account.lang)?
        .map(|id| picture_url(&state.ctx, &id));
    let name = typed_name
        .map(str::to_owned)
        .or_else(|| account.user.name.clone())
        .unwrap_or_default();
    let max_kib = state.ctx.config.account.max_picture_bytes / 1024;
    let frame = Frame {
        account,
        path: "/account/profile",
        notice,
    };
    Ok(frame.render(
        state,
        browser,
        status,
        "account_profile.html",
        minijinja::context! {
            name => name,
            max_name => MAX_NAME_CHARS,
            picture => picture,
            max_picture_kib => max_kib,
        },
    ))
}

pub async fn profile_submit(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    check_csrf(&browser, &form, account.lang)?;
    let typed = form.get("name").unwrap_or("");
    match profile::set_name(&state.ctx, &account.user, typed)
        .await
        .or_unavailable(account.lang)?
    {
        Ok(()) => Ok(redirect("/account/profile?done=name")),
        Err(e) => {
            // Cut what is shown back: the refusal may be for a megabyte of text.
            let shown: String = typed.chars().take(MAX_NAME_CHARS * 2).collect();
            render(
                &state,
                &browser,
                &account,
                StatusCode::BAD_REQUEST,
                Some((e.message_key(), true)),
                Some(&shown),
            )
            .await
        }
    }
}
