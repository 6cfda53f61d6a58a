//! `GET|POST /account/delete`: deleting the account, after re-authentication (the
//! password typed here, or a sign-in within `account.delete_recent_sign_in_secs`), and a
//! confirmation page.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Account, Frame, check_csrf, signed_in};
use crate::auth::http::AppState;
use crate::auth::http::cookies;
use crate::auth::http::extractors::{ClientIp, QueryOrForm};
use crate::auth::http::pages::{BrowserRequest, OrUnavailable, PageError, i18n};
use crate::auth::self_service::deletion::delete_account;
use crate::auth::self_service::reauth::{PasswordCheck, check_password, signed_in_recently};

pub async fn delete_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    Ok(render(&state, &browser, &account, StatusCode::OK, None))
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
        path: "/account/delete",
        notice,
    };
    frame.render(
        state,
        browser,
        status,
        "account_delete.html",
        minijinja::context! {
            recent => signed_in_recently(&state.ctx, &account.session),
        },
    )
}

pub async fn delete_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    let lang = account.lang;
    check_csrf(&browser, &form, lang)?;
    let refuse = |status, key| {
        Ok(render(
            &state,
            &browser,
            &account,
            status,
            Some((key, true)),
        ))
    };
    if form.get("confirm") != Some("yes") {
        return refuse(StatusCode::BAD_REQUEST, "account_delete_unconfirmed");
    }
    let password = form.get("password").unwrap_or("");
    if password.is_empty() {
        if !signed_in_recently(&state.ctx, &account.session) {
            return refuse(StatusCode::UNAUTHORIZED, "account_delete_needs_password");
        }
    } else {
        match check_password(&state.ctx, &account.user, password.to_owned(), ip)
            .await
            .or_unavailable(lang)?
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
    }
    delete_account(&state.ctx, &account.user, ip)
        .await
        .or_unavailable(lang)?;
    let page = state.pages.message(
        StatusCode::OK,
        lang,
        "account_deleted_title",
        i18n::text(lang, "account_deleted_message"),
    );
    Ok((cookies::clear_session(browser.jar), page).into_response())
}
