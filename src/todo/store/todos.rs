//! Todos (soft-deleted) and the done log.

use async_trait::async_trait;

use super::Result;
use super::photos::NewPhoto;

#[derive(Debug, Clone)]
pub struct TodoRow {
    pub id: String,
    pub course_id: String,
    pub title: String,
    pub explanation: String,
    pub active_date: String,
    pub recurrence: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct NewTodo {
    pub course_id: String,
    pub title: String,
    pub explanation: String,
    pub active_date: String,
    pub recurrence: String,
}

#[derive(Default)]
pub struct TodoPatch {
    pub title: Option<String>,
    pub explanation: Option<String>,
    pub active_date: Option<String>,
    pub recurrence: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DoneRow {
    pub id: String,
    pub todo_id: String,
    pub course_id: String,
    pub day: String,
    pub title: String,
    pub content: String,
    pub created_at: i64,
    /// The entry's photo, if it has one (its bytes are fetched apart: [`super::PhotoStore`]).
    pub photo_id: Option<String>,
}

pub struct NewDone {
    pub todo_id: String,
    pub course_id: String,
    pub owner: String,
    pub day: String,
    pub title: String,
    pub content: String,
    /// Stored with the entry, in the same transaction.
    pub photo: Option<NewPhoto>,
}

/// A todo of the owner's that may be due on a day, with what its schedule needs of its
/// course.
#[derive(Debug, Clone)]
pub struct DueCandidate {
    pub todo: TodoRow,
    pub course_title: String,
    pub course_start: String,
    pub course_end: Option<String>,
}

/// Whose done log: one course's, or all of an owner's courses'.
#[derive(Debug, Clone, Copy)]
pub enum DoneScope<'a> {
    Course(&'a str),
    Owner(&'a str),
}

#[async_trait]
pub trait TodoStore: Send + Sync {
    async fn create_todo(&self, todo: NewTodo) -> Result<TodoRow>;
    /// A live (not deleted) todo of the given course.
    async fn todo(&self, course: &str, id: &str) -> Result<Option<TodoRow>>;
    /// A page of the course's live todos, oldest first, and how many it has in all.
    async fn todos(&self, course: &str, limit: i64, offset: i64) -> Result<(Vec<TodoRow>, i64)>;
    /// The updated todo, or `None` if there is no such live todo.
    async fn update_todo(
        &self,
        course: &str,
        id: &str,
        patch: TodoPatch,
    ) -> Result<Option<TodoRow>>;
    /// Returns whether a live todo was deleted.
    async fn soft_delete_todo(&self, course: &str, id: &str) -> Result<bool>;
    /// Live todos of the owner's courses that may be due on `day` (the course runs that
    /// day and the todo is active by then); the caller checks the whole schedule.
    async fn candidate_todos(&self, owner: &str, day: &str) -> Result<Vec<DueCandidate>>;
    /// Fails with [`super::StoreError::Conflict`] if the todo is already done that day.
    async fn add_done(&self, done: NewDone) -> Result<DoneRow>;
    /// A page of the done entries in `[from, to]`, by day, and how many there are in all.
    async fn done_log(
        &self,
        scope: DoneScope<'_>,
        range: (&str, &str),
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<DoneRow>, i64)>;
    /// The owner's done entries of `day` (across their courses).
    async fn done_entries_on(&self, owner: &str, day: &str) -> Result<Vec<DoneRow>>;
    /// Removes the todo's done entry of `day` in the course, and its photo; returns
    /// whether there was one.
    async fn remove_done(&self, course: &str, todo: &str, day: &str) -> Result<bool>;
    /// How many done entries each day in `[from, to]` has, for days with at least one,
    /// in day order.
    async fn activity(&self, scope: DoneScope<'_>, range: (&str, &str)) -> Result<Vec<DayCount>>;
}

/// The number of done entries on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    pub day: String,
    pub count: i64,
}
