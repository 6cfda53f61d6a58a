//! The one error type of the todo API and its JSON shape:
//! `{"error": "...", "message": "...", "field": "..."}`. Causes of 500s are logged,
//! never sent.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::todo::domain::access::AccessError;
use crate::todo::domain::{FieldError, NotDue};
use crate::todo::store::StoreError;
use crate::validator::BearerError;

#[derive(Debug)]
pub enum ApiError {
    /// RFC 6750 failures keep their own status and `WWW-Authenticate` challenge.
    Bearer(BearerError),
    /// An access rule said no (not the owner, no user behind the token, someone else's
    /// private course).
    Denied(AccessError),
    /// The issuer's keys are not known yet, so no token can be checked: 503 with
    /// `Retry-After`.
    Unavailable,
    Plain {
        status: StatusCode,
        code: &'static str,
        message: String,
        field: Option<String>,
        /// The domain rule a request broke, by its stable name (e.g. `before_active_date`).
        rule: Option<&'static str>,
    },
}

impl ApiError {
    pub(super) fn plain(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ApiError::Plain {
            status,
            code,
            message: message.into(),
            field: None,
            rule: None,
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Plain {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_field",
            message: message.into(),
            field: Some(field.into()),
            rule: None,
        }
    }

    /// A todo marked done on a day it is not due: 422 naming the field and the rule.
    pub fn not_due(e: &NotDue) -> Self {
        ApiError::Plain {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "not_due",
            message: format!("date: {e}"),
            field: Some("date".to_owned()),
            rule: Some(e.rule()),
        }
    }

    /// Also used for other people's private courses, so their existence does not leak.
    pub fn not_found() -> Self {
        Self::plain(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    pub fn not_owner() -> Self {
        Self::plain(
            StatusCode::FORBIDDEN,
            "not_owner",
            "only the course's owner may change it",
        )
    }

    pub fn user_required() -> Self {
        Self::plain(
            StatusCode::FORBIDDEN,
            "user_required",
            "this needs a token issued to a user, not to a client alone",
        )
    }

    pub fn conflict(message: &str) -> Self {
        Self::plain(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::plain(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn internal() -> Self {
        Self::plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }
}

impl From<BearerError> for ApiError {
    fn from(e: BearerError) -> Self {
        ApiError::Bearer(e)
    }
}

/// The message names the field too (`title: must not be empty`), for people reading it
/// without looking at `field`.
impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::field(e.field, e.to_string())
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::MissingScope(scope) => {
                ApiError::Bearer(BearerError::InsufficientScope(scope.to_owned()))
            }
            other => ApiError::Denied(other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => ApiError::conflict("conflicts with an existing entry"),
            // Deleted between our check and the write: to the caller it is simply not there.
            StoreError::Gone => ApiError::not_found(),
            StoreError::Db(e) => {
                tracing::error!(error = %e, "todo store failed");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Unavailable => {
                let body = serde_json::json!({
                    "error": "temporarily_unavailable",
                    "message": "tokens cannot be checked yet: the issuer has not answered; try again shortly",
                });
                let mut response =
                    (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
                response
            }
            ApiError::Bearer(e) => {
                log_decision(e.status(), e.code().unwrap_or("unauthorized"), &e);
                e.into_response()
            }
            ApiError::Denied(e) => {
                let plain = match e {
                    AccessError::UserRequired => ApiError::user_required(),
                    AccessError::NotOwner => ApiError::not_owner(),
                    // Worded like any missing resource, so the refusal reveals nothing.
                    AccessError::NotFound => ApiError::not_found(),
                    AccessError::MissingScope(scope) => {
                        ApiError::Bearer(BearerError::InsufficientScope(scope.to_owned()))
                    }
                };
                if let ApiError::Plain { status, code, .. } = &plain {
                    log_decision(*status, code, &e);
                }
                plain.into_response()
            }
            ApiError::Plain {
                status,
                code,
                message,
                field,
                rule,
            } => {
                let mut body = serde_json::json!({ "error": code, "message": message });
                if let Some(field) = field {
                    body["field"] = field.into();
                }
                if let Some(rule) = rule {
                    body["rule"] = rule.into();
                }
                (status, axum::Json(body)).into_response()
            }
        }
    }
}

/// Seconds a client should wait after a 503: about the back-off of issuer discovery early on.
const RETRY_AFTER_SECS: &str = "2";

/// One structured line per security decision (401, 403, and the 404 that hides someone
/// else's private course), with the reason. It is logged inside the request's spans, so
/// it carries the request id, method and path, and the caller's `sub` and `client_id` once
/// their token was valid; never the token.
fn log_decision(status: StatusCode, code: &str, reason: &dyn std::fmt::Display) {
    tracing::info!(
        target: SECURITY_LOG,
        status = status.as_u16(),
        error = code,
        reason = %reason,
        "request refused"
    );
}

/// The `target` of security decisions, to filter them (`BELF_LOG=info,belf::todo::security=info`).
pub const SECURITY_LOG: &str = "belf::todo::security";

/// Query parameters as strings; handlers parse them into domain types (422 per field).
/// A parameter given twice is refused (422) rather than one copy silently winning: which
/// one a proxy, a cache or this service reads would otherwise be anyone's guess.
pub struct ApiQuery(pub std::collections::HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for ApiQuery {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(pairs): Query<Vec<(String, String)>> = Query::from_request_parts(parts, state)
            .await
            .map_err(|_: QueryRejection| ApiError::bad_request("the query string is malformed"))?;
        let mut query = std::collections::HashMap::with_capacity(pairs.len());
        for (key, value) in pairs {
            if query.contains_key(&key) {
                return Err(repeated(key).into());
            }
            query.insert(key, value);
        }
        Ok(ApiQuery(query))
    }
}

/// The field name of a 422 must be `'static`; a repeated parameter the service knows is
/// named, an unknown one (ignored when given once) is not.
fn repeated(key: String) -> FieldError {
    const KNOWN: &[&str] = &[
        "q", "tag", "sort", "limit", "offset", "date", "tz", "from", "to",
    ];
    let field = KNOWN
        .iter()
        .find(|k| **k == key)
        .copied()
        .unwrap_or("query");
    FieldError::new(field, "must be given at most once")
}

impl ApiQuery {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// Path parameters with our error shape (a bad id is simply not found).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| ApiPath(p))
            .map_err(|_: PathRejection| ApiError::not_found())
    }
}
