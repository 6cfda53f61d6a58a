//! The body of `POST …/todos/{todo}/done`: JSON (`{date, title?, content?}`) or
//! `multipart/form-data` with the fields `date`, `title`, `content` and a `photo` file (what
//! an HTML form sends). Like [`super::body::JsonBody`], the extractor never rejects: the
//! handler opens it after the authorization checks.

use axum::body::Bytes;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};

use super::body::{Fields, FromJson, JsonBody};
use super::{ApiError, AppState};

/// A done entry as the caller sent it, not yet parsed into domain types.
pub struct MarkDone {
    pub date: String,
    /// Defaults to the todo's title.
    pub title: Option<String>,
    pub content: String,
    /// The raw upload, at most the configured size; an empty file part (a form sent
    /// without choosing a file) is no photo.
    pub photo: Option<Bytes>,
}

impl FromJson for MarkDone {
    const FIELDS: &'static [&'static str] = &["date", "title", "content"];
    fn from_fields(f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            date: f.string("date")?,
            title: f.opt_string("title")?,
            content: f.opt_string("content")?.unwrap_or_default(),
            photo: None,
        })
    }
}

/// The fields a multipart done entry may carry.
const MULTIPART_FIELDS: &[&str] = &["date", "title", "content", "photo"];

pub struct DoneBody(Result<MarkDone, ApiError>);

impl DoneBody {
    pub fn parse(self) -> Result<MarkDone, ApiError> {
        self.0
    }
}

impl FromRequest<AppState> for DoneBody {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        if !is_multipart {
            let Ok(json) = JsonBody::<MarkDone>::from_request(req, state).await;
            return Ok(DoneBody(json.parse().map_err(json_or_form)));
        }
        Ok(DoneBody(read_multipart(req, state).await))
    }
}

/// A 415 from the JSON reader names both shapes this route takes.
fn json_or_form(e: ApiError) -> ApiError {
    match e {
        ApiError::Plain {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ..
        } => ApiError::plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON (Content-Type: application/json) or as multipart/form-data",
        ),
        other => other,
    }
}

async fn read_multipart(req: Request, state: &AppState) -> Result<MarkDone, ApiError> {
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|_| ApiError::bad_request("the multipart body has no boundary"))?;
    let mut date = None;
    let mut title = None;
    let mut content = None;
    let mut photo = None;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "date" => once(&mut date, "date", text(field, "date").await?)?,
            "title" => once(&mut title, "title", text(field, "title").await?)?,
            "content" => once(&mut content, "content", text(field, "content").await?)?,
            "photo" => {
                let bytes = file(field, state.max_photo_bytes).await?;
                once(&mut photo, "photo", bytes)?;
            }
            _ => {
                let shown: String = name.chars().take(50).collect();
                return Err(ApiError::field(
                    shown.clone(),
                    format!(
                        "{shown}: is not a field of this request (its fields: {})",
                        MULTIPART_FIELDS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(MarkDone {
        date: date.ok_or_else(|| ApiError::field("date", "date: is required"))?,
        title: title.filter(|t: &String| !t.is_empty()),
        content: content.unwrap_or_default(),
        photo: photo.filter(|p: &Bytes| !p.is_empty()),
    })
}

fn once<T>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), ApiError> {
    if slot.is_some() {
        return Err(ApiError::field(
            name,
            format!("{name}: is given more than once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

async fn text(field: Field<'_>, name: &'static str) -> Result<String, ApiError> {
    let bytes = field.bytes().await.map_err(unreadable)?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::field(name, format!("{name}: must be UTF-8 text")))
}

/// The file's bytes, refused with 413 as soon as they pass `max` (the rest is not read).
async fn file(mut field: Field<'_>, max: usize) -> Result<Bytes, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        if buf.len() + chunk.len() > max {
            return Err(photo_too_large(max));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

pub fn photo_too_large(max: usize) -> ApiError {
    let size = if max.is_multiple_of(1024 * 1024) {
        format!("{} MiB", max / (1024 * 1024))
    } else if max.is_multiple_of(1024) {
        format!("{} KiB", max / 1024)
    } else {
        format!("{max} bytes")
    };
    ApiError::Plain {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "payload_too_large",
        message: format!("photo: must be at most {size}"),
        field: Some("photo".to_owned()),
        rule: None,
    }
}

/// The body ran past the route's limit (the photo's plus room for the other fields), or
/// is not multipart as its header says; the parser's own text is not ours to send.
fn unreadable(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the body is larger than this service accepts",
        )
    } else {
        ApiError::bad_request("the multipart body could not be read")
    }
}
