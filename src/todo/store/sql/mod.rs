//! The SQL implementation of the todo service's store traits, over an `AnyPool` so SQLite
//! and PostgreSQL share one implementation (the schema keeps to their common subset:
//! text ids, BIGINT times and flags, `$n` placeholders).

mod courses;
pub mod hot_queries;
mod photos;
mod todos;

use async_trait::async_trait;
use sqlx::{AnyPool, Row};

use super::{Result, StoreError, StoreHealth, UserDataStore};
use crate::db::{Dialect, connect_pool, is_private_memory};

// sqlx's errors become the store's here, beside the SQL that raises them: a refused
// foreign key means the row referred to was deleted meanwhile.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Gone,
            _ => StoreError::Db(e),
        }
    }
}

impl StoreError {
    /// For inserts, where a unique violation is a conflict the caller may answer.
    fn from_insert(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::from(e),
        }
    }
}

/// SQLite connections that serve reads. WAL lets them run beside the writer and each other;
/// more than the cores buys nothing, as every SQLite connection is a worker thread.
const SQLITE_READERS: u32 = 4;

#[derive(Clone)]
pub struct SqlStore {
    /// Writes (and transactions). On SQLite one connection: SQLite has one writer at a
    /// time, and a single connection queues writers in the pool instead of failing them
    /// with SQLITE_BUSY.
    pool: AnyPool,
    /// Plain reads. On SQLite a separate pool, so reads neither queue behind writes nor
    /// behind each other on the one writer connection (each query is a hop to that
    /// connection's thread); elsewhere the same pool.
    reads: AnyPool,
}

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/todo/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/todo/postgres");

impl SqlStore {
    /// Connects (`sqlite://…` or `postgres://…`) and applies the matching migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let Some(dialect) = Dialect::parse(url) else {
            anyhow::bail!("todo.database_url must start with sqlite: or postgres:");
        };
        let (migrator, size) = match dialect {
            Dialect::Sqlite => (&SQLITE, 1),
            Dialect::Postgres => (&POSTGRES, 8),
        };
        let pool = connect_pool(url, size).await?;
        migrator.run(&pool).await?;
        // A private in-memory database exists only in its one connection.
        let reads = if dialect == Dialect::Sqlite && !is_private_memory(url) {
            connect_pool(url, SQLITE_READERS).await?
        } else {
            pool.clone()
        };
        Ok(Self { pool, reads })
    }
}

#[async_trait]
impl StoreHealth for SqlStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reads).await?;
        Ok(())
    }
}

#[async_trait]
impl UserDataStore for SqlStore {
    async fn delete_user(&self, user: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // Counts on other people's courses follow what goes: this user's likes, and the
        // forks this user made.
        sqlx::query(
            "UPDATE courses SET like_count = like_count - 1 \
             WHERE id IN (SELECT course_id FROM likes WHERE user_id = $1)",
        )
        .bind(user)
        .execute(&mut *tx)
        .await?;
        let origins: Vec<String> = sqlx::query(
            "SELECT DISTINCT forked_from FROM courses WHERE owner = $1 AND forked_from IS NOT NULL",
        )
        .bind(user)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| row.try_get("forked_from"))
        .collect::<std::result::Result<_, _>>()?;
        let owned = "(SELECT id FROM courses WHERE owner = $1)";
        for sql_text in [
            "DELETE FROM likes WHERE user_id = $1".to_owned(),
            format!("DELETE FROM likes WHERE course_id IN {owned}"),
            "DELETE FROM photos WHERE owner = $1".to_owned(),
            format!("DELETE FROM photos WHERE course_id IN {owned}"),
            "DELETE FROM done_log WHERE owner = $1".to_owned(),
            format!("DELETE FROM done_log WHERE course_id IN {owned}"),
            format!("DELETE FROM todos WHERE course_id IN {owned}"),
            format!("DELETE FROM course_tags WHERE course_id IN {owned}"),
            "DELETE FROM courses WHERE owner = $1".to_owned(),
            "DELETE FROM profiles WHERE user_id = $1".to_owned(),
        ] {
            sqlx::query(sql(sql_text))
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        for origin in &origins {
            courses::recount_forks(&mut tx, origin).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Unix time in microseconds: fine enough that "most recent first" is stable.
fn now_micros() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// Marks SQL assembled with `format!` as audited. Every such string in this module is
/// built from constants, column names chosen by `match`, and `$n` placeholders; user
/// input only ever travels as bound parameters.
fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text)
}
