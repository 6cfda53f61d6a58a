//! Today: the todos due on a day across my courses (today at my UTC offset unless a day is
//! chosen), checking one off with a note, and undoing it.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::auth::see_other;
use super::errors::WebError;
use super::form::Fields;
use super::member::save;
use super::{AppState, Member};
use crate::web::api::{ApiError, Today};
use crate::web::zone::{UtcOffset, format_date, parse_date};

#[derive(Deserialize, Default)]
pub struct DayQuery {
    date: Option<String>,
}

fn offset_of(state: &AppState, member: &Member) -> UtcOffset {
    member
        .data
        .utc_offset
        .as_deref()
        .and_then(UtcOffset::parse)
        .or_else(|| UtcOffset::parse(&state.settings.default_utc_offset))
        .unwrap_or(UtcOffset::UTC)
}

pub async fn page(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<DayQuery>,
) -> Result<Response, WebError> {
    render(&state, &member, q.date.as_deref(), None).await
}

/// A failed check-off, shown next to its todo with the note kept.
struct FormError {
    todo: String,
    message: String,
    content: String,
}

async fn render(
    state: &AppState,
    member: &Member,
    date: Option<&str>,
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
            &[("date", &day_text), ("limit", "100")],
        )
        .await?;
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

pub async fn mark_done(
    State(state): State<AppState>,
    member: Member,
    form: Fields,
) -> Result<Response, WebError> {
    member.check_csrf(&form)?;
    let course = id_segment(form.get("course").unwrap_or_default())?.to_owned();
    let todo = id_segment(form.get("todo").unwrap_or_default())?.to_owned();
    let date = form.text("date");
    let content = form.get("content").unwrap_or_default().to_owned();
    let body = json!({ "date": date, "content": content });
    let path = format!("/api/courses/{course}/todos/{todo}/done");
    match state
        .api
        .call(member.token(), Method::POST, &path, &[], Some(&body))
        .await
    {
        Ok(_) => Ok(see_other(&day_link(&date))),
        Err(ApiError::Api {
            status, message, ..
        }) if status != 404 => {
            let error = FormError {
                todo,
                message,
                content,
            };
            render(&state, &member, Some(&date), Some(error)).await
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
