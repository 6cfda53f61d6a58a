//! Protected resource metadata (RFC 9728): what a client needs to know to get a token for
//! this service, at `/.well-known/oauth-protected-resource`, and named in every 401's
//! `WWW-Authenticate` challenge (`resource_metadata="…"`, RFC 9728 §5.1) so a client that
//! only knows the service's URL can find its authorization server.
//!
//! Everything comes from the todo service's own configuration (`[todo] resource`,
//! `issuer`): it never asks the identity server's code.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::config::TodoConfig;
use crate::todo::domain::access::{READ, WRITE};

pub const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The metadata document and its URL, built once at start.
#[derive(Clone)]
pub struct ProtectedResource {
    document: axum::body::Bytes,
    /// `resource_metadata="<url>"`, ready to append to a challenge.
    challenge_param: String,
    /// Where this service serves the document (RFC 9728 §3.1: the well-known segment goes
    /// between the host and the resource's path).
    path: String,
}

impl ProtectedResource {
    pub fn new(cfg: &TodoConfig) -> anyhow::Result<Self> {
        let resource = url::Url::parse(&cfg.resource)?;
        let own_path = resource.path().trim_end_matches('/');
        let path = format!("{WELL_KNOWN}{own_path}");
        let origin = resource.origin().ascii_serialization();
        let document = serde_json::json!({
            "resource": cfg.resource,
            "authorization_servers": [cfg.issuer.as_str().trim_end_matches('/')],
            "scopes_supported": [READ, WRITE],
            "bearer_methods_supported": ["header"],
            "dpop_signing_alg_values_supported": crate::validator::dpop::ALGS,
            "resource_name": "Belf todo",
        });
        Ok(ProtectedResource {
            document: serde_json::to_vec(&document)?.into(),
            challenge_param: format!("resource_metadata=\"{origin}{path}\""),
            path,
        })
    }

    /// `router` with the metadata route, and its 401 challenges naming the metadata.
    pub fn publish(self, router: Router) -> Router {
        let document = self.document.clone();
        let param = self.challenge_param.clone();
        Router::new()
            .route(
                &self.path,
                get(move || {
                    let body = document.clone();
                    async move {
                        (
                            StatusCode::OK,
                            [(header::CONTENT_TYPE, "application/json")],
                            body,
                        )
                            .into_response()
                    }
                }),
            )
            .merge(router)
            .layer(axum::middleware::map_response(move |res: Response| {
                let param = param.clone();
                async move { name_metadata(res, &param) }
            }))
    }
}

/// Appends `resource_metadata` to a 401's bearer challenge.
fn name_metadata(mut res: Response, param: &str) -> Response {
    if res.status() != StatusCode::UNAUTHORIZED {
        return res;
    }
    let amended = res
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(|c| format!("{c}, {param}"));
    if let Some(value) = amended.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    res
}
