//! JSON shapes of responses.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::todo::domain::{Day, Page, Recurrence};
use crate::todo::store::{CourseRow, DoneRow, TodoRow};

fn rfc3339(micros: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[derive(Serialize)]
pub struct CourseView {
    pub id: String,
    pub owner: String,
    /// The owner's display name, if they set one.
    pub owner_name: Option<String>,
    pub title: String,
    pub explanation: String,
    pub colour: String,
    pub start_date: String,
    pub end_date: Option<String>,
    pub tags: Vec<String>,
    pub public: bool,
    pub forked_from: Option<String>,
    pub fork_count: i64,
    pub like_count: i64,
    /// Whether the caller likes it: on a single course and on search results, for a
    /// token issued to a user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liked: Option<bool>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<CourseRow> for CourseView {
    fn from(c: CourseRow) -> Self {
        Self {
            id: c.id,
            owner: c.owner,
            owner_name: c.owner_name,
            title: c.title,
            explanation: c.explanation,
            colour: c.colour,
            start_date: c.start_date,
            end_date: c.end_date,
            tags: c.tags,
            public: c.is_public,
            forked_from: c.forked_from,
            fork_count: c.fork_count,
            like_count: c.like_count,
            liked: None,
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
        }
    }
}

#[derive(Serialize)]
pub struct TodoView {
    pub id: String,
    pub course_id: String,
    pub title: String,
    pub explanation: String,
    pub active_date: String,
    pub recurrence: Recurrence,
    pub created_at: String,
    pub updated_at: String,
}

impl From<TodoRow> for TodoView {
    fn from(t: TodoRow) -> Self {
        Self {
            recurrence: Recurrence::from_db(&t.recurrence),
            id: t.id,
            course_id: t.course_id,
            title: t.title,
            explanation: t.explanation,
            active_date: t.active_date,
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
        }
    }
}

/// A todo due on the day asked for, in `GET /api/today`.
#[derive(Serialize)]
pub struct DueView {
    #[serde(flatten)]
    pub todo: TodoView,
    pub course_title: String,
    pub done: bool,
    /// That day's entry (note, photo) when `done`, so it can be shown and undone.
    pub done_entry: Option<DoneView>,
}

#[derive(Serialize)]
pub struct DoneView {
    pub id: String,
    pub todo_id: String,
    pub course_id: String,
    pub date: String,
    pub title: String,
    pub content: String,
    pub created_at: String,
    /// Where the entry's photo is served (`/api/photos/{id}`), if it has one.
    pub photo_url: Option<String>,
}

impl From<DoneRow> for DoneView {
    fn from(d: DoneRow) -> Self {
        Self {
            id: d.id,
            todo_id: d.todo_id,
            course_id: d.course_id,
            date: d.day,
            title: d.title,
            content: d.content,
            created_at: rfc3339(d.created_at),
            photo_url: d.photo_id.map(|id| format!("/api/photos/{id}")),
        }
    }
}

/// A page of results with what is needed to ask for the next one.
#[derive(Serialize)]
pub struct PageView<T> {
    pub items: Vec<T>,
    /// How many results there are in all.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// The `offset` of the next page; `None` on the last.
    pub next_offset: Option<i64>,
}

impl<T> PageView<T> {
    pub fn new(items: Vec<T>, total: i64, page: Page) -> Self {
        let next = page.offset.saturating_add(page.limit);
        Self {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
            next_offset: (next < total).then_some(next),
        }
    }
}

/// `GET /api/today`: the day it is about, and a page of what is due.
#[derive(Serialize)]
pub struct TodayView {
    pub date: Day,
    #[serde(flatten)]
    pub page: PageView<DueView>,
}
