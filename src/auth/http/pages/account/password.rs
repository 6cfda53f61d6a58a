//! `GET|POST /account/password`: the current password, then the new one twice.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::{Account, Frame, check_csrf, signed_in};
use crate::auth::accounts::users::UserError;
use crate::auth::http::AppState;
use crate::auth::http::extractors::{ClientIp, QueryOrForm};
use crate::auth::http::pages::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::self_service::password::change_password;
use crate::auth::self_service::reauth::{PasswordCheck, check_password};

pub async fn password_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(query): QueryOrForm,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    let notice = query
        .get("done")
        .map(|_| ("account_password_changed", false));
    Ok(render(&state, &browser, &account, StatusCode::OK, notice))
}

fn render(
    state: &AppState,
    browser: &BrowserRequest,
    account: &Account,
    status: StatusCode,
    notice: Option<(&str, bool)>,
) -> Response {
    let frame = Frame {
        account,
        path: "/account/password",
        notice,
    };
    frame.render(
        state,
        browser,
        status,
        "account_password.html",
        minijinja::context! {},
    )
}

pub async fn password_submit(
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
    let refuse = |status, key| {
        Ok(render(
            &state,
            &browser,
            &account,
            status,
            Some((key, true)),
        ))
    };
    let new = form.get("new_password").unwrap_or("");
    if new != form.get("confirm_password").unwrap_or("") {
        return refuse(StatusCode::BAD_REQUEST, "account_password_mismatch");
    }
    let current = form.get("current_password").unwrap_or("").to_owned();
    match check_password(&state.ctx, &account.user, current, ip)
        .await
        .or_unavailable(account.lang)?
    {
        PasswordCheck::Correct => {}
        PasswordCheck::Wrong => {
            return refuse(StatusCode::UNAUTHORIZED, "account_password_wrong");
        }
        PasswordCheck::Throttled(secs) => {
            let mut res = render(
                &state,
                &browser,
                &account,
                StatusCode::TOO_MANY_REQUESTS,
                Some(("account_throttled", true)),
            );
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(res);
        }
    }
    match change_password(
        &state.ctx,
        &account.user,
        &account.session,
        &account.cookie,
        new.to_owned(),
        ip,
    )
    .await
    {
        Ok(()) => Ok(redirect("/account/password?done=1")),
        Err(UserError::Invalid { .. }) => refuse(StatusCode::BAD_REQUEST, "account_password_rules"),
        // The password policy (length, not built on the name or address, not common).
        Err(UserError::WeakPassword(v)) => refuse(StatusCode::BAD_REQUEST, v.i18n_key()),
        Err(e) => Err(e).or_unavailable(account.lang),
    }
}
