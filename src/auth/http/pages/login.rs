//! `GET|POST /login`: the password form.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::flow::{FormStart, client_name, finish_login, page_lang, pending_for, start_form};
use super::i18n::{self, Lang};
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::accounts::User;
use crate::auth::accounts::throttle::Throttled;
use crate::auth::accounts::users;
use crate::auth::audit::{AuditEvent, AuditKind, RequestOrigin};
use crate::auth::context::AuthContext;
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::http::request_origin::Origin;
use crate::auth::oauth::interaction::Pending;

/// What the login form shows besides its message.
pub(super) struct LoginForm<'a> {
    pub(super) interaction_id: Option<&'a str>,
    pub(super) pending: Option<&'a Pending>,
    /// Pre-filled: the typed username after a failure, or the request's `login_hint`.
    pub(super) username: &'a str,
    /// A device confirmation (RFC 8628) to go on with after the login.
    pub(super) device: Option<&'a str>,
    /// A page of this server to go back to after the login (`next`, a known name).
    pub(super) next: Option<&'a str>,
}

impl LoginForm<'_> {
    pub(super) async fn render(
        &self,
        state: &AppState,
        browser: &BrowserRequest,
        lang: Lang,
        status: StatusCode,
        error: Option<&str>,
    ) -> Response {
        // "Sign in with a passkey": a fresh discoverable-credential ceremony per page. Not
        // offered when it cannot be kept (the page still works with a password).
        let passkey = super::passkey_sign_in::options(state, browser).await;
        let mut res = state.pages.render(
            status,
            "login.html",
            lang,
            minijinja::context! {
                csrf => browser.csrf_token(),
                interaction => self.interaction_id.unwrap_or(""),
                client_name => client_name(&state.ctx, self.pending).await,
                username => self.username,
                device => self.device.unwrap_or(""),
                next => self.next.unwrap_or(""),
                error => error,
                allow_registration => state.ctx.config.pages.allow_registration,
                // A device confirmation continues after a password sign-in only.
                providers => if self.device.is_some() {
                    Vec::new()
                } else {
                    super::upstream::buttons(&state.ctx, lang)
                },
                allow_registration => state.ctx.config.pages.allow_registration
                    && state.ctx.config.registration.mode == crate::config::RegistrationMode::Open,
                passkey => passkey.as_ref().map(|p| minijinja::context! {
                    ceremony => &p.ceremony, options => &p.options_json,
                }),
            },
        );
        if passkey.is_some() {
            super::passkey_script::allow_script(&mut res);
        }
        res
    }

    /// The form again, saying how long to wait before the next try (429, `Retry-After`).
    pub(super) async fn throttled(
        &self,
        state: &AppState,
        browser: &BrowserRequest,
        lang: Lang,
        t: &Throttled,
    ) -> Response {
        let wait = t.retry_after_secs.to_string();
        let msg = i18n::text(lang, "throttled").replace("{s}", &wait);
        let status = StatusCode::TOO_MANY_REQUESTS;
        let mut res = self.render(state, browser, lang, status, Some(&msg)).await;
        if let Ok(v) = HeaderValue::from_str(&wait) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

pub async fn login_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let interaction_id = params.get("interaction");
    let pending = pending_for(&state, interaction_id, &browser, browser.lang(None)).await?;
    let lang = page_lang(&browser, pending.as_ref());
    let hint = pending
        .as_ref()
        .and_then(|p| p.request.login_hint.as_deref())
        .unwrap_or_default();
    let form = LoginForm {
        interaction_id,
        pending: pending.as_ref(),
        username: hint,
        device: device_param(&params),
        next: next_param(&params).map(|(name, _)| name),
    };
    Ok(form
        .render(&state, &browser, lang, StatusCode::OK, None)
        .await)
}

