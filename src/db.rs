//! Opening SQL pools, shared by the identity server and the todo service (each with its own
//! database and migrations: this module knows no table).

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

/// The two SQL dialects Belf speaks; the URL's scheme decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The dialect a database URL names by its scheme (`sqlite:`, `postgres:` or
    /// `postgresql:`, as sqlx spells them), or `None` for any other scheme. The one parser:
    /// callers decide what an unknown scheme means to them.
    pub fn parse(url: &str) -> Option<Dialect> {
        let (scheme, _) = url.split_once(':')?;
        match scheme {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            _ => None,
        }
    }

    /// For URLs already checked where they entered (configuration, test set-up): any
    /// scheme [`Dialect::parse`] does not know is taken as SQLite, the embedded default,
    /// and sqlx then refuses to connect to it.
    pub fn of(url: &str) -> Dialect {
        Dialect::parse(url).unwrap_or(Dialect::Sqlite)
    }
}

/// True for SQLite URLs whose database lives in the connection (`sqlite::memory:`): each
/// connection would see its own, empty database, so such a pool must hold one connection.
pub fn is_private_memory(url: &str) -> bool {
    Dialect::of(url) == Dialect::Sqlite
        && (url.contains(":memory:") || url.contains("mode=memory"))
        && !url.contains("cache=shared")
}

/// An `Any` pool for a sqlite: or postgres: URL. SQLite gets WAL (readers never wait for the
/// writer) and `synchronous=NORMAL` (durable at checkpoints, safe with WAL).
pub async fn connect_pool(url: &str, max_connections: u32) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let dialect = Dialect::of(url);
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(std::time::Duration::from_secs(5))
        // The pre-acquire ping is a network check; a SQLite connection is a local file and
        // its ping a hop to the connection's thread and back that doubled the thread
        // wake-ups of every query. PostgreSQL keeps it: it finds connections a restarted
        // server has dropped before a request does.
        .test_before_acquire(dialect == Dialect::Postgres)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if dialect == Dialect::Sqlite {
                    conn.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
                        .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    if dialect == Dialect::Sqlite {
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
    }
    Ok(pool)
}

/// A statement a hot path sends, exactly as the store sends it, with what each of its `$n`
/// placeholders stands for. The stores list theirs (`hot_queries()`), and a test runs
/// `EXPLAIN` on each against a seeded database (tests/e2e/query_plans.rs) and fails on a
/// full scan of a table, so a missing index shows as a failing test instead of a slow page
/// at scale.
#[derive(Debug, Clone)]
pub struct HotQuery {
    /// Short name, e.g. `user_by_login`.
    pub name: &'static str,
    pub sql: String,
    pub params: Vec<HotParam>,
}

/// One placeholder of a [`HotQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HotParam {
    /// A text value of this kind (`user_id`, `owner`, `day`…): the test binds a value its
    /// seeded data has.
    Text(&'static str),
    /// An integer (a time, a limit), bound as it is.
    Int(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_are_named_by_the_url_scheme() {
        assert_eq!(Dialect::parse("sqlite::memory:"), Some(Dialect::Sqlite));
        assert_eq!(
            Dialect::parse("sqlite://belf.db?mode=rwc"),
            Some(Dialect::Sqlite)
        );
        assert_eq!(
            Dialect::parse("postgres://postgres@127.0.0.1:5432/test"),
            Some(Dialect::Postgres)
        );
        assert_eq!(
            Dialect::parse("postgresql://localhost/belf"),
            Some(Dialect::Postgres)
        );
        // Only the scheme counts, and only exactly.
        for unknown in [
            "mysql://localhost/belf",
            "postgresx://localhost/belf",
            "SQLITE::memory:",
            "belf.db",
            "",
            "file:sqlite:x",
        ] {
            assert_eq!(Dialect::parse(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn of_takes_unknown_schemes_as_sqlite() {
        assert_eq!(Dialect::of("postgres://h/db"), Dialect::Postgres);
        assert_eq!(Dialect::of("sqlite:x.db"), Dialect::Sqlite);
        assert_eq!(Dialect::of("mysql://h/db"), Dialect::Sqlite);
    }

    #[test]
    fn private_memory_databases_are_recognised() {
        assert!(is_private_memory("sqlite::memory:"));
        assert!(is_private_memory("sqlite://:memory:"));
        assert!(is_private_memory("sqlite:file:x?mode=memory"));
        assert!(!is_private_memory("sqlite:file:x?mode=memory&cache=shared"));
        assert!(!is_private_memory("sqlite://belf-todo.db?mode=rwc"));
        assert!(!is_private_memory("postgres://postgres@127.0.0.1/test"));
    }
}
