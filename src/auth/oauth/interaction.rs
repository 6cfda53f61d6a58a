//! The login → consent → code state machine behind `/authorize`.
//!
//! ```text
//!  /authorize ──(request valid)──► decide(session, pending)
//!        │
//!        ├─ no session / prompt=login / max_age passed / hint names someone else /
//!        │  a second step demanded (acr_values, or required) that the session lacks
//!        │      ├─ prompt=none ───────────────► redirect error=login_required
//!        │      └─ else ──► Pending ──► /login ──(password ok)──► [/login/second-step
//!        │                  (code, or enrolment) when the person has or needs one]
//!        │                  ──(session rotated)──► decide again
//!        ├─ scopes not yet granted / prompt=consent
//!        │      ├─ prompt=none ───────────────► redirect error=consent_required
//!        │      └─ else ──► Pending ──► /consent ──(allow)──► decide again
//!        │                                        └─(deny)───► redirect error=access_denied
//!        └─ otherwise ─────────────────────────► code issued, redirect code+state+iss
//! ```
//!
//! A `Pending` interaction lives in the ephemeral store under a random id, bound to the
//! browser that started it (a digest of its `belf_browser` cookie): a link to a login or
//! consent page opened in another browser does nothing.

use serde::{Deserialize, Serialize};

use super::authorize::{AuthorizationRequest, RedirectError, redirect_with};
use super::code;
use super::error::{ErrorCode, OAuthError, OAuthResult};
use super::session::Session;
use crate::auth::accounts::User;
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

/// An authorization request waiting for the person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub request: AuthorizationRequest,
    pub browser: String,
    /// A login happened inside this interaction (satisfies prompt=login / max_age).
    pub login_done: bool,
    pub consent_done: bool,
}

/// What the browser should see next.
#[derive(Debug)]
pub enum Step {
    /// Show the login page for this interaction id.
    Login(String),
    /// Show the consent page for this interaction id.
    Consent(String),
    /// Redirect to the client (a code or an error).
    Redirect(String),
}

pub async fn save_pending(ctx: &AuthContext, id: &str, pending: &Pending) -> OAuthResult<()> {
    let json = serde_json::to_string(pending).map_err(|e| OAuthError::unavailable(&e))?;
    ctx.stores
        .ephemeral
        .put(
            Namespace::Interaction,
            id,
            &json,
            ctx.config.session.interaction_ttl_secs,
        )
        .await?;
    bound_per_browser(ctx, id, &pending.browser).await
}

/// Keeps at most `session.max_interactions_per_browser` pending interactions per browser:
/// each new one is listed under its browser, and past the cap the oldest listed ones are
/// dropped (their pages then say "expired"). Without this, one browser — or one script
/// keeping its cookie — could fill the store with requests it never finishes.
///
/// The list lives beside the interactions (same namespace and lifetime), under a key no
/// interaction id can take (ids are at most 64 characters; this one is longer). Finished
/// interactions stay listed until pushed out: dropping what is already gone costs nothing.
async fn bound_per_browser(ctx: &AuthContext, id: &str, browser: &str) -> OAuthResult<()> {
    let store = &ctx.stores.ephemeral;
    let key = ["pending-of-browser:", browser].concat();
    let mut ids: Vec<String> = store
        .get(Namespace::Interaction, &key)
        .await?
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default();
    if ids.iter().any(|listed| listed == id) {
        return Ok(());
    }
    ids.push(id.to_owned());
    let excess = ids
        .len()
        .saturating_sub(ctx.config.session.max_interactions_per_browser);
    for oldest in ids.drain(..excess) {
        store.delete(Namespace::Interaction, &oldest).await?;
    }
    let json = serde_json::to_string(&ids).map_err(|e| OAuthError::unavailable(&e))?;
    store
        .put(
            Namespace::Interaction,
            &key,
            &json,
            ctx.config.session.interaction_ttl_secs,
        )
        .await?;
    Ok(())
}

/// The pending interaction `id`, if it exists and belongs to this browser.
pub async fn load_pending(
    ctx: &AuthContext,
    id: &str,
    browser: &str,
) -> OAuthResult<Option<Pending>> {
    if id.len() > 64 {
        return Ok(None);
    }
    let Some(raw) = ctx.stores.ephemeral.get(Namespace::Interaction, id).await? else {
        return Ok(None);
    };
    let pending: Option<Pending> = serde_json::from_str(&raw).ok();
    Ok(pending.filter(|p| p.browser == handles::digest(browser)))
}

