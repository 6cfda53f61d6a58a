//! Todos and today's list.

use super::body::{Fields, FromJson, JsonBody};
use super::error::{ApiPath, ApiQuery};
use super::views::{DueView, PageView, TodayView, TodoView};
use super::{ApiError, AppState, find_course};
use crate::todo::domain::access::{Reader, Writer};
use crate::todo::domain::{Day, Page, Recurrence, Schedule, Text, Title, Zone, parse_id};
use crate::todo::store::{DoneRow, NewTodo, TodoPatch};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

pub struct CreateTodo {
    title: String,
    explanation: String,
    active_date: String,
    recurrence: Option<serde_json::Value>,
}

impl FromJson for CreateTodo {
    const FIELDS: &'static [&'static str] = &["title", "explanation", "active_date", "recurrence"];
    fn from_fields(f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            title: f.string("title")?,
            explanation: f.opt_string("explanation")?.unwrap_or_default(),
            active_date: f.string("active_date")?,
            recurrence: f.opt_value("recurrence").cloned(),
        })
    }
}

pub struct UpdateTodo {
    title: Option<String>,
    explanation: Option<String>,
    active_date: Option<String>,
    recurrence: Option<serde_json::Value>,
}

impl FromJson for UpdateTodo {
    const FIELDS: &'static [&'static str] = CreateTodo::FIELDS;
    fn from_fields(f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            title: f.opt_string("title")?,
            explanation: f.opt_string("explanation")?,
            active_date: f.opt_string("active_date")?,
            recurrence: f.opt_value("recurrence").cloned(),
        })
    }
}

/// A page of the course's live todos, oldest first.
pub async fn list(
    State(s): State<AppState>,
    reader: Reader,
    ApiPath(id): ApiPath<String>,
    q: ApiQuery,
) -> Result<Json<PageView<TodoView>>, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    reader.see(course.access())?;
    let page = Page::parse(q.get("limit"), q.get("offset"))?;
    let (rows, total) = s.todos.todos(&course.id, page.limit, page.offset).await?;
    let items = rows.into_iter().map(Into::into).collect();
    Ok(Json(PageView::new(items, total, page)))
}

pub async fn create(
    State(s): State<AppState>,
    writer: Writer,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<CreateTodo>,
) -> Result<(StatusCode, Json<TodoView>), ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    writer.change(course.access())?;
    let body = body.parse()?;
    let title = Title::parse("title", &body.title)?;
    let explanation = Text::parse("explanation", &body.explanation)?;
    let active = Day::parse("active_date", &body.active_date)?;
    let recurrence = match &body.recurrence {
        Some(r) => Recurrence::parse(r)?,
        None => Recurrence::Once,
    };
    let todo = s
        .todos
        .create_todo(NewTodo {
            course_id: course.id,
            title: title.as_str().to_owned(),
            explanation: explanation.as_str().to_owned(),
            active_date: active.to_db(),
            recurrence: recurrence.to_db(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(todo.into())))
}

pub async fn get_one(
    State(s): State<AppState>,
    reader: Reader,
    ApiPath((id, todo)): ApiPath<(String, String)>,
) -> Result<Json<TodoView>, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    reader.see(course.access())?;
    let todo_id = parse_id(&todo).ok_or_else(ApiError::not_found)?;
    let todo = s
        .todos
        .todo(&course.id, &todo_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(todo.into()))
}

pub async fn update(
    State(s): State<AppState>,
    writer: Writer,
    ApiPath((id, todo)): ApiPath<(String, String)>,
    body: JsonBody<UpdateTodo>,
) -> Result<Json<TodoView>, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    writer.change(course.access())?;
    let todo_id = parse_id(&todo).ok_or_else(ApiError::not_found)?;
    let body = body.parse()?;
    let patch = TodoPatch {
        title: body
            .title
            .as_deref()
            .map(|t| Title::parse("title", t).map(|t| t.as_str().to_owned()))
            .transpose()?,
        explanation: body
            .explanation
            .as_deref()
            .map(|e| Text::parse("explanation", e).map(|e| e.as_str().to_owned()))
            .transpose()?,
        active_date: body
            .active_date
            .as_deref()
            .map(|d| Day::parse("active_date", d).map(Day::to_db))
            .transpose()?,
        recurrence: body
            .recurrence
            .as_ref()
            .map(|r| Recurrence::parse(r).map(|r| r.to_db()))
            .transpose()?,
    };
    let todo = s
        .todos
        .update_todo(&course.id, &todo_id, patch)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(todo.into()))
}

