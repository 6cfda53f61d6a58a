//! Photos, display names and a user's totals, in SQL.

use async_trait::async_trait;
use sqlx::Row;

use super::{SqlStore, now_micros};
use crate::todo::store::{PhotoRow, PhotoStore, ProfileStore, Result, UserStats};

#[async_trait]
impl PhotoStore for SqlStore {
    async fn photo(&self, id: &str) -> Result<Option<PhotoRow>> {
        let row =
            sqlx::query("SELECT id, course_id, content_type, bytes FROM photos WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.reads)
                .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(PhotoRow {
            id: row.try_get("id")?,
            course_id: row.try_get("course_id")?,
            content_type: row.try_get("content_type")?,
            bytes: row.try_get("bytes")?,
        }))
    }
}

#[async_trait]
impl ProfileStore for SqlStore {
    async fn set_display_name(&self, user: &str, name: &str) -> Result<()> {
        // An upsert both SQLite (3.24+) and PostgreSQL speak.
        sqlx::query(
            "INSERT INTO profiles (user_id, display_name, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, \
             updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(name)
        .bind(now_micros())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// One query: the profile page asks for it on every view.
    async fn stats(&self, user: &str) -> Result<UserStats> {
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM courses WHERE owner = $1) AS courses, \
             (SELECT COUNT(*) FROM done_log WHERE owner = $1) AS todos_done, \
             (SELECT COUNT(*) FROM likes l JOIN courses c ON c.id = l.course_id \
               WHERE c.owner = $1) AS likes_received, \
             (SELECT COUNT(*) FROM (SELECT DISTINCT f.forked_from, f.owner FROM courses f \
               JOIN courses c ON c.id = f.forked_from WHERE c.owner = $1) forks) AS forks_received",
        )
        .bind(user)
        .fetch_one(&self.reads)
        .await?;
        Ok(UserStats {
            courses: row.try_get("courses")?,
            todos_done: row.try_get("todos_done")?,
            likes_received: row.try_get("likes_received")?,
            forks_received: row.try_get("forks_received")?,
        })
    }
}
