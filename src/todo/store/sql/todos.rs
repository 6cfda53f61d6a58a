//! Todos (soft-deleted) and the done log, in SQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, now_micros, sql};
use crate::todo::domain::new_id;
use crate::todo::store::{
    DayCount, DoneRow, DoneScope, DueCandidate, NewDone, NewTodo, Result, StoreError, TodoPatch,
    TodoRow, TodoStore,
};

const TODO_COLUMNS: &str = "t.id, t.course_id, t.title, t.explanation, t.active_date, t.recurrence, t.created_at, t.updated_at";

fn todo_row(row: &AnyRow) -> std::result::Result<TodoRow, sqlx::Error> {
    Ok(TodoRow {
        id: row.try_get("id")?,
        course_id: row.try_get("course_id")?,
        title: row.try_get("title")?,
        explanation: row.try_get("explanation")?,
        active_date: row.try_get("active_date")?,
        recurrence: row.try_get("recurrence")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn done_row(row: &AnyRow) -> std::result::Result<DoneRow, sqlx::Error> {
    Ok(DoneRow {
        id: row.try_get("id")?,
        todo_id: row.try_get("todo_id")?,
        course_id: row.try_get("course_id")?,
        day: row.try_get("day")?,
        title: row.try_get("title")?,
        content: row.try_get("content")?,
        created_at: row.try_get("created_at")?,
        photo_id: row.try_get("photo_id")?,
    })
}

/// Done entries with the id of their photo, if any (never the photo's bytes).
const DONE_FROM: &str = "SELECT d.id, d.todo_id, d.course_id, d.day, d.title, d.content, \
    d.created_at, p.id AS photo_id FROM done_log d LEFT JOIN photos p ON p.done_id = d.id";

/// Today: every todo of a person's current courses that may be due on $2 (the
/// recurrence decides in code), and the person's done entries of that day.
pub(super) fn candidate_todos_sql() -> String {
    format!(
        "SELECT {TODO_COLUMNS}, c.title AS course_title, c.start_date AS course_start, \
         c.end_date AS course_end FROM todos t \
         JOIN courses c ON c.id = t.course_id \
         WHERE c.owner = $1 AND t.deleted_at IS NULL AND t.active_date <= $2 \
         AND c.start_date <= $2 AND (c.end_date IS NULL OR c.end_date >= $2) \
         ORDER BY c.title, t.created_at, t.id"
    )
}
/// A course's todos, oldest first ($1 course, $2 limit, $3 offset), and their number.
pub(super) fn todos_page_sql() -> String {
    format!(
        "SELECT {TODO_COLUMNS} FROM todos t \
         WHERE t.course_id = $1 AND t.deleted_at IS NULL ORDER BY t.created_at, t.id \
         LIMIT $2 OFFSET $3"
    )
}
pub(super) const TODOS_COUNT: &str =
    "SELECT COUNT(*) AS n FROM todos WHERE course_id = $1 AND deleted_at IS NULL";

/// The done log of a course or a person (`column`: `course_id` or `owner`) between two
/// days: its page ($4 limit, $5 offset) and its count.
pub(super) fn done_log_sql(column: &str) -> (String, String) {
    let filter = format!("d.{column} = $1 AND d.day >= $2 AND d.day <= $3");
    (
        format!("{DONE_FROM} WHERE {filter} ORDER BY d.day, d.created_at, d.id LIMIT $4 OFFSET $5"),
        format!("SELECT COUNT(*) AS n FROM done_log d WHERE {filter}"),
    )
}

pub(super) fn done_entries_on_sql() -> String {
    format!("{DONE_FROM} WHERE d.owner = $1 AND d.day = $2")
}

#[async_trait]
impl TodoStore for SqlStore {
    async fn create_todo(&self, t: NewTodo) -> Result<TodoRow> {
        let id = new_id();
        let now = now_micros();
        sqlx::query(
            "INSERT INTO todos (id, course_id, title, explanation, active_date, recurrence, \
             deleted_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7)",
        )
        .bind(&id)
        .bind(&t.course_id)
        .bind(&t.title)
        .bind(&t.explanation)
        .bind(&t.active_date)
        .bind(&t.recurrence)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.todo(&t.course_id, &id)
            .await?
            .ok_or(StoreError::Conflict)
    }

    async fn todo(&self, course: &str, id: &str) -> Result<Option<TodoRow>> {
        let row = sqlx::query(sql(format!(
            "SELECT {TODO_COLUMNS} FROM todos t \
             WHERE t.id = $1 AND t.course_id = $2 AND t.deleted_at IS NULL"
        )))
        .bind(id)
        .bind(course)
        .fetch_optional(&self.reads)
        .await?;
        Ok(row.as_ref().map(todo_row).transpose()?)
    }

    async fn todos(&self, course: &str, limit: i64, offset: i64) -> Result<(Vec<TodoRow>, i64)> {
        let rows = sqlx::query(sql(todos_page_sql()))
            .bind(course)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.reads)
            .await?;
        let total: i64 = sqlx::query(TODOS_COUNT)
            .bind(course)
            .fetch_one(&self.reads)
            .await?
            .try_get("n")?;
        let todos = rows
            .iter()
            .map(todo_row)
            .collect::<std::result::Result<_, _>>()?;
        Ok((todos, total))
    }

    async fn update_todo(&self, course: &str, id: &str, p: TodoPatch) -> Result<Option<TodoRow>> {
        let Some(cur) = self.todo(course, id).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE todos SET title = $1, explanation = $2, active_date = $3, recurrence = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(p.title.unwrap_or(cur.title))
        .bind(p.explanation.unwrap_or(cur.explanation))
        .bind(p.active_date.unwrap_or(cur.active_date))
        .bind(p.recurrence.unwrap_or(cur.recurrence))
        .bind(now_micros())
        .bind(id)
        .execute(&self.pool)
        .await?;
        self.todo(course, id).await
    }

    async fn soft_delete_todo(&self, course: &str, id: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE todos SET deleted_at = $1 \
             WHERE id = $2 AND course_id = $3 AND deleted_at IS NULL",
        )
        .bind(now_micros())
        .bind(id)
        .bind(course)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn candidate_todos(&self, owner: &str, day: &str) -> Result<Vec<DueCandidate>> {
        let rows = sqlx::query(sql(candidate_todos_sql()))
            .bind(owner)
            .bind(day)
            .fetch_all(&self.reads)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DueCandidate {
                    todo: todo_row(r)?,
                    course_title: r.try_get("course_title")?,
                    course_start: r.try_get("course_start")?,
                    course_end: r.try_get("course_end")?,
                })
            })
            .collect()
    }

    async fn add_done(&self, d: NewDone) -> Result<DoneRow> {
        let id = new_id();
        let created_at = now_micros();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO done_log (id, todo_id, course_id, owner, day, title, content, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(&d.todo_id)
        .bind(&d.course_id)
        .bind(&d.owner)
        .bind(&d.day)
        .bind(&d.title)
        .bind(&d.content)
        .bind(created_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_insert)?;
        let photo_id = match d.photo {
            Some(photo) => {
                let photo_id = new_id();
                sqlx::query(
                    "INSERT INTO photos (id, done_id, course_id, owner, content_type, bytes, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&photo_id)
                .bind(&id)
                .bind(&d.course_id)
                .bind(&d.owner)
                .bind(photo.content_type)
                .bind(photo.bytes)
                .bind(created_at)
                .execute(&mut *tx)
                .await?;
                Some(photo_id)
            }
            None => None,
        };
        tx.commit().await?;
        Ok(DoneRow {
            id,
            todo_id: d.todo_id,
            course_id: d.course_id,
            day: d.day,
            title: d.title,
            content: d.content,
            created_at,
            photo_id,
        })
    }

    async fn done_log(
        &self,
        scope: DoneScope<'_>,
        (from, to): (&str, &str),
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<DoneRow>, i64)> {
        let (column, value) = match scope {
            DoneScope::Course(c) => ("course_id", c),
            DoneScope::Owner(o) => ("owner", o),
        };
        let (page, count) = done_log_sql(column);
        let rows = sqlx::query(sql(page))
            .bind(value)
            .bind(from)
            .bind(to)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.reads)
            .await?;
        let total: i64 = sqlx::query(sql(count))
            .bind(value)
            .bind(from)
            .bind(to)
            .fetch_one(&self.reads)
            .await?
            .try_get("n")?;
        let entries = rows
            .iter()
            .map(done_row)
            .collect::<std::result::Result<_, _>>()?;
        Ok((entries, total))
    }

    async fn done_entries_on(&self, owner: &str, day: &str) -> Result<Vec<DoneRow>> {
        let rows = sqlx::query(sql(done_entries_on_sql()))
            .bind(owner)
            .bind(day)
            .fetch_all(&self.reads)
            .await?;
        Ok(rows
            .iter()
            .map(done_row)
            .collect::<std::result::Result<_, _>>()?)
    }

    async fn remove_done(&self, course: &str, todo: &str, day: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let entry = "SELECT id FROM done_log WHERE course_id = $1 AND todo_id = $2 AND day = $3";
        sqlx::query(sql(format!(
            "DELETE FROM photos WHERE done_id IN ({entry})"
        )))
        .bind(course)
        .bind(todo)
        .bind(day)
        .execute(&mut *tx)
        .await?;
        let removed =
            sqlx::query("DELETE FROM done_log WHERE course_id = $1 AND todo_id = $2 AND day = $3")
                .bind(course)
                .bind(todo)
                .bind(day)
                .execute(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(removed.rows_affected() > 0)
    }

    async fn activity(
        &self,
        scope: DoneScope<'_>,
        (from, to): (&str, &str),
    ) -> Result<Vec<DayCount>> {
        let (column, value) = match scope {
            DoneScope::Course(c) => ("course_id", c),
            DoneScope::Owner(o) => ("owner", o),
        };
        let rows = sqlx::query(sql(format!(
            "SELECT day, COUNT(*) AS n FROM done_log \
             WHERE {column} = $1 AND day >= $2 AND day <= $3 GROUP BY day ORDER BY day"
        )))
        .bind(value)
        .bind(from)
        .bind(to)
        .fetch_all(&self.reads)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DayCount {
                    day: r.try_get("day")?,
                    count: r.try_get("n")?,
                })
            })
            .collect()
    }
}
