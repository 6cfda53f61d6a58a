//! `GET|POST /register`: people create their own accounts (if `pages.allow_registration`).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::flow::{FormStart, finish_login, page_lang, pending_for, start_form};
use super::i18n::{self, Lang};
use super::invitation::{self, Invitation, InviteCheck, Welcome};
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::accounts::users::{self, NewUser, UserError};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::http::request_origin::Origin;
use crate::auth::oauth::params::Params;
use crate::config::RegistrationMode;

/// Passes only while registration is open; otherwise the "closed" page (404). Extracted
/// before [`BrowserRequest`], so a closed registration binds no browser.
pub struct RegistrationOpen;

impl FromRequestParts<AppState> for RegistrationOpen {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let config = &state.ctx.config;
        if config.pages.allow_registration && config.registration.mode != RegistrationMode::Closed {
            return Ok(RegistrationOpen);
        }
        let lang = Lang::choose(
            None,
            super::accept_language(&parts.headers),
            &state.ctx.config.pages.default_locale,
        );
        Err(PageError::registration_closed(lang))
    }
}

fn render(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
    status: StatusCode,
    form: &Params,
    invite: Option<&Invitation>,
    error: Option<String>,
) -> Response {
    state.pages.render(
        status,
        "register.html",
        lang,
        minijinja::context! {
            csrf => browser.csrf_token(),
            interaction => form.get("interaction").unwrap_or(""),
            username => form.get("username").unwrap_or(""),
            // With an invitation the address is the invited one, shown but not editable.
            email => invite.map_or(form.get("email").unwrap_or(""), |i| i.email.as_str()),
            name => form.get("name").unwrap_or(""),
            error => error,
            invite => invite.map_or("", |i| i.token.as_str()),
        },
    )
}

pub async fn register_page(
    State(state): State<AppState>,
    _open: RegistrationOpen,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let pending = pending_for(
        &state,
        params.get("interaction"),
        &browser,
        browser.lang(None),
    )
    .await?;
    let lang = page_lang(&browser, pending.as_ref());
    let invite = match invitation::required(&state.ctx, &params)
        .await
        .or_unavailable(lang)?
    {
        InviteCheck::NotNeeded => None,
        InviteCheck::Valid(invite) => Some(invite),
        InviteCheck::Missing => return Ok(invitation::invite_only(&state, lang)),
    };
    Ok(render(
        &state,
        &browser,
        lang,
        StatusCode::OK,
        &params,
        invite.as_ref(),
        None,
    ))
}

pub async fn register_submit(
    State(state): State<AppState>,
    _open: RegistrationOpen,
    Origin(origin): Origin,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let ip = origin.ip;
    let FormStart { pending, lang } = start_form(&state, &browser, &form).await?;
    // Counted before the password is hashed and whether or not the form is valid: one
    // source creating accounts by the dozen (or probing which names are taken) waits.
    let admitted = ctx
        .throttle
        .begin_registration(&*ctx.stores.ephemeral, ip)
        .await
        .or_unavailable(lang)?;
    if let Err(t) = admitted {
        tracing::warn!(
            %ip,
            limit = t.by.as_str(),
            retry_after_secs = t.retry_after_secs,
            "registration throttled"
        );
        let wait = t.retry_after_secs.to_string();
        let msg = i18n::text(lang, "registration_throttled").replace("{s}", &wait);
        let mut res = render(
            &state,
            &browser,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            &form,
            None,
            Some(msg),
        );
        if let Ok(v) = HeaderValue::from_str(&wait) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(res);
    }
    let invite = match invitation::required(ctx, &form)
        .await
        .or_unavailable(lang)?
    {
        InviteCheck::NotNeeded => None,
        InviteCheck::Valid(invite) => Some(invite),
        InviteCheck::Missing => return Ok(invitation::invite_only(&state, lang)),
    };
    let email = match &invite {
        Some(invite) => invite.email.clone(),
        None => form.get("email").unwrap_or("").to_owned(),
    };
    let new = NewUser {
        username: form.get("username").unwrap_or("").to_owned(),
        email,
        name: form.get("name").map(str::to_owned),
        password: form.get("password").unwrap_or("").to_owned(),
    };
    let (status, error) =
        match users::create_user(&*ctx.stores.users, &ctx.passwords, new, ctx.clock.now()).await {
            Ok(mut user) => {
                let welcome = invitation::welcome(ctx, &mut user, invite.as_ref(), lang, &origin)
                    .await
                    .or_unavailable(lang)?;
                if welcome == Welcome::VerifyFirst {
                    return Ok(invitation::verify_first(&state, &browser, lang, &user));
                }
                let interaction_id = form.get("interaction");
                return finish_login(
                    &state,
                    browser.jar,
                    lang,
                    interaction_id,
                    pending,
                    &user,
                    None,
                )
                .await;
            }
            Err(UserError::Invalid { field, .. }) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                i18n::text(lang, invalid_field_key(field)).to_owned(),
            ),
            Err(UserError::WeakPassword(why)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                i18n::text(lang, why.i18n_key()).to_owned(),
            ),
            Err(UserError::Taken) => (StatusCode::CONFLICT, i18n::text(lang, "taken").to_owned()),
            Err(e) => return Err(e).or_unavailable(lang),
        };
    Ok(render(
        &state,
        &browser,
        lang,
        status,
        &form,
        invite.as_ref(),
        Some(error),
    ))
}

/// The page's words for a field the account service refused (its own message, meant for
/// the CLI, is English).
fn invalid_field_key(field: &str) -> &'static str {
    match field {
        "username" => "invalid_username",
        "email" => "invalid_email",
        "password" => "invalid_password",
        _ => "invalid_name",
    }
}
