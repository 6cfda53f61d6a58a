//! HTTP edge of the todo service: handlers extract, check scope and ownership, call
//! the store, and map the result. Nothing below this module knows about HTTP.

mod courses;
mod error;
mod social;
mod todos;
mod views;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post, put};
use axum::{Json, Router};

use crate::todo::domain::{PALETTE, parse_id};
use crate::todo::store::{CourseRow, Store};
use crate::validator::{Authenticated, Validator};

pub use error::ApiError;

pub const READ: &str = "courses:read";
pub const WRITE: &str = "courses:write";

#[derive(Clone)]
pub struct AppState {
    pub validator: Validator,
    pub store: Store,
}

impl FromRef<AppState> for Validator {
    fn from_ref(s: &AppState) -> Validator {
        s.validator.clone()
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/openapi.json", get(openapi))
        .route("/api/palette", get(palette))
        .route(
            "/api/courses",
            get(courses::list_mine).post(courses::create),
        )
        .route("/api/courses/search", get(social::search))
        .route(
            "/api/courses/{id}",
            get(courses::get_one)
                .patch(courses::update)
                .delete(courses::delete),
        )
        .route("/api/courses/{id}/fork", post(social::fork))
        .route(
            "/api/courses/{id}/like",
            put(social::like).delete(social::unlike),
        )
        .route(
            "/api/courses/{id}/todos",
            get(todos::list).post(todos::create),
        )
        .route(
            "/api/courses/{id}/todos/{todo}",
            get(todos::get_one)
                .patch(todos::update)
                .delete(todos::delete),
        )
        .route(
            "/api/courses/{id}/todos/{todo}/done",
            post(todos::mark_done),
        )
        .route("/api/courses/{id}/done", get(todos::course_done_log))
        .route("/api/done", get(todos::my_done_log))
        .route("/api/today", get(todos::today))
        .route("/api/me", axum::routing::delete(todos::delete_me))
        .fallback(|| async { ApiError::not_found() })
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
}

async fn palette() -> Json<serde_json::Value> {
    let colours: Vec<_> = PALETTE
        .iter()
        .map(|(name, hex)| serde_json::json!({ "name": name, "hex": hex }))
        .collect();
    Json(serde_json::json!({ "colours": colours }))
}

/// The caller may read: needs `courses:read`; a client-only token sees public data only.
fn reader(auth: &Authenticated) -> Result<Option<&str>, ApiError> {
    auth.require_scope(READ)?;
    Ok(auth.user())
}

/// The caller may write: needs `courses:write` and a user behind the token.
fn writer(auth: &Authenticated) -> Result<&str, ApiError> {
    auth.require_scope(WRITE)?;
    auth.user().ok_or_else(ApiError::user_required)
}

/// The course if the caller may see it; someone else's private course is "not found".
async fn visible_course(
    store: &Store,
    raw_id: &str,
    caller: Option<&str>,
) -> Result<CourseRow, ApiError> {
    let id = parse_id(raw_id).ok_or_else(ApiError::not_found)?;
    let course = store.course(&id).await?.ok_or_else(ApiError::not_found)?;
    if course.is_public || caller == Some(course.owner.as_str()) {
        Ok(course)
    } else {
        Err(ApiError::not_found())
    }
}

/// The course if the caller owns it (403 if it is someone else's public course).
async fn owned_course(store: &Store, raw_id: &str, user: &str) -> Result<CourseRow, ApiError> {
    let course = visible_course(store, raw_id, Some(user)).await?;
    if course.owner == user {
        Ok(course)
    } else {
        Err(ApiError::not_owner())
    }
}