/// Decides the next step for `pending` given the browser's session, saving or finishing the
/// interaction as needed. `id` is the interaction's id (new or existing).
pub async fn decide(
    ctx: &AuthContext,
    id: &str,
    pending: Pending,
    session: Option<&(Session, User)>,
    now: i64,
) -> OAuthResult<Step> {
    let req = &pending.request;
    let redirect_error = |code: ErrorCode, d: &'static str| {
        RedirectError {
            redirect_uri: req.redirect_uri.clone(),
            state: req.state.clone(),
            error: OAuthError::new(code, d),
        }
        .to_url(&ctx.issuer)
    };

    let needs_login = match session {
        None => true,
        Some((s, user)) => {
            let too_old = req.max_age.is_some_and(|m| now - s.auth_time > m);
            let other_user = req
                .id_token_hint_sub
                .as_ref()
                .is_some_and(|sub| *sub != user.user_id);
            // Step-up: a second step the session lacks (the client asked for one, or
            // an administrator requires it of the person) means signing in again.
            let lacks_second_step = !crate::auth::oidc::amr::has_second_step(&s.amr)
                && (req.require_mfa
                    || crate::auth::accounts::two_step::is_required(ctx, &user.user_id).await?);
            (!pending.login_done && (req.prompt.login || too_old || other_user))
                || lacks_second_step
        }
    };
    if needs_login {
        if req.prompt.none {
            ctx.stores
                .ephemeral
                .delete(Namespace::Interaction, id)
                .await?;
            return Ok(Step::Redirect(redirect_error(
                ErrorCode::LoginRequired,
                "the user is not logged in",
            )));
        }
        save_pending(ctx, id, &pending).await?;
        return Ok(Step::Login(id.to_owned()));
    }
    let Some((session, user)) = session else {
        save_pending(ctx, id, &pending).await?;
        return Ok(Step::Login(id.to_owned()));
    };

    let granted = ctx
        .stores
        .consents
        .granted_scopes(&user.user_id, &req.client_id)
        .await?;
    let granted = super::scope::Scopes::from_list(granted);
    let needs_consent = !pending.consent_done
        && (req.prompt.consent || !req.consent_scopes().is_subset_of(&granted));
    if needs_consent {
        if req.prompt.none {
            ctx.stores
                .ephemeral
                .delete(Namespace::Interaction, id)
                .await?;
            return Ok(Step::Redirect(redirect_error(
                ErrorCode::ConsentRequired,
                "the user has not granted these scopes to this client",
            )));
        }
        save_pending(ctx, id, &pending).await?;
        return Ok(Step::Consent(id.to_owned()));
    }

    ctx.stores
        .ephemeral
        .delete(Namespace::Interaction, id)
        .await?;
    let code = code::issue_with_amr(
        ctx,
        req,
        &user.user_id,
        session.auth_time,
        session.sid(),
        &session.amr,
        now,
    )
    .await?;
    remember_participant(ctx, req, session, now).await?;
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = &req.state {
        params.push(("state", state));
    }
    Ok(Step::Redirect(redirect_with(
        &req.redirect_uri,
        &ctx.issuer,
        &params,
    )))
}

/// Notes that the client took part in this browser session, when it wants to hear of the
/// session's end (back-channel logout): the session's clients are looked up when it ends.
async fn remember_participant(
    ctx: &AuthContext,
    req: &AuthorizationRequest,
    session: &Session,
    now: i64,
) -> OAuthResult<()> {
    let Some(sid) = session.sid() else {
        return Ok(());
    };
    if !ctx.config.backchannel_logout.enabled {
        return Ok(());
    }
    let client = ctx.stores.clients.get_client(&req.client_id).await?;
    if client.is_none_or(|c| c.backchannel_logout_uri.is_none()) {
        return Ok(());
    }
    let participant = crate::auth::store::SessionClient {
        sid: sid.to_owned(),
        client_id: req.client_id.to_string(),
        user_id: session.user_id.clone(),
    };
    let expires_at = now + ctx.config.session.ttl_secs as i64;
    ctx.stores
        .session_clients
        .remember_session_client(&participant, session.started_at_ms, expires_at)
        .await?;
    Ok(())
}

/// The person's answer on the consent page.
pub async fn answer_consent(
    ctx: &AuthContext,
    id: &str,
    mut pending: Pending,
    session: &(Session, User),
    allow: bool,
    now: i64,
) -> OAuthResult<Step> {
    let req = &pending.request;
    if !allow {
        ctx.stores
            .ephemeral
            .delete(Namespace::Interaction, id)
            .await?;
        return Ok(Step::Redirect(
            RedirectError {
                redirect_uri: req.redirect_uri.clone(),
                state: req.state.clone(),
                error: OAuthError::new(ErrorCode::AccessDenied, "the user denied the request"),
            }
            .to_url(&ctx.issuer),
        ));
    }
    // Remember the union of what was granted before and now.
    let mut granted = ctx
        .stores
        .consents
        .granted_scopes(&session.1.user_id, &req.client_id)
        .await?;
    for s in req.consent_scopes().iter() {
        if !granted.iter().any(|g| g == s) {
            granted.push(s.to_owned());
        }
    }
    granted.sort();
    ctx.stores
        .consents
        .remember_consent(&session.1.user_id, &req.client_id, &granted, now)
        .await?;
    pending.consent_done = true;
    decide(ctx, id, pending, Some(session), now).await
}

#[cfg(test)]
#[path = "interaction_tests.rs"]
mod tests;
