//! HTTP edge of the todo service: handlers extract, ask the domain's access rules
//! ([`crate::todo::domain::access`]) and the store traits, and map the result. Nothing
//! below this module knows about HTTP.

mod access;
mod body;
mod courses;
mod done;
mod done_body;
mod error;
mod me;
mod photos;
pub mod resource_metadata;
mod social;
mod todos;
mod views;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};

use crate::clock::Clock;
use crate::todo::domain::{PALETTE, parse_id};
use crate::todo::store::{
    CourseRow, CourseStore, LikeStore, PhotoStore, ProfileStore, StoreHealth, TodoStore,
    UserDataStore,
};
use crate::validator::ValidatorSlot;

pub use error::{ApiError, SECURITY_LOG};

/// The largest request body read (the longest valid body, a course with a 4000-character
/// explanation in 4-byte characters and ten tags, is about 17 KiB).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Room for the other fields and the multipart framing of a done entry, on top of its
/// photo (the note is at most 4000 characters).
const DONE_FORM_OVERHEAD: usize = 64 * 1024;

/// What handlers share: the token validator (empty until the issuer's keys are known), the
/// stores (each behind its trait) and the clock that says what day "today" is.
#[derive(Clone)]
pub struct AppState {
    pub validator: ValidatorSlot,
    pub clock: Clock,
    pub health: Arc<dyn StoreHealth>,
    pub courses: Arc<dyn CourseStore>,
    pub likes: Arc<dyn LikeStore>,
    pub todos: Arc<dyn TodoStore>,
    pub photos: Arc<dyn PhotoStore>,
    pub profiles: Arc<dyn ProfileStore>,
    pub user_data: Arc<dyn UserDataStore>,
    /// The largest photo accepted on a done entry (`todo.max_photo_bytes`).
    pub max_photo_bytes: usize,
}

impl AppState {
    /// Serves every aggregate from one store implementation.
    pub fn new<S>(validator: ValidatorSlot, store: S) -> Self
    where
        S: CourseStore
            + LikeStore
            + TodoStore
            + PhotoStore
            + ProfileStore
            + UserDataStore
            + StoreHealth
            + 'static,
    {
        let store = Arc::new(store);
        Self {
            validator,
            clock: Clock::system(),
            health: store.clone(),
            courses: store.clone(),
            likes: store.clone(),
            todos: store.clone(),
            photos: store.clone(),
            profiles: store.clone(),
            user_data: store,
            max_photo_bytes: crate::config::TodoConfig::DEFAULT_MAX_PHOTO_BYTES,
        }
    }

    /// With another photo size limit.
    pub fn with_max_photo_bytes(mut self, max: usize) -> Self {
        self.max_photo_bytes = max;
        self
    }
}

pub fn router(state: AppState) -> Router {
    // The one route that takes uploads reads more than any other; its JSON is still held
    // to MAX_BODY_BYTES (`body::read`).
    let done_limit = state.max_photo_bytes.saturating_add(DONE_FORM_OVERHEAD);
    let routes = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
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
            post(done::mark_done).layer(DefaultBodyLimit::max(done_limit)),
        )
        .route(
            "/api/courses/{id}/todos/{todo}/done/{date}",
            delete(done::undo_done),
        )
        .route("/api/courses/{id}/done", get(done::course_done_log))
        .route("/api/courses/{id}/activity", get(done::course_activity))
        .route("/api/done", get(done::my_done_log))
        .route("/api/today", get(todos::today))
        .route("/api/photos/{id}", get(photos::get_photo))
        .route("/api/me", delete(me::delete_me))
        .route("/api/me/activity", get(done::my_activity))
        .route("/api/me/stats", get(me::stats))
        .route("/api/me/profile", put(me::set_profile))
        .fallback(|| async { ApiError::not_found() })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(access::caller_span))
        .with_state(state);
    // Request ids (`X-Request-Id`, kept or made, echoed back) and a span per request, as
    // on the identity server.
    crate::telemetry::with_http_layers(routes)
}

/// Ready when the issuer's keys are known and the database answers; until then 503, so a
/// load balancer sends no traffic that could only be refused. (`/healthz` says only that
/// the process runs.)
async fn readyz(State(s): State<AppState>) -> impl axum::response::IntoResponse {
    let keys = s.validator.is_ready();
    let database = s.health.ping().await.is_ok();
    let status = if keys && database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "ready": keys && database,
        "issuer_keys": keys,
        "database": database,
    });
    (status, Json(body))
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

/// The course `raw_id` names, whoever owns it: the caller applies the access rules. An
/// id that cannot name a row is simply "not found".
async fn find_course(courses: &dyn CourseStore, raw_id: &str) -> Result<CourseRow, ApiError> {
    let id = parse_id(raw_id).ok_or_else(ApiError::not_found)?;
    courses.course(&id).await?.ok_or_else(ApiError::not_found)
}
