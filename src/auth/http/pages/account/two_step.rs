//! `/account/two-step`: a person's second-step methods (issue 13, part `twostep`): add an
//! authenticator app (QR code drawn here, the key as text, a first code to confirm), see
//! recovery codes once and make new ones, rename and remove methods — never the last one
//! of a person who must use a second step. Adding, removing and new recovery codes need a
//! recent sign-in (`two_step.reauth_max_age_secs`); an older session signs in again first.
//! Shown inside the account pages' [`Frame`] (their nav, this page marked current).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::super::{BrowserRequest, OrUnavailable, PageError, redirect};
use super::{Account, Frame, account_of};
use crate::auth::accounts::passkeys::CeremonyOptions;
use crate::auth::accounts::two_step::{self, Enrolled, Enrolment, RemoveOutcome};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::oauth::params::Params;

const PAGE: &str = "/account/two-step";
/// Where an absent or too old session goes: the login, coming back here.
const SIGN_IN_AGAIN: &str = "/login?next=two-step";

/// The signed-in person, or where to send the browser instead.
pub(super) enum Visitor {
    SignedIn(Box<Account>),
    SignIn(Response),
}

async fn visitor(state: &AppState, browser: &BrowserRequest) -> Result<Visitor, PageError> {
    Ok(match account_of(state, browser).await? {
        Some(account) => Visitor::SignedIn(Box::new(account)),
        None => Visitor::SignIn(redirect(SIGN_IN_AGAIN)),
    })
}

/// A form of this page: CSRF checked, signed in, and (for `recent`) signed in lately.
pub(super) async fn form_visitor(
    state: &AppState,
    browser: &BrowserRequest,
    form: &Params,
    recent: bool,
) -> Result<Visitor, PageError> {
    let lang = browser.lang(None);
    if !browser.csrf_ok(form.get("csrf")) {
        return Err(PageError::csrf(lang));
    }
    let v = visitor(state, browser).await?;
    if let Visitor::SignedIn(a) = &v {
        let age = state.ctx.clock.now() - a.session.auth_time;
        if recent && age > state.ctx.config.two_step.reauth_max_age_secs {
            tracing::info!(user = %a.user.user_id, age_secs = age, "two-step change needs a fresh sign-in");
            return Ok(Visitor::SignIn(redirect(SIGN_IN_AGAIN)));
        }
    }
    Ok(v)
}

/// What the page shows besides the list; `error` and `notice` are string keys.
#[derive(Default)]
pub(super) struct Shown {
    pub(super) enrol: Option<Enrolment>,
    /// Adding a passkey: the options for `navigator.credentials.create`.
    pub(super) passkey: Option<CeremonyOptions>,
    pub(super) recovery_codes: Option<Vec<String>>,
    pub(super) error: Option<&'static str>,
    pub(super) notice: Option<&'static str>,
}

