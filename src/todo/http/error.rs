//! The one error type of the todo API and its JSON shape:
//! `{"error": "...", "message": "...", "field": "..."}`. Causes of 500s are logged,
//! never sent.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{StatusCode, request::Parts};
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
    fn plain(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
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

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::field(e.field, e.message)
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::MissingScope(scope) => {
                ApiError::Bearer(BearerError::InsufficientScope(scope.to_owned()))
            }
            AccessError::UserRequired => ApiError::user_required(),
            AccessError::NotFound => ApiError::not_found(),
            AccessError::NotOwner => ApiError::not_owner(),
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
            ApiError::Bearer(e) => e.into_response(),
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

/// Maps axum's JSON rejections into our shape: syntax errors are 400, shape errors 422
/// naming the field (axum reports the serde path, e.g. `title: invalid type…`).
impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonSyntaxError(e) => {
                ApiError::plain(StatusCode::BAD_REQUEST, "malformed_json", e.body_text())
            }
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let detail = text
                    .split_once("target type: ")
                    .map(|(_, d)| d.to_owned())
                    .unwrap_or(text);
                ApiError::field(field_of(&detail), detail)
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send Content-Type: application/json",
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "request body too large",
            ),
            other => ApiError::plain(other.status(), "bad_request", other.body_text()),
        }
    }
}

fn field_of(detail: &str) -> String {
    if let Some(rest) = detail.strip_prefix("missing field `") {
        return rest.split('`').next().unwrap_or("body").to_owned();
    }
    match detail.split_once(": ") {
        Some((path, _)) if !path.contains(' ') && path != "." => path.to_owned(),
        _ => "body".to_owned(),
    }
}

/// A JSON request body, read but not yet judged: the extractor never rejects, and the
/// handler opens it with [`JsonBody::parse`] only after its authorization checks (the
/// course exists for the caller, the caller owns it), so a 415, 400 or 422 about the body
/// never answers a caller who may not make the request at all.
pub struct JsonBody<T>(Result<T, ApiError>);

impl<T> JsonBody<T> {
    /// The body, or why it is not acceptable (our error shape).
    pub fn parse(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = std::convert::Infallible;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = axum::Json::<T>::from_request(req, state).await;
        Ok(JsonBody(
            body.map(|axum::Json(v)| v).map_err(ApiError::from),
        ))
    }
}

/// Query parameters as strings; handlers parse them into domain types (422 per field).
pub struct ApiQuery(pub std::collections::HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for ApiQuery {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e: QueryRejection| ApiError::bad_request(e.body_text()))
    }
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

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn finds_fields() {
        assert_eq!(
            field_of("missing field `title` at line 1 column 2"),
            "title"
        );
        assert_eq!(field_of("colour: invalid type: integer `5`"), "colour");
        assert_eq!(field_of("invalid type: map, expected x"), "body");
    }
}
