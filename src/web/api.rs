//! The todo API, over HTTP, as any other client of it would call it: a bearer token per
//! call, JSON in and out. Failures become one typed error the pages know how to show.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a call to the todo API did not give what was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// Not reachable, timed out, or 5xx/503: the outage page.
    #[error("todo service unavailable: {0}")]
    Unavailable(String),
    /// 401: the token is no longer accepted (sign in again).
    #[error("todo service refused the token")]
    Unauthorized,
    /// Any other refusal, with the API's own message and the field at fault.
    #[error("todo service answered {status}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        field: Option<String>,
    },
}

impl ApiError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Api { status: 404, .. })
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Course {
    pub id: String,
    pub owner: String,
    #[serde(default)]
    pub owner_name: Option<String>,
    pub title: String,
    #[serde(default)]
    pub explanation: String,
    pub colour: String,
    pub start_date: String,
    pub end_date: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub public: bool,
    pub forked_from: Option<String>,
    #[serde(default)]
    pub fork_count: i64,
    #[serde(default)]
    pub like_count: i64,
    /// Whether I like it (the API says so on a single course and on search results).
    #[serde(default)]
    pub liked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Todo {
    pub id: String,
    pub course_id: String,
    pub title: String,
    #[serde(default)]
    pub explanation: String,
    pub active_date: String,
    pub recurrence: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Done {
    pub id: String,
    pub todo_id: String,
    pub course_id: String,
    pub date: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub photo_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Due {
    #[serde(flatten)]
    pub todo: Todo,
    pub course_title: String,
    pub done: bool,
    #[serde(default)]
    pub done_entry: Option<Done>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub next_offset: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Today {
    pub date: String,
    #[serde(flatten)]
    pub page: Page<Due>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Colour {
    pub name: String,
    pub hex: String,
}

#[derive(Clone)]
pub struct TodoApi {
    http: reqwest::Client,
    base: String,
}

impl TodoApi {
    pub fn new(base: &str) -> anyhow::Result<TodoApi> {
        Ok(TodoApi {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(3))
                .timeout(Duration::from_secs(10))
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// One call: `path` with `query`, an optional JSON body; the answer's JSON (or `Null`
    /// for 204).
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> ApiResult<Value> {
        let text = self.text(token, method, path, query, body).await?;
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text)
            .map_err(|e| ApiError::Unavailable(format!("unreadable answer: {e}")))
    }

    /// The answer's body of a successful call, as text (empty for 204).
    async fn text(
        &self,
        token: &str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> ApiResult<String> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        Self::answer_text(req.send().await).await
    }

    /// A `multipart/form-data` POST (a done entry with a photo).
    pub async fn post_multipart(
        &self,
        token: &str,
        path: &str,
        fields: &[(&str, &str)],
        file: &super::multipart::FilePart,
    ) -> ApiResult<Value> {
        let (kind, body) = super::multipart::encode(fields, Some(file));
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, kind)
            .body(body);
        Self::answer(req.send().await).await
    }

    /// A binary resource (a photo) with its content type.
    pub async fn bytes(&self, token: &str, path: &str) -> ApiResult<(String, Vec<u8>)> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        let status = res.status();
        if !status.is_success() {
            let body = res.text().await.unwrap_or_default();
            return Err(error_of(status, &body));
        }
        let kind = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let body = res
            .bytes()
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        Ok((kind, body.to_vec()))
    }

    async fn answer(sent: reqwest::Result<reqwest::Response>) -> ApiResult<Value> {
        let text = Self::answer_text(sent).await?;
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text)
            .map_err(|e| ApiError::Unavailable(format!("unreadable answer: {e}")))
    }

    async fn answer_text(sent: reqwest::Result<reqwest::Response>) -> ApiResult<String> {
        let res = sent.map_err(|e| ApiError::Unavailable(e.to_string()))?;
        let status = res.status();
        let text = res
            .text()
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        if status.is_success() {
            return Ok(text);
        }
        Err(error_of(status, &text))
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> ApiResult<T> {
        // Straight from the text into `T` (no `Value` in between: pages call this).
        let text = self.text(token, Method::GET, path, query, None).await?;
        serde_json::from_str(&text)
            .map_err(|e| ApiError::Unavailable(format!("unexpected answer: {e}")))
    }

    pub async fn send<T: DeserializeOwned>(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: &Value,
    ) -> ApiResult<T> {
        let value = self.call(token, method, path, &[], Some(body)).await?;
        typed(value)
    }

    pub async fn delete(&self, token: &str, path: &str) -> ApiResult<()> {
        self.call(token, Method::DELETE, path, &[], None)
            .await
            .map(|_| ())
    }
}

fn typed<T: DeserializeOwned>(value: Value) -> ApiResult<T> {
    serde_json::from_value(value)
        .map_err(|e| ApiError::Unavailable(format!("unexpected answer: {e}")))
}

/// The API's error JSON (`{"error","message","field"}`) as an [`ApiError`].
fn error_of(status: StatusCode, body: &str) -> ApiError {
    if status == StatusCode::UNAUTHORIZED {
        return ApiError::Unauthorized;
    }
    if status.is_server_error() {
        return ApiError::Unavailable(format!("status {status}"));
    }
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let text = |k: &str| json.get(k).and_then(Value::as_str).map(str::to_owned);
    ApiError::Api {
        status: status.as_u16(),
        code: text("error").unwrap_or_default(),
        message: text("message").unwrap_or_else(|| status.to_string()),
        field: text("field"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_typed_by_status() {
        assert!(matches!(
            error_of(StatusCode::UNAUTHORIZED, ""),
            ApiError::Unauthorized
        ));
        assert!(matches!(
            error_of(StatusCode::SERVICE_UNAVAILABLE, "{}"),
            ApiError::Unavailable(_)
        ));
        let e = error_of(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"error":"invalid_field","message":"title: is required","field":"title"}"#,
        );
        match e {
            ApiError::Api {
                status,
                code,
                message,
                field,
            } => {
                assert_eq!((status, code.as_str()), (422, "invalid_field"));
                assert_eq!(message, "title: is required");
                assert_eq!(field.as_deref(), Some("title"));
            }
            other => panic!("{other:?}"),
        }
        assert!(error_of(StatusCode::NOT_FOUND, "not json").is_not_found());
    }
}
