//! `GET|POST /login/second-step`: the second step of a login, between the password and
//! the session (two-step login, issue 13). A code from an authenticator app or a recovery
//! code; or, for a person who must use a second step and has none, setting up an app
//! first (then the recovery codes, once, and "continue").

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::flow::{Continuation, complete_login, page_lang, pending_for};
use super::i18n::{self, Lang};
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::accounts::User;
use crate::auth::accounts::passkeys;
use crate::auth::accounts::throttle::Throttled;
use crate::auth::accounts::two_step::{self, CodeCheck, Enrolled, FirstFactor};
use crate::auth::http::AppState;
use crate::auth::http::extractors::{ClientIp, QueryOrForm};
use crate::auth::oauth::interaction::Pending;
use crate::auth::oauth::params::Params;
use crate::auth::oauth::second_step::{self, PendingSecondStep};

/// The waiting login a request names, its person, its pending authorization and the
/// language to answer in.
pub(super) struct Waiting {
    pub(super) id: String,
    pub(super) login: PendingSecondStep,
    pub(super) user: User,
    pub(super) pending: Option<Pending>,
    pub(super) lang: Lang,
}

pub(super) async fn waiting(
    state: &AppState,
    browser: &BrowserRequest,
    params: &Params,
) -> Result<Waiting, PageError> {
    let lang = browser.lang(None);
    let id = params.get("step").unwrap_or_default();
    let Some(login) = second_step::load(&state.ctx, id, browser.id())
        .await
        .or_unavailable(lang)?
    else {
        return Err(PageError::expired(lang));
    };
    let user = match state.ctx.stores.users.get_user(&login.user_id).await {
        Ok(Some(user)) if !user.disabled => user,
        Ok(_) => return Err(PageError::expired(lang)),
        Err(e) => return Err(e).or_unavailable(lang),
    };
    let pending = pending_for(state, login.interaction.as_deref(), browser, lang).await?;
    let lang = page_lang(browser, pending.as_ref());
    Ok(Waiting {
        id: id.to_owned(),
        login,
        user,
        pending,
        lang,
    })
}

/// What the page shows besides the form: an error, the recovery codes.
#[derive(Default)]
pub(super) struct Shown<'a> {
    pub(super) error: Option<&'a str>,
    pub(super) recovery_codes: Option<Vec<String>>,
}

pub(super) async fn render(
    state: &AppState,
    browser: &BrowserRequest,
    w: &Waiting,
    status: StatusCode,
    shown: Shown<'_>,
) -> Result<Response, PageError> {
    let enrolment = if w.login.enrol && !w.login.done {
        Some(
            two_step::start_enrolment(&state.ctx, &w.user.user_id, &w.user.username, browser.id())
                .await
                .or_unavailable(w.lang)?,
        )
    } else {
        None
    };
    // A person with passkeys may give one instead of a code.
    let passkey = if w.login.enrol || w.login.done {
        None
    } else {
        passkeys::verify::start_second_step(&state.ctx, &w.user.user_id, &w.id, browser.id())
            .await
            .or_unavailable(w.lang)?
    };
    let mut res = state.pages.render(
        status,
        "second_step.html",
        w.lang,
        minijinja::context! {
            csrf => browser.csrf_token(),
            step => &w.id,
            client_name => super::flow::client_name(&state.ctx, w.pending.as_ref()).await,
            done => w.login.done,
            enrol => enrolment.as_ref().map(|e| minijinja::context! {
                secret => &e.secret, qr_svg => &e.qr_svg, url => &e.url,
            }),
            recovery_codes => shown.recovery_codes,
            error => shown.error,
            passkey => passkey.as_ref().map(|p| minijinja::context! {
                ceremony => &p.ceremony, options => &p.options_json,
            }),
        },
    );
    if passkey.is_some() {
        super::passkey_script::allow_script(&mut res);
    }
    Ok(res)
}

pub async fn second_step_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let w = waiting(&state, &browser, &params).await?;
    render(&state, &browser, &w, StatusCode::OK, Shown::default()).await
}

pub async fn second_step_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    if !browser.csrf_ok(form.get("csrf")) {
        return Err(PageError::csrf(browser.lang(None)));
    }
    let mut w = waiting(&state, &browser, &form).await?;
    let lang = w.lang;
    let code = form.get("code").unwrap_or_default();
    if w.login.done {
        return finish(&state, browser, w, FirstFactor::with_code).await;
    }
    if w.login.enrol {
        let name = form.get("name").unwrap_or_default();
        let enrolled =
            two_step::finish_enrolment(&state.ctx, &w.user.user_id, browser.id(), name, code)
                .await
                .or_unavailable(lang)?;
        return match enrolled {
            Enrolled::Added { recovery_codes } => {
                w.login.done = true;
                second_step::save(&state.ctx, &w.id, &w.login)
                    .await
                    .or_unavailable(lang)?;
                let shown = Shown {
                    recovery_codes,
                    ..Shown::default()
                };
                render(&state, &browser, &w, StatusCode::OK, shown).await
            }
            Enrolled::WrongCode | Enrolled::NothingPending => {
                let error = Some(i18n::text(lang, "two_step_wrong_code"));
                let shown = Shown {
                    error,
                    ..Shown::default()
                };
                render(&state, &browser, &w, StatusCode::BAD_REQUEST, shown).await
            }
        };
    }
    let checked = two_step::check_code(&state.ctx, &w.user.user_id, ip, code)
        .await
        .or_unavailable(lang)?;
    let (status, key) = match checked {
        CodeCheck::Accepted { .. } => {
            return finish(&state, browser, w, FirstFactor::with_code).await;
        }
        CodeCheck::Refused => (StatusCode::UNAUTHORIZED, "two_step_wrong_code"),
        CodeCheck::Reused => (StatusCode::UNAUTHORIZED, "two_step_reused_code"),
        CodeCheck::Throttled(t) => return throttled(&state, &browser, &w, &t).await,
    };
    let shown = Shown {
        error: Some(i18n::text(lang, key)),
        ..Shown::default()
    };
    render(&state, &browser, &w, status, shown).await
}

/// The page again, saying how long to wait before the next try (429, `Retry-After`).
pub(super) async fn throttled(
    state: &AppState,
    browser: &BrowserRequest,
    w: &Waiting,
    t: &Throttled,
) -> Result<Response, PageError> {
    let wait = t.retry_after_secs.to_string();
    let msg = i18n::text(w.lang, "throttled").replace("{s}", &wait);
    let shown = Shown {
        error: Some(&msg),
        ..Shown::default()
    };
    let mut res = render(state, browser, w, StatusCode::TOO_MANY_REQUESTS, shown).await?;
    if let Ok(v) = HeaderValue::from_str(&wait) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(res)
}

/// The second step is done: the waiting login is taken (single use) and completed; `amr`
/// says how (`FirstFactor::with_code`, `FirstFactor::with_passkey`).
pub(super) async fn finish(
    state: &AppState,
    browser: BrowserRequest,
    w: Waiting,
    amr: fn(FirstFactor) -> Vec<String>,
) -> Result<Response, PageError> {
    let Some(login) = second_step::take(&state.ctx, &w.id, browser.id())
        .await
        .or_unavailable(w.lang)?
    else {
        return Err(PageError::expired(w.lang));
    };
    let then = Continuation {
        interaction_id: login.interaction,
        pending: w.pending,
        continue_to: login.continue_to,
    };
    let amr = amr(login.first);
    complete_login(state, browser.jar, w.lang, &w.user, amr, then).await
}