pub async fn login_submit(
    State(state): State<AppState>,
    Origin(origin): Origin,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let FormStart { pending, lang } = start_form(&state, &browser, &form).await?;
    let interaction_id = form.get("interaction");
    let username = form.get("username").unwrap_or("");
    let password = form.get("password").unwrap_or("").to_owned();
    let device = device_param(&form);
    let page = LoginForm {
        interaction_id,
        pending: pending.as_ref(),
        username,
        device,
        next: next_param(&form).map(|(name, _)| name),
    };
    match attempt_login(&state.ctx, &origin, username, password)
        .await
        .or_unavailable(lang)?
    {
        LoginOutcome::Throttled(t) => Ok(page.throttled(&state, &browser, lang, &t).await),
        LoginOutcome::Refused => {
            let msg = i18n::text(lang, "login_failed");
            Ok(page
                .render(&state, &browser, lang, StatusCode::UNAUTHORIZED, Some(msg))
                .await)
        }
        LoginOutcome::Accepted(user) => {
            let continue_to = device
                .map(super::device::confirm_path)
                .or_else(|| next_param(&form).map(|(_, path)| path.to_owned()));
            if state.ctx.config.registration.require_verified_email && !user.email_verified {
                tracing::info!(sub = %user.user_id, "sign-in held until the e-mail address is verified");
                return Ok(super::invitation::must_verify(
                    &state, &browser, lang, &user,
                ));
            }
            finish_login(
                &state,
                browser.jar,
                lang,
                interaction_id,
                pending,
                &user,
                continue_to,
            )
            .await
        }
    }
}

/// The device confirmation a login continues to (`device=<id>`), if it is well formed.
pub(super) fn device_param(params: &crate::auth::oauth::params::Params) -> Option<&str> {
    params
        .get("device")
        .filter(|id| crate::auth::oauth::device::is_confirmation_id(id))
}

/// The page a login returns to (`next=<name>`): only names this server knows, so a link
/// cannot send the person anywhere else (no open redirect).
pub(super) fn next_param(
    params: &crate::auth::oauth::params::Params,
) -> Option<(&'static str, &'static str)> {
    const PAGES: &[(&str, &str)] = &[("two-step", "/account/two-step")];
    let asked = params.get("next")?;
    PAGES.iter().find(|(name, _)| *name == asked).copied()
}

/// The outcome of a password check behind the login throttle.
enum LoginOutcome {
    Accepted(Box<User>),
    /// Wrong username or password (which one is never told).
    Refused,
    /// Too many failures lately: the password was not even checked.
    Throttled(Throttled),
}

/// The login throttle around a password check, in one place: the attempt is counted
/// before the password is hashed (so parallel attempts cannot all slip past the count),
/// then its outcome is reported.
async fn attempt_login(
    ctx: &AuthContext,
    origin: &RequestOrigin,
    username: &str,
    password: String,
) -> anyhow::Result<LoginOutcome> {
    let ip = origin.ip;
    let store = &*ctx.stores.ephemeral;
    let account = users::normalise_login(username);
    let attempt = match ctx.throttle.begin_login(store, &account, ip).await? {
        Ok(attempt) => attempt,
        Err(t) => {
            tracing::warn!(
                %ip,
                limit = t.by.as_str(),
                retry_after_secs = t.retry_after_secs,
                "login throttled"
            );
            ctx.audit
                .record(
                    AuditEvent::new(AuditKind::SignInFailed)
                        .origin(origin)
                        .detail(serde_json::json!({ "method": "password", "reason": "throttled" })),
                )
                .await;
            return Ok(LoginOutcome::Throttled(t));
        }
    };
    match users::authenticate(&*ctx.stores.users, &ctx.passwords, &account, password).await? {
        Ok(user) => {
            ctx.throttle.login_succeeded(store, &attempt).await?;
            tracing::info!(%ip, sub = %user.user_id, "login succeeded");
            ctx.audit
                .record(
                    AuditEvent::new(AuditKind::SignInSucceeded)
                        .user(&user.user_id)
                        .origin(origin)
                        .detail(serde_json::json!({ "method": "password" })),
                )
                .await;
            Ok(LoginOutcome::Accepted(Box::new(user)))
        }
        Err(refusal) => {
            ctx.metrics.login_failures.inc();
            tracing::info!(%ip, reason = refusal.as_str(), "login failed");
            // The account when one matched (a wrong password, a disabled account); the
            // typed name is not kept: people type passwords into it by mistake. Looked up
            // for an unknown name too, so the answer takes as long either way.
            let matched = match refusal {
                users::LoginRefusal::Malformed => None,
                _ => ctx.stores.users.find_user(&account).await.ok().flatten(),
            };
            let mut event = AuditEvent::new(AuditKind::SignInFailed)
                .origin(origin)
                .detail(serde_json::json!({ "method": "password", "reason": refusal.as_str() }));
            if let Some(user) = matched {
                event = event.user(&user.user_id);
            }
            ctx.audit.record(event).await;
            if let Some(t) = ctx.throttle.login_failed(store, &attempt).await? {
                tracing::warn!(
                    %ip,
                    limit = t.by.as_str(),
                    retry_after_secs = t.retry_after_secs,
                    "source throttled after failed logins"
                );
            }
            Ok(LoginOutcome::Refused)
        }
    }
}
