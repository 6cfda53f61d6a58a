//! Today: the todos due on a day across my courses (today at my UTC offset unless a day is
//! chosen), checking one off with a note, and undoing it.

use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::errors::WebError;
use super::form::Fields;
use super::member::save;
use super::paging;
use super::redirect::see_other;
use super::{AppState, Member};
use crate::web::api::{ApiError, Today};
use crate::web::multipart::FilePart;
use crate::web::zone::{UtcOffset, format_date, parse_date};

#[derive(Deserialize, Default)]
pub struct DayQuery {
    date: Option<String>,
    offset: Option<String>,
}

fn offset_of(state: &AppState, member: &Member) -> UtcOffset {
    member.utc_offset(state)
}

pub async fn page(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<DayQuery>,
) -> Result<Response, WebError> {
    let offset = paging::offset_of(q.offset.as_deref());
    render(&state, &member, q.date.as_deref(), offset, None).await
}

/// A failed check-off, shown next to its todo with the note kept.
struct FormError {
    todo: String,
    message: String,
    content: String,
}

/// The day's list from `from` (a page of [`paging::LIST_PAGE`]).
async fn render(
    state: &AppState,
    member: &Member,
    date: Option<&str>,
    from: i64,
    error: Option<FormError>,
) -> Result<Response, WebError> {
    let offset = offset_of(state, member);
    let day = date
        .and_then(parse_date)
        .unwrap_or_else(|| offset.today(state.clock.now()));
    let day_text = format_date(day);
    let today: Today = state
        .api
        .get(
            member.token(),
            "/api/today",
            &[
                ("date", &day_text),
                ("limit", &paging::LIST_PAGE.to_string()),
                ("offset", &from.to_string()),
            ],
        )
        .await?;
    let (page_previous, page_next) = paging::links(
        &format!("/today?date={day_text}"),
        from,
        paging::LIST_PAGE,
        today.page.next_offset,
    );
    // A refusal for a todo not on this day's list is shown above the list instead.
    let listed = error
        .as_ref()
        .is_some_and(|e| today.page.items.iter().any(|i| i.todo.id == e.todo));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(state.pages.render(
        status,
        "today.html",
        member.lang,
        minijinja::context! {
            nav => member.nav(),
            csrf => member.data.csrf.clone(),
            date => day_text,
            previous => day.previous_day().map(format_date),
            next => day.next_day().map(format_date),
            is_today => day == offset.today(state.clock.now()),
            items => super::pages::ser(&today.page.items),
            page_previous, page_next,
            offset => offset.as_string(),
            offsets => UtcOffset::choices(),
            error_todo => error.as_ref().filter(|_| listed).map(|e| e.todo.clone()),
            error_message => error.as_ref().map(|e| e.message.clone()),
            error_content => error.as_ref().map(|e| e.content.clone()),
        },
    ))
}

pub async fn set_offset(
    State(state): State<AppState>,
    mut member: Member,
    form: Fields,
) -> Result<Response, WebError> {
    member.check_csrf(&form)?;
    let offset = UtcOffset::parse(&form.text("utc_offset")).ok_or(WebError::BadRequest)?;
    member.data.utc_offset = Some(offset.as_string());
    save(&state, &member.id, &mut member.data, state.clock.now()).await?;
    Ok(see_other("/today"))
}

fn day_link(date: &str) -> String {
    match parse_date(date) {
        Some(d) => format!("/today?date={}", format_date(d)),
        None => "/today".to_owned(),
    }
}

/// A path segment that is an id the API gave us (uuid-like): anything else is refused
/// before it is put into an API URL.
pub fn id_segment(raw: &str) -> Result<&str, WebError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok { Ok(raw) } else { Err(WebError::NotFound) }
}

/// The check-off form: `multipart/form-data` (the page's form, which may carry a photo) or
/// URL-encoded (no photo).
struct DoneForm {
    fields: Fields,
    photo: Option<FilePart>,
}

async fn read_done_form(state: &AppState, req: Request) -> Result<DoneForm, WebError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        let fields = Fields::from_request(req, state).await?;
        return Ok(DoneForm {
            fields,
            photo: None,
        });
    }
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|_| WebError::BadRequest)?;
    let mut pairs = Vec::new();
    let mut photo = None;
    // A body past the route's limit, or a broken one, fails here: 400 or 413 as a page.
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::PhotoTooLarge
        } else {
            WebError::BadRequest
        }
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            let file_name = field.file_name().unwrap_or("photo").to_owned();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = field.bytes().await.map_err(|_| WebError::PhotoTooLarge)?;
            // A form sent without a file has an empty part: an entry without a photo.
            if !bytes.is_empty() {
                photo = Some(FilePart {
                    field: name,
                    file_name,
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let value = field.text().await.map_err(|_| WebError::BadRequest)?;
            pairs.push((name, value));
        }
    }
    Ok(DoneForm {
        fields: Fields(pairs),
        photo,
    })
}

pub async fn mark_done(
    State(state): State<AppState>,
    member: Member,
    req: Request,
) -> Result<Response, WebError> {
    let DoneForm {
        fields: form,
        photo,
    } = read_done_form(&state, req).await?;
    member.check_csrf(&form)?;
    let course = id_segment(form.get("course").unwrap_or_default())?.to_owned();
    let todo = id_segment(form.get("todo").unwrap_or_default())?.to_owned();
    let date = form.text("date");
    let content = form.get("content").unwrap_or_default().to_owned();
    let path = format!("/api/courses/{course}/todos/{todo}/done");
    let sent = match &photo {
        Some(file) => {
            state
                .api
                .post_multipart(
                    member.token(),
                    &path,
                    &[("date", &date), ("content", &content)],
                    file,
                )
                .await
        }
        None => {
            let body = json!({ "date": date, "content": content });
            state
                .api
                .call(member.token(), Method::POST, &path, &[], Some(&body))
                .await
        }
    };
    match sent {
        Ok(_) => Ok(see_other(&day_link(&date))),
        Err(ApiError::Api {
            status, message, ..
        }) if status != 404 => {
            let error = FormError {
                todo,
                message,
                content,
            };
            render(&state, &member, Some(&date), 0, Some(error)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn undo(
    State(state): State<AppState>,
    member: Member,
    form: Fields,
) -> Result<Response, WebError> {
    member.check_csrf(&form)?;
    let course = id_segment(form.get("course").unwrap_or_default())?;
    let todo = id_segment(form.get("todo").unwrap_or_default())?;
    let date = form.text("date");
    let day = parse_date(&date)
        .map(format_date)
        .ok_or(WebError::BadRequest)?;
    let path = format!("/api/courses/{course}/todos/{todo}/done/{day}");
    match state.api.delete(member.token(), &path).await {
        Ok(()) | Err(ApiError::Api { status: 404, .. }) => Ok(see_other(&day_link(&date))),
        Err(e) => Err(e.into()),
    }
}
