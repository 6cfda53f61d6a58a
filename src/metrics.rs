//! Prometheus metrics, one registry per server instance (no global recorder, so several
//! servers in one test process do not mix their numbers). Scraped at `GET /metrics` on the
//! identity server's management listener (`auth::http::management`), never on the public
//! one.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GrantLabels {
    pub grant_type: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pub tokens_issued: Family<GrantLabels, Counter>,
    pub login_failures: Counter,
    pub client_auth_failures: Counter,
    pub hash_queue: Gauge,
    /// Back-channel logout tokens a client accepted (2xx).
    pub backchannel_logout_delivered: Counter,
    /// Back-channel logout tokens given up on: every attempt failed, or the queue was full.
    pub backchannel_logout_failed: Counter,
    /// Audit events that could not be stored (each is still in the log).
    pub audit_write_failures: Counter,
}

impl Metrics {
    pub fn new(prefix: &str) -> Arc<Metrics> {
        let mut registry = Registry::with_prefix(prefix);
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 50 µs … ~1.6 s
            Histogram::new(exponential_buckets(0.00005, 2.0, 16))
        });
        let tokens_issued = Family::<GrantLabels, Counter>::default();
        let login_failures = Counter::default();
        let client_auth_failures = Counter::default();
        let hash_queue = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "tokens_issued",
            "Tokens issued by grant type",
            tokens_issued.clone(),
        );
        registry.register(
            "login_failures",
            "Failed password logins",
            login_failures.clone(),
        );
        registry.register(
            "client_auth_failures",
            "Failed client authentications",
            client_auth_failures.clone(),
        );
        registry.register(
            "password_hash_queue",
            "Logins waiting for a password-hashing slot",
            hash_queue.clone(),
        );
        let backchannel_logout_delivered = Counter::default();
        let backchannel_logout_failed = Counter::default();
        registry.register(
            "backchannel_logout_delivered",
            "Back-channel logout tokens accepted by a client",
            backchannel_logout_delivered.clone(),
        );
        registry.register(
            "backchannel_logout_failed",
            "Back-channel logout tokens not delivered (all attempts failed or queue full)",
            backchannel_logout_failed.clone(),
        );
        let audit_write_failures = Counter::default();
        registry.register(
            "audit_write_failures",
            "Audit events the database did not take (logged instead)",
            audit_write_failures.clone(),
        );
        Arc::new(Metrics {
            registry,
            audit_write_failures,
            backchannel_logout_delivered,
            backchannel_logout_failed,
            requests,
            latency,
            tokens_issued,
            login_failures,
            client_auth_failures,
            hash_queue,
        })
    }

    pub fn token_issued(&self, grant_type: &str) {
        self.tokens_issued
            .get_or_create(&GrantLabels {
                grant_type: grant_type.to_owned(),
            })
            .inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Middleware: counts and times every request by its route template (never the raw path,
/// which would let clients create unbounded label values).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(start.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: res.status().as_u16(),
        })
        .inc();
    res
}

/// The scrape response (Prometheus text format).
pub fn response(metrics: &Metrics) -> axum::response::Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
        .into_response()
}
