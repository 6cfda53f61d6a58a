//! A fresh, empty database for each server under test.
//!
//! Embedded mode gets a SQLite file in the test's temporary directory. Production mode
//! (`BELF_TEST_DATABASE_URL` names a PostgreSQL server, as `.ci/run` sets it) gets a new
//! database on that server, so parallel tests never see each other's rows. The identity
//! server and the todo service both take their URLs from here, so the two modes cannot
//! drift apart between spawners.

use std::path::Path;

/// A database URL nobody else uses: `dir/{name}.db`, or a new PostgreSQL database
/// `belf_test_{name}_{uuid}` (the prefix `.ci/run` drops between runs).
///
/// `name` becomes part of an SQL identifier, so it must be lowercase letters and `_`.
pub async fn fresh_database_url(dir: &Path, name: &str) -> String {
    assert!(
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
        "database name part {name:?} must be lowercase letters and _"
    );
    match std::env::var("BELF_TEST_DATABASE_URL") {
        Ok(admin) if admin.starts_with("postgres") => fresh_postgres_database(&admin, name).await,
        _ => format!(
            "sqlite://{}?mode=rwc",
            dir.join(format!("{name}.db")).display()
        ),
    }
}

/// Creates the database through the server named by `admin_url` and returns the same URL
/// pointing at it (user, host, port and query parameters kept).
async fn fresh_postgres_database(admin_url: &str, name: &str) -> String {
    use sqlx::Connection;
    let db = format!("belf_test_{name}_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("BELF_TEST_DATABASE_URL reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("BELF_TEST_DATABASE_URL is a URL");
    url.set_path(&db);
    url.to_string()
}
