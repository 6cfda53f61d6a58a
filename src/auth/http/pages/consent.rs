//! `GET|POST /consent`: the person grants (or refuses) the requested scopes to a client.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::flow::{client_name, page_lang, pending_for, step_response};
use super::i18n::{self, Lang};
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::audit::{AuditEvent, AuditKind, RequestOrigin};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::http::request_origin::Origin;
use crate::auth::oauth::params::Params;
use crate::auth::oauth::{interaction, session};
use crate::config::Config;

/// A scope in the person's words: OpenID Connect's own from the string table, a
/// resource's from its `[[resources]]` descriptions (required for each of its scopes at
/// start), so no page ever shows a raw scope name.
pub(super) fn describe(config: &Config, lang: Lang, scope: &str) -> String {
    let standard = i18n::text(lang, &format!("scope_{scope}"));
    if !standard.is_empty() {
        return standard.to_owned();
    }
    let described = config
        .resources
        .iter()
        .find_map(|r| r.descriptions.get(scope));
    match (described, lang) {
        (Some(d), Lang::En) => d.en.clone(),
        (Some(d), Lang::Ko) => d.ko.clone(),
        // Unreachable for a scope the server knows; said plainly rather than hidden.
        (None, _) => format!("{} {scope}", i18n::text(lang, "scope_other")),
    }
}

pub async fn consent_page(
    State(state): State<AppState>,
    Origin(origin): Origin,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    handle(state, origin, browser, params, false).await
}

pub async fn consent_submit(
    State(state): State<AppState>,
    Origin(origin): Origin,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    handle(state, origin, browser, form, true).await
}

async fn handle(
    state: AppState,
    origin: RequestOrigin,
    browser: BrowserRequest,
    params: Params,
    submit: bool,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let browser_lang = browser.lang(None);
    if submit && !browser.csrf_ok(params.get("csrf")) {
        return Err(PageError::csrf(browser_lang));
    }
    let Some(id) = params.get("interaction") else {
        return Err(PageError::expired(browser_lang));
    };
    // An interaction id was given, so there is always a pending interaction or an error.
    let pending = pending_for(&state, Some(id), &browser, browser_lang)
        .await?
        .ok_or_else(|| PageError::unavailable(browser_lang))?;
    let lang = page_lang(&browser, Some(&pending));
    let session = session::load_session(ctx, browser.session_cookie())
        .await
        .or_unavailable(lang)?;
    // Logged out in between: back to the login step.
    let Some(session) = session else {
        return Ok(step_response(interaction::Step::Login(id.to_owned())));
    };
    if submit {
        let allow = params.get("decision") == Some("allow");
        let scopes = pending.request.consent_scopes().to_string();
        let (client_id, sub) = (&pending.request.client_id, &session.1.user_id);
        if allow {
            tracing::info!(%client_id, %sub, %scopes, "consent given");
            ctx.audit
                .record(
                    AuditEvent::new(AuditKind::ConsentGiven)
                        .user(sub)
                        .client(client_id.as_str())
                        .origin(&origin)
                        .detail(serde_json::json!({ "scopes": scopes })),
                )
                .await;
        } else {
            tracing::info!(%client_id, %sub, %scopes, "consent denied");
        }
        let step = interaction::answer_consent(ctx, id, pending, &session, allow, ctx.clock.now())
            .await
            .or_unavailable(lang)?;
        return Ok(step_response(step));
    }
    // Claims requested one by one show up as the scopes that cover them.
    let scopes: Vec<String> = pending
        .request
        .consent_scopes()
        .iter()
        .map(|s| describe(&ctx.config, lang, s))
        .collect();
    Ok(state.pages.render(
        StatusCode::OK,
        "consent.html",
        lang,
        minijinja::context! {
            csrf => browser.csrf_token(),
            interaction => id,
            client_name => client_name(ctx, Some(&pending)).await,
            scopes => scopes,
            username => session.1.username.clone(),
        },
    ))
}