pub(super) async fn render(
    state: &AppState,
    browser: &BrowserRequest,
    account: &Account,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, PageError> {
    let (lang, user) = (account.lang, &account.user);
    let store = &state.ctx.stores.two_step;
    let methods = store
        .list_methods(&user.user_id)
        .await
        .or_unavailable(lang)?;
    let recovery_left = store
        .count_recovery_codes(&user.user_id)
        .await
        .or_unavailable(lang)?;
    let required = two_step::is_required(&state.ctx, &user.user_id)
        .await
        .or_unavailable(lang)?;
    let passkeys = state
        .ctx
        .stores
        .passkeys
        .list_passkeys(&user.user_id)
        .await
        .or_unavailable(lang)?;
    let passkeys: Vec<_> = passkeys
        .iter()
        .map(|p| {
            minijinja::context! {
                id => &p.passkey_id, name => &p.name, discoverable => p.discoverable,
                added => day(p.created_at), last_used => p.last_used_at.map(day),
            }
        })
        .collect();
    let listed: Vec<_> = methods
        .iter()
        .map(|m| {
            minijinja::context! {
                id => &m.method_id, name => &m.name, kind => m.kind.as_str(),
                added => day(m.created_at), last_used => m.last_used_at.map(day),
            }
        })
        .collect();
    let frame = Frame {
        account,
        path: PAGE,
        notice: (shown.error.map(|key| (key, true))).or(shown.notice.map(|key| (key, false))),
    };
    let mut res = frame.render(
        state,
        browser,
        status,
        "account_two_step.html",
        minijinja::context! {
            methods => listed,
            recovery_left => recovery_left,
            required => required,
            enrol => shown.enrol.as_ref().map(|e| minijinja::context! {
                secret => &e.secret, qr_svg => &e.qr_svg, url => &e.url,
            }),
            recovery_codes => shown.recovery_codes,
            passkeys => passkeys,
            passkeys_on => state.ctx.passkeys.enabled(),
            passkey => shown.passkey.as_ref().map(|p| minijinja::context! {
                ceremony => &p.ceremony, options => &p.options_json,
            }),
        },
    );
    if shown.passkey.is_some() {
        super::super::passkey_script::allow_script(&mut res);
    }
    Ok(res)
}

/// A Unix time as its UTC date.
pub(super) fn day(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(|d| d.date().to_string())
        .unwrap_or_default()
}

pub async fn page(
    State(state): State<AppState>,
    browser: BrowserRequest,
) -> Result<Response, PageError> {
    match visitor(&state, &browser).await? {
        Visitor::SignIn(to) => Ok(to),
        Visitor::SignedIn(account) => {
            render(&state, &browser, &account, StatusCode::OK, Shown::default()).await
        }
    }
}

/// `POST /account/two-step/totp`: shows a new key (QR code and text) to confirm.
pub async fn start_totp(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let account = match form_visitor(&state, &browser, &form, true).await? {
        Visitor::SignIn(to) => return Ok(to),
        Visitor::SignedIn(account) => account,
    };
    let user = &account.user;
    let enrol = two_step::start_enrolment(&state.ctx, &user.user_id, &user.username, browser.id())
        .await
        .or_unavailable(lang)?;
    let shown = Shown {
        enrol: Some(enrol),
        ..Shown::default()
    };
    render(&state, &browser, &account, StatusCode::OK, shown).await
}

/// `POST /account/two-step/totp/verify`: a first code confirms the key shown.
pub async fn verify_totp(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let account = match form_visitor(&state, &browser, &form, true).await? {
        Visitor::SignIn(to) => return Ok(to),
        Visitor::SignedIn(account) => account,
    };
    let user = &account.user;
    let name = form.get("name").unwrap_or_default();
    let code = form.get("code").unwrap_or_default();
    let ctx = &state.ctx;
    let outcome = two_step::finish_enrolment(ctx, &user.user_id, browser.id(), name, code)
        .await
        .or_unavailable(lang)?;
    let (status, shown) = match outcome {
        Enrolled::Added { recovery_codes } => (
            StatusCode::OK,
            Shown {
                recovery_codes,
                notice: Some("two_step_added"),
                ..Shown::default()
            },
        ),
        Enrolled::WrongCode => {
            let enrol = two_step::start_enrolment(ctx, &user.user_id, &user.username, browser.id())
                .await
                .or_unavailable(lang)?;
            (
                StatusCode::BAD_REQUEST,
                Shown {
                    enrol: Some(enrol),
                    error: Some("two_step_wrong_code"),
                    ..Shown::default()
                },
            )
        }
        Enrolled::NothingPending => (
            StatusCode::BAD_REQUEST,
            Shown {
                error: Some("two_step_enrol_expired"),
                ..Shown::default()
            },
        ),
    };
    render(&state, &browser, &account, status, shown).await
}

/// `POST /account/two-step/recovery-codes`: new recovery codes (the old ones stop working).
pub async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let account = match form_visitor(&state, &browser, &form, true).await? {
        Visitor::SignIn(to) => return Ok(to),
        Visitor::SignedIn(account) => account,
    };
    let user = &account.user;
    let has_methods = two_step::method_count(&state.ctx, &user.user_id)
        .await
        .or_unavailable(lang)?
        > 0;
    if !has_methods {
        let shown = Shown {
            error: Some("two_step_no_methods"),
            ..Shown::default()
        };
        return render(&state, &browser, &account, StatusCode::CONFLICT, shown).await;
    }
    let codes = two_step::new_recovery_codes(&state.ctx, &user.user_id)
        .await
        .or_unavailable(lang)?;
    let shown = Shown {
        recovery_codes: Some(codes),
        ..Shown::default()
    };
    render(&state, &browser, &account, StatusCode::OK, shown).await
}

/// `POST /account/two-step/rename`.
pub async fn rename(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let account = match form_visitor(&state, &browser, &form, false).await? {
        Visitor::SignIn(to) => return Ok(to),
        Visitor::SignedIn(account) => account,
    };
    let user = &account.user;
    let method = form.get("method").unwrap_or_default();
    let Some(name) = form.get("name").and_then(two_step::clean_name) else {
        let shown = Shown {
            error: Some("two_step_bad_name"),
            ..Shown::default()
        };
        return render(&state, &browser, &account, StatusCode::BAD_REQUEST, shown).await;
    };
    let renamed = two_step::rename_method(&state.ctx, &user.user_id, method, &name)
        .await
        .or_unavailable(lang)?;
    if !renamed {
        return Err(PageError::not_found(lang));
    }
    Ok(redirect(PAGE))
}

/// `POST /account/two-step/remove`.
pub async fn remove(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let account = match form_visitor(&state, &browser, &form, true).await? {
        Visitor::SignIn(to) => return Ok(to),
        Visitor::SignedIn(account) => account,
    };
    let user = &account.user;
    let method = form.get("method").unwrap_or_default();
    match two_step::remove_method(&state.ctx, &user.user_id, method)
        .await
        .or_unavailable(lang)?
    {
        RemoveOutcome::Removed => Ok(redirect(PAGE)),
        RemoveOutcome::NotFound => Err(PageError::not_found(lang)),
        RemoveOutcome::LastRequired => {
            let shown = Shown {
                error: Some("two_step_last_required"),
                ..Shown::default()
            };
            render(&state, &browser, &account, StatusCode::CONFLICT, shown).await
        }
    }
}
