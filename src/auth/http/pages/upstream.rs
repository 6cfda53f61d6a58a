//! `POST /upstream/<id>/start` and `GET /upstream/<id>/callback`: signing in with another
//! provider (`auth::upstream`), from the login page's buttons and back.
//!
//! Every failure is a page in the person's language with a way back (to the login page of
//! the pending authorization, or to `/account/providers`), and one log line.

use crate::auth::audit::{AuditEvent, AuditKind};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::flow::{FormStart, finish_first_step, page_lang, start_form};
use super::i18n::{self, Lang};
use super::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::accounts::two_step::FirstFactor;
use crate::auth::context::AuthContext;
use crate::auth::http::AppState;
use crate::auth::http::extractors::{ClientIp, QueryOrForm};
use crate::auth::oauth::interaction;
use crate::auth::upstream::accounts::{self, Matched};
use crate::auth::upstream::sign_in::{self, Callback};
use crate::auth::upstream::{LoginState, Purpose, UpstreamFailure};

/// The login page's buttons: one per provider, in the page's language.
pub fn buttons(ctx: &AuthContext, lang: Lang) -> Vec<minijinja::Value> {
    ctx.upstreams
        .all()
        .iter()
        .map(|p| {
            minijinja::context! {
                id => p.config.id.clone(),
                name => p.config.display_name(lang.code()).to_owned(),
            }
        })
        .collect()
}

pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let FormStart { pending, lang } = start_form(&state, &browser, &form).await?;
    let interaction = pending
        .is_some()
        .then(|| form.get("interaction").map(str::to_owned))
        .flatten();
    let back = login_path(interaction.as_deref());
    go(
        &state,
        &browser,
        &id,
        Purpose::SignIn { interaction },
        lang,
        &back,
        ip,
    )
    .await
}

/// Sends the browser to provider `id`, or shows why it cannot go.
pub(super) async fn go(
    state: &AppState,
    browser: &BrowserRequest,
    id: &str,
    purpose: Purpose,
    lang: Lang,
    back: &str,
    ip: std::net::IpAddr,
) -> Result<Response, PageError> {
    match sign_in::begin(&state.ctx, id, browser.id(), purpose, lang.code()).await {
        Ok(url) => Ok(redirect(&url)),
        Err(failure) => Ok(failure_page(state, lang, id, &failure, back, ip)),
    }
}

pub async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let browser_lang = browser.lang(None);
    let callback = Callback {
        state: params.get("state"),
        code: params.get("code"),
        error: params.get("error"),
    };
    let (login_state, outcome) = sign_in::complete(ctx, &id, browser.id(), callback).await;
    let interaction_id = login_state.as_ref().and_then(LoginState::interaction);
    let pending = match interaction_id {
        Some(i) => interaction::load_pending(ctx, i, browser.id())
            .await
            .or_unavailable(browser_lang)?,
        None => None,
    };
    let lang = page_lang(&browser, pending.as_ref());
    let back = match login_state.as_ref().map(|s| &s.purpose) {
        Some(Purpose::Link { .. }) => "/account/providers".to_owned(),
        _ => login_path(pending.as_ref().and(interaction_id)),
    };
    let (Some(login_state), Ok(profile)) = (login_state.as_ref(), outcome.clone()) else {
        let failure = outcome.err().unwrap_or(UpstreamFailure::StateMismatch);
        return Ok(failure_page(&state, lang, &id, &failure, &back, ip));
    };
    let Some(provider) = ctx.upstreams.get(&id) else {
        return Ok(failure_page(
            &state,
            lang,
            &id,
            &UpstreamFailure::UnknownProvider,
            &back,
            ip,
        ));
    };
    let (user, matched) =
        match accounts::resolve(ctx, &provider.config, &profile, &login_state.purpose).await {
            Ok(found) => found,
            Err(failure) => return Ok(failure_page(&state, lang, &id, &failure, &back, ip)),
        };
    let event = match matched {
        Matched::Linked => "sign_in",
        Matched::Created => "account_created",
        Matched::ByVerifiedEmail | Matched::LinkedBySignedInPerson => "provider_linked",
    };
    let kind = match matched {
        Matched::Created => AuditKind::AccountCreated,
        Matched::ByVerifiedEmail | Matched::LinkedBySignedInPerson => AuditKind::ProviderLinked,
        _ => AuditKind::SignInSucceeded,
    };
    let detail = serde_json::json!({ "method": "upstream", "provider": id,
        "matched": matched.as_str(), "event": event });
    let audit = |kind| {
        AuditEvent::new(kind)
            .user(&user.user_id)
            .ip(ip)
            .detail(detail.clone())
    };
    if kind != AuditKind::SignInSucceeded {
        state.ctx.audit.record(audit(kind)).await;
    }
    if !matches!(login_state.purpose, Purpose::Link { .. }) {
        state
            .ctx
            .audit
            .record(audit(AuditKind::SignInSucceeded))
            .await;
    }
    if matches!(login_state.purpose, Purpose::Link { .. }) {
        return Ok(redirect(&format!("/account/providers?linked={id}")));
    }
    let interaction_id = pending.as_ref().and(interaction_id);
    finish_first_step(
        &state,
        browser.jar,
        lang,
        (interaction_id, pending),
        &user,
        None,
        FirstFactor::Federated,
    )
    .await
}

