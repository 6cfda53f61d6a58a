//! `/account/providers` (part `upstream`): the providers a signed-in person can sign in
//! with, each connected (with a way to disconnect it, unless it is their last way to sign
//! in) or not (with a way to connect it: a round trip to the provider, `Purpose::Link`).
//! One of the account pages (their [`Frame`] and nav).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Account, Frame, account_of};
use crate::auth::http::AppState;
use crate::auth::http::extractors::{ClientIp, QueryOrForm};
use crate::auth::http::pages::i18n::{self, Lang};
use crate::auth::http::pages::upstream::{failure_page, go};
use crate::auth::http::pages::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::upstream::{Purpose, accounts};

const PAGE: &str = "/account/providers";

/// The signed-in person, or the page that asks them to sign in.
async fn signed_in(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
) -> Result<Result<Account, Response>, PageError> {
    Ok(match account_of(state, browser).await? {
        Some(account) => Ok(account),
        None => Err(state.pages.render(
            StatusCode::UNAUTHORIZED,
            "message.html",
            lang,
            minijinja::context! {
                title => i18n::text(lang, "providers_title"),
                message => i18n::text(lang, "providers_sign_in_first"),
                login_link => true,
            },
        )),
    })
}

pub async fn page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let account = match signed_in(&state, &browser, lang).await? {
        Ok(account) => account,
        Err(page) => return Ok(page),
    };
    let notice = if params.get("linked").is_some() {
        Some(("providers_linked", false))
    } else if params.get("unlinked").is_some() {
        Some(("providers_unlinked", false))
    } else {
        None
    };
    let ctx = &state.ctx;
    let linked = ctx
        .stores
        .upstream_identities
        .identities_of(&account.user.user_id)
        .await
        .or_unavailable(lang)?;
    let providers: Vec<minijinja::Value> = ctx
        .upstreams
        .all()
        .iter()
        .map(|p| {
            let link = linked.iter().find(|l| l.provider == p.config.id);
            minijinja::context! {
                id => p.config.id.clone(),
                name => p.config.display_name(lang.code()).to_owned(),
                linked => link.is_some(),
                email => link.and_then(|l| l.email.clone()),
            }
        })
        .collect();
    let frame = Frame {
        account: &account,
        path: PAGE,
        notice,
    };
    Ok(frame.render(
        &state,
        &browser,
        StatusCode::OK,
        "account_providers.html",
        minijinja::context! { providers => providers },
    ))
}

/// `POST /account/providers/link`: off to the provider to prove the other account.
pub async fn link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    if !browser.csrf_ok(form.get("csrf")) {
        return Err(PageError::csrf(lang));
    }
    let user = match signed_in(&state, &browser, lang).await? {
        Ok(account) => account.user,
        Err(page) => return Ok(page),
    };
    let provider = form.get("provider").unwrap_or_default();
    let purpose = Purpose::Link {
        user_id: user.user_id,
    };
    go(&state, &browser, provider, purpose, lang, PAGE, ip).await
}

/// `POST /account/providers/unlink`: disconnects one, unless it is the last way in.
pub async fn unlink(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    if !browser.csrf_ok(form.get("csrf")) {
        return Err(PageError::csrf(lang));
    }
    let user = match signed_in(&state, &browser, lang).await? {
        Ok(account) => account.user,
        Err(page) => return Ok(page),
    };
    let provider = form.get("provider").unwrap_or_default();
    match accounts::unlink(&state.ctx, &user, provider).await {
        Ok(true) => {
            state
                .ctx
                .audit
                .record(
                    crate::auth::audit::AuditEvent::new(
                        crate::auth::audit::AuditKind::ProviderUnlinked,
                    )
                    .user(&user.user_id)
                    .ip(ip)
                    .detail(serde_json::json!({ "provider": provider })),
                )
                .await;
            Ok(redirect(&format!("{PAGE}?unlinked={provider}")))
        }
        Ok(false) => Ok(redirect(PAGE)),
        Err(failure) => Ok(failure_page(&state, lang, provider, &failure, PAGE, ip)),
    }
}
