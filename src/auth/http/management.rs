//! The management listener: `GET /metrics` (Prometheus text format), on its own address
//! (`management.bind`, loopback by default), never on the public one. Metrics tell an
//! outsider which clients exist, how many logins fail and how loaded the server is; they
//! are for the operator's scraper, not for the internet the issuer faces.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use super::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .with_state(state)
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let m = &state.ctx.metrics;
    m.hash_queue.set(state.ctx.passwords.queue_len() as i64);
    crate::metrics::response(m)
}
