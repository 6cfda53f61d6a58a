//! The done log: checking a todo off (with a note and a photo), undoing it, reading the
//! log and its per-day counts (the heatmap's data).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::done_body::DoneBody;
use super::error::{ApiPath, ApiQuery};
use super::todos::{caller_today, stored_schedule};
use super::views::{DoneView, PageView};
use super::{ApiError, AppState, find_course};
use crate::todo::domain::access::{Reader, Writer};
use crate::todo::domain::activity::ActivityRange;
use crate::todo::domain::photo::{CleanPhoto, PhotoError};
use crate::todo::domain::{Day, FieldError, Page, Recurrence, Text, Title, parse_id};
use crate::todo::store::{DayCount, DoneScope, NewDone, NewPhoto, StoreError};

/// `POST /api/courses/{id}/todos/{todo}/done`, JSON or multipart (see `done_body`).
pub async fn mark_done(
    State(s): State<AppState>,
    writer: Writer,
    ApiPath((id, todo)): ApiPath<(String, String)>,
    body: DoneBody,
) -> Result<(StatusCode, Json<DoneView>), ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    writer.change(course.access())?;
    let todo_id = parse_id(&todo).ok_or_else(ApiError::not_found)?;
    let todo = s
        .todos
        .todo(&course.id, &todo_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let body = body.parse()?;
    let day = Day::parse("date", &body.date)?;
    let title = match &body.title {
        Some(t) => Title::parse("title", t)?.as_str().to_owned(),
        None => todo.title.clone(),
    };
    let content = Text::parse("content", &body.content)?;
    let recurrence = Recurrence::from_db(&todo.recurrence);
    let schedule = stored_schedule(
        &recurrence,
        &todo.active_date,
        &course.start_date,
        course.end_date.as_deref(),
    )?;
    schedule.check(day).map_err(|e| ApiError::not_due(&e))?;
    let photo = match body.photo {
        Some(raw) => Some(clean_photo(raw).await?),
        None => None,
    };
    let done = s
        .todos
        .add_done(NewDone {
            todo_id: todo.id,
            course_id: course.id,
            owner: writer.user().to_owned(),
            day: day.to_db(),
            title,
            content: content.as_str().to_owned(),
            photo,
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict => {
                ApiError::conflict("this todo is already marked done on that date")
            }
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

/// Recognises the upload and strips its metadata, off the async threads (a few MiB are
/// copied and scanned).
async fn clean_photo(raw: axum::body::Bytes) -> Result<NewPhoto, ApiError> {
    let span = tracing::Span::current();
    let cleaned = tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        CleanPhoto::from_upload(raw)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "photo cleaning task failed");
        ApiError::internal()
    })?;
    match cleaned {
        Ok(photo) => Ok(NewPhoto {
            content_type: photo.kind.content_type(),
            bytes: photo.bytes,
        }),
        Err(e @ (PhotoError::UnknownType | PhotoError::Unreadable(_))) => Err(ApiError::Plain {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            message: e.to_string(),
            field: Some("photo".to_owned()),
            rule: None,
        }),
    }
}

/// `DELETE /api/courses/{id}/todos/{todo}/done/{date}`: removes that day's entry and its
/// photo (204), or 404 when there is none. The todo may since have been deleted: its
/// history is still the owner's to correct.
pub async fn undo_done(
    State(s): State<AppState>,
    writer: Writer,
    ApiPath((id, todo, date)): ApiPath<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    writer.change(course.access())?;
    let todo_id = parse_id(&todo).ok_or_else(ApiError::not_found)?;
    let day = Day::parse("date", &date)?;
    if s.todos
        .remove_done(&course.id, &todo_id, &day.to_db())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// `from` and `to` (inclusive, `YYYY-MM-DD`) are both required.
fn range(q: &ApiQuery) -> Result<(Day, Day), ApiError> {
    let from = Day::parse("from", q.get("from").unwrap_or_default())?;
    let to = Day::parse("to", q.get("to").unwrap_or_default())?;
    if to < from {
        return Err(FieldError::new("to", "must not be before from").into());
    }
    Ok((from, to))
}

/// A course's done log is shown with the course: public → every reader, private → the
/// owner (others get 404).
pub async fn course_done_log(
    State(s): State<AppState>,
    reader: Reader,
    ApiPath(id): ApiPath<String>,
    q: ApiQuery,
) -> Result<Json<PageView<DoneView>>, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    reader.read_history(course.access())?;
    done_log_response(&s, DoneScope::Course(&course.id), &q).await
}

pub async fn my_done_log(
    State(s): State<AppState>,
    reader: Reader,
    q: ApiQuery,
) -> Result<Json<PageView<DoneView>>, ApiError> {
    let user = reader.user()?;
    done_log_response(&s, DoneScope::Owner(user), &q).await
}

/// A page of the done log of `scope` in the query's date range.
async fn done_log_response(
    s: &AppState,
    scope: DoneScope<'_>,
    q: &ApiQuery,
) -> Result<Json<PageView<DoneView>>, ApiError> {
    let (from, to) = range(q)?;
    let page = Page::parse(q.get("limit"), q.get("offset"))?;
    let (rows, total) = s
        .todos
        .done_log(scope, (&from.to_db(), &to.to_db()), page.limit, page.offset)
        .await?;
    let items = rows.into_iter().map(Into::into).collect();
    Ok(Json(PageView::new(items, total, page)))
}

/// Done entries per day, for a contribution calendar.
#[derive(Serialize)]
pub struct ActivityView {
    pub from: Day,
    pub to: Day,
    /// Days with at least one entry, in order.
    pub days: Vec<DayCountView>,
}

#[derive(Serialize)]
pub struct DayCountView {
    pub date: String,
    pub count: i64,
}

/// `GET /api/courses/{id}/activity?from=&to=&tz=`: readable by whoever sees the course.
pub async fn course_activity(
    State(s): State<AppState>,
    reader: Reader,
    ApiPath(id): ApiPath<String>,
    q: ApiQuery,
) -> Result<Json<ActivityView>, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    reader.read_history(course.access())?;
    activity_response(&s, DoneScope::Course(&course.id), &q).await
}

/// `GET /api/me/activity?from=&to=&tz=`: the same across all the caller's courses.
pub async fn my_activity(
    State(s): State<AppState>,
    reader: Reader,
    q: ApiQuery,
) -> Result<Json<ActivityView>, ApiError> {
    let user = reader.user()?;
    activity_response(&s, DoneScope::Owner(user), &q).await
}

/// Without `from`/`to`, the 365 days ending today in the caller's zone (`tz`).
async fn activity_response(
    s: &AppState,
    scope: DoneScope<'_>,
    q: &ApiQuery,
) -> Result<Json<ActivityView>, ApiError> {
    let today = caller_today(s, q)?;
    let range = ActivityRange::parse(q.get("from"), q.get("to"), today)?;
    let days = s
        .todos
        .activity(scope, (&range.from.to_db(), &range.to.to_db()))
        .await?;
    Ok(Json(ActivityView {
        from: range.from,
        to: range.to,
        days: days
            .into_iter()
            .map(|DayCount { day, count }| DayCountView { date: day, count })
            .collect(),
    }))
}
