//! The web app's HTTP edge: one file per page area. Handlers extract a [`Member`] (a
//! signed-in session, its access token fresh), call the todo API or the relying party,
//! and render a page; errors are one type ([`WebError`]) rendered by [`edge`] as a page
//! in the visitor's language.

mod assets;
mod auth;
mod course_page;
mod courses;
mod csrf;
mod errors;
mod explore;
mod form;
mod headers;
pub mod i18n;
pub mod member;
mod pages;
mod paging;
mod photos;
mod profile;
mod redirect;
pub mod session_cookie;
mod today;
mod todo_editor;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::api::TodoApi;
use super::rp::RelyingParty;
use super::session::SessionStore;
use crate::clock::Clock;
pub use errors::WebError;
pub use member::Member;
pub use pages::Pages;
pub use session_cookie::{SESSION_COOKIE, SESSION_COOKIE_SECURE};

/// Settings the handlers need, from `[web]`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Served over https: `__Host-` cookie prefix and `Secure`.
    pub secure: bool,
    pub session_ttl_secs: i64,
    pub refresh_margin_secs: i64,
    pub default_locale: String,
    pub default_utc_offset: String,
    /// The largest photo accepted on a check-off form.
    pub max_photo_bytes: usize,
}

#[derive(Clone)]
pub struct AppState {
    pub rp: Arc<RelyingParty>,
    pub api: TodoApi,
    pub sessions: Arc<dyn SessionStore>,
    pub pages: Arc<Pages>,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    pub refreshes: member::RefreshLocks,
}

pub fn router(state: AppState) -> Router {
    let csp = headers::content_security_policy(state.rp.issuer());
    let routes = Router::new()
        .route("/", get(auth::home))
        .route("/healthz", get(|| async { "ok" }))
        .route("/static/belf.css", get(assets::stylesheet))
        .route(crate::favicon::PATH, get(crate::favicon::icon))
        .route("/login", get(auth::login))
        .route("/callback", get(auth::callback))
        .route("/logout", post(auth::logout))
        .route("/backchannel-logout", post(auth::backchannel_logout))
        .route("/today", get(today::page))
        .route("/today/offset", post(today::set_offset))
        .route(
            "/today/done",
            // The photo and the form's other fields (a few KiB).
            post(today::mark_done).layer(axum::extract::DefaultBodyLimit::max(
                state.settings.max_photo_bytes.saturating_add(64 * 1024),
            )),
        )
        .route("/today/undo", post(today::undo))
        .route("/courses", get(courses::list).post(courses::create))
        .route("/courses/new", get(courses::new_form))
        .route(
            "/courses/{id}",
            get(course_page::page).post(courses::update),
        )
        .route("/courses/{id}/edit", get(courses::edit_form))
        .route("/courses/{id}/delete", post(courses::delete))
        .route("/courses/{id}/todos", post(courses::create_todo))
        .route(
            "/courses/{id}/todos/{todo}/edit",
            get(courses::edit_todo_form),
        )
        .route("/courses/{id}/todos/{todo}", post(courses::update_todo))
        .route(
            "/courses/{id}/todos/{todo}/delete",
            post(courses::delete_todo),
        )
        .route("/courses/{id}/like", post(course_page::like))
        .route("/courses/{id}/unlike", post(course_page::unlike))
        .route("/courses/{id}/fork", post(course_page::fork))
        .route("/explore", get(explore::page))
        .route("/profile", get(profile::page))
        .route("/photos/{id}", get(photos::photo))
        .fallback(errors::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            errors::edge,
        ))
        .layer(axum::middleware::from_fn(move |req, next| {
            headers::security_headers(csp.clone(), req, next)
        }))
        .with_state(state);
    crate::telemetry::with_http_layers(routes)
}