fn login_path(interaction: Option<&str>) -> String {
    match interaction {
        Some(i) => format!("/login?interaction={i}"),
        None => "/login".to_owned(),
    }
}

/// The page for a failed sign-in or link, and its log line.
pub(super) fn failure_page(
    state: &AppState,
    lang: Lang,
    provider: &str,
    failure: &UpstreamFailure,
    back: &str,
    ip: std::net::IpAddr,
) -> Response {
    let (status, key) = status_and_message(failure);
    let provider: String = provider.chars().take(32).collect();
    if matches!(failure, UpstreamFailure::Storage(_)) {
        tracing::error!(provider = %provider, reason = failure.kind(), detail = failure.detail(),
            ip = %ip, "sign-in with an upstream provider failed: storage");
    }
    // Recorded beside the page, not before it: this answer is not async, and a slow audit
    // write must not hold a failure page.
    let event = AuditEvent::new(AuditKind::SignInFailed)
        .ip(ip)
        .detail(serde_json::json!({
            "method": "upstream", "provider": provider, "reason": failure.kind(),
            "detail": failure.detail(),
        }));
    let audit = state.ctx.audit.clone();
    tokio::spawn(async move { audit.record(event).await });
    let mut res = state.pages.render(
        status,
        "upstream_message.html",
        lang,
        minijinja::context! {
            title => i18n::text(lang, "upstream_failed_title"),
            message => i18n::text(lang, key),
            error => true,
            hint => i18n::text(lang, "upstream_try_again"),
            back => back,
        },
    );
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    res
}

pub(super) fn status_and_message(failure: &UpstreamFailure) -> (StatusCode, &'static str) {
    match failure {
        UpstreamFailure::UnknownProvider => (StatusCode::NOT_FOUND, "upstream_unknown"),
        UpstreamFailure::Denied => (StatusCode::FORBIDDEN, "upstream_denied"),
        UpstreamFailure::ProviderError(_) => (StatusCode::BAD_GATEWAY, "upstream_provider_error"),
        UpstreamFailure::StateMismatch => (StatusCode::BAD_REQUEST, "upstream_state"),
        UpstreamFailure::InvalidToken(_) | UpstreamFailure::Refused(_) => {
            (StatusCode::BAD_GATEWAY, "upstream_invalid_token")
        }
        UpstreamFailure::Unavailable(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, "upstream_unavailable")
        }
        UpstreamFailure::Storage(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        UpstreamFailure::AccountExists => (StatusCode::CONFLICT, "upstream_account_exists"),
        UpstreamFailure::NoAccount => (StatusCode::FORBIDDEN, "upstream_no_account"),
        UpstreamFailure::LinkedElsewhere => (StatusCode::CONFLICT, "upstream_linked_elsewhere"),
        UpstreamFailure::ProviderAlreadyLinked => (StatusCode::CONFLICT, "upstream_already_linked"),
        UpstreamFailure::Disabled => (StatusCode::FORBIDDEN, "upstream_disabled"),
        UpstreamFailure::LastMethod => (StatusCode::CONFLICT, "upstream_last_method"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_is_worded_in_both_languages() {
        let all = [
            UpstreamFailure::UnknownProvider,
            UpstreamFailure::Denied,
            UpstreamFailure::ProviderError(String::new()),
            UpstreamFailure::StateMismatch,
            UpstreamFailure::InvalidToken(String::new()),
            UpstreamFailure::Refused(String::new()),
            UpstreamFailure::Unavailable(String::new()),
            UpstreamFailure::Storage(String::new()),
            UpstreamFailure::AccountExists,
            UpstreamFailure::NoAccount,
            UpstreamFailure::LinkedElsewhere,
            UpstreamFailure::ProviderAlreadyLinked,
            UpstreamFailure::Disabled,
            UpstreamFailure::LastMethod,
        ];
        for lang in [Lang::En, Lang::Ko] {
            for failure in &all {
                let (status, key) = status_and_message(failure);
                assert!(status.is_client_error() || status.is_server_error());
                assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
                assert!(!i18n::text(lang, key).is_empty(), "{key} in {lang:?}");
            }
        }
    }
}
