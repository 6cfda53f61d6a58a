//! Storage of courses, todos, the done log and likes, over an `AnyPool` so SQLite and
//! PostgreSQL share one implementation (the schema keeps to their common subset:
//! text ids, BIGINT times and flags, `$n` placeholders).

mod courses;
mod todos;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

pub use courses::{CourseFilter, CoursePatch, CourseRow, NewCourse};
pub use todos::{DoneRow, DoneScope, NewDone, NewTodo, TodoPatch, TodoRow};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule said no (e.g. the same todo done twice on one day).
    #[error("conflict")]
    Conflict,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    fn from_insert(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
}

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/todo/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/todo/postgres");

impl Store {
    /// Connects (`sqlite://…` or `postgres://…`) and applies the matching migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let migrator = if url.starts_with("sqlite:") {
            &SQLITE
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            &POSTGRES
        } else {
            anyhow::bail!("todo.database_url must start with sqlite: or postgres:");
        };
        // SQLite has one writer at a time: a single connection queues writes in the pool
        // instead of failing them with SQLITE_BUSY, and keeps `sqlite::memory:` working.
        let pool = AnyPoolOptions::new()
            .max_connections(if url.starts_with("sqlite:") { 1 } else { 8 })
            .connect(url)
            .await?;
        migrator.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Removes everything the user owns or did: their courses (with todos, tags, done
    /// log and the likes they received) and the likes they gave.
    pub async fn delete_user(&self, user: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let owned = "(SELECT id FROM courses WHERE owner = $1)";
        for sql_text in [
            "DELETE FROM likes WHERE user_id = $1".to_owned(),
            format!("DELETE FROM likes WHERE course_id IN {owned}"),
            "DELETE FROM done_log WHERE owner = $1".to_owned(),
            format!("DELETE FROM done_log WHERE course_id IN {owned}"),
            format!("DELETE FROM todos WHERE course_id IN {owned}"),
            format!("DELETE FROM course_tags WHERE course_id IN {owned}"),
            "DELETE FROM courses WHERE owner = $1".to_owned(),
        ] {
            sqlx::query(sql(sql_text))
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Unix time in microseconds: fine enough that "most recent first" is stable.
pub fn now_micros() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// Marks SQL assembled with `format!` as audited. Every such string in this module is
/// built from constants, column names chosen by `match`, and `$n` placeholders; user
/// input only ever travels as bound parameters.
fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text)
}
