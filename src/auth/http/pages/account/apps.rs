//! `GET /account/apps` and `POST /account/apps/revoke`: the apps the person let in, and
//! taking that back.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Frame, check_csrf, signed_in, when};
use crate::auth::http::AppState;
use crate::auth::http::extractors::{ClientIp, QueryOrForm};
use crate::auth::http::pages::consent::describe;
use crate::auth::http::pages::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::self_service::apps;

pub async fn apps_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(query): QueryOrForm,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    let lang = account.lang;
    let list = apps::connected_apps(&state.ctx, &account.user)
        .await
        .or_unavailable(lang)?;
    let rows: Vec<minijinja::Value> = list
        .iter()
        .map(|app| {
            minijinja::context! {
                client_id => app.client_id.clone(),
                name => app.client_name.clone().unwrap_or_else(|| app.client_id.clone()),
                scopes => app.scopes.iter().map(|s| describe(&state.ctx.config, lang, s)).collect::<Vec<_>>(),
                since => when(app.updated_at),
            }
        })
        .collect();
    let notice = match query.get("done") {
        Some("revoked") => Some(("account_app_revoked", false)),
        Some("gone") => Some(("account_app_gone", true)),
        _ => None,
    };
    let frame = Frame {
        account: &account,
        path: "/account/apps",
        notice,
    };
    Ok(frame.render(
        &state,
        &browser,
        StatusCode::OK,
        "account_apps.html",
        minijinja::context! { apps => rows },
    ))
}

pub async fn revoke(
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
    let client_id = form.get("client_id").unwrap_or("");
    let revoked = apps::revoke_app(&state.ctx, &account.user, client_id, ip)
        .await
        .or_unavailable(account.lang)?;
    Ok(redirect(if revoked {
        "/account/apps?done=revoked"
    } else {
        "/account/apps?done=gone"
    }))
}