/// Soft delete: the todo disappears from lists and today, its done log stays.
pub async fn delete(
    State(s): State<AppState>,
    writer: Writer,
    ApiPath((id, todo)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    writer.change(course.access())?;
    let todo_id = parse_id(&todo).ok_or_else(ApiError::not_found)?;
    if s.todos.soft_delete_todo(&course.id, &todo_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// `GET /api/today?date=YYYY-MM-DD&tz=+09:00&limit=&offset=`: a page of the caller's todos
/// due that day. Without `date`, today in the zone `tz` (a UTC offset, default UTC).
pub async fn today(
    State(s): State<AppState>,
    reader: Reader,
    q: ApiQuery,
) -> Result<Json<TodayView>, ApiError> {
    let user = reader.user()?;
    // `tz` is checked even beside a `date`: a bad parameter is never silently ignored.
    let today = caller_today(&s, &q)?;
    let day = match q.get("date") {
        Some(raw) => Day::parse("date", raw)?,
        None => today,
    };
    let page = Page::parse(q.get("limit"), q.get("offset"))?;
    let mut done: std::collections::HashMap<String, DoneRow> = s
        .todos
        .done_entries_on(user, &day.to_db())
        .await?
        .into_iter()
        .map(|d| (d.todo_id.clone(), d))
        .collect();
    let mut items = Vec::new();
    for c in s.todos.candidate_todos(user, &day.to_db()).await? {
        let recurrence = Recurrence::from_db(&c.todo.recurrence);
        // A row that cannot be read (logged) costs its own line, not the whole list.
        let Ok(schedule) = stored_schedule(
            &recurrence,
            &c.todo.active_date,
            &c.course_start,
            c.course_end.as_deref(),
        ) else {
            continue;
        };
        if !schedule.is_due(day) {
            continue;
        }
        let entry = done.remove(&c.todo.id);
        items.push(DueView {
            done: entry.is_some(),
            done_entry: entry.map(Into::into),
            todo: c.todo.into(),
            course_title: c.course_title,
        });
    }
    // Due-ness is decided here, not in SQL, so the page is cut from the whole list.
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(page.offset).unwrap_or(usize::MAX);
    let take = usize::try_from(page.limit).unwrap_or(0);
    let items = items.into_iter().skip(skip).take(take).collect();
    Ok(Json(TodayView {
        date: day,
        page: PageView::new(items, total, page),
    }))
}

/// Today in the caller's zone: the query's `tz` (a UTC offset, default UTC).
pub(super) fn caller_today(s: &AppState, q: &ApiQuery) -> Result<Day, ApiError> {
    let zone = q
        .get("tz")
        .map(|tz| Zone::parse("tz", tz))
        .transpose()?
        .unwrap_or_default();
    Ok(zone.today(s.clock.now()))
}

/// The schedule of a stored todo in its course. The dates were written by this service, so
/// one that does not parse is a fault of ours (500, logged), not of the caller.
pub(super) fn stored_schedule<'a>(
    recurrence: &'a Recurrence,
    active_date: &str,
    course_start: &str,
    course_end: Option<&str>,
) -> Result<Schedule<'a>, ApiError> {
    let day = |raw: &str| {
        Day::parse("stored date", raw).map_err(|_| {
            tracing::error!(date = raw, "a stored date does not parse");
            ApiError::internal()
        })
    };
    Ok(Schedule {
        recurrence,
        active: day(active_date)?,
        course_start: day(course_start)?,
        course_end: course_end.map(day).transpose()?,
    })
}
