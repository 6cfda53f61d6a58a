//! Every hot statement uses an index (issue 15): the identity server's and the todo
//! service's stores list the statements their hot paths send (`hot_queries()`, the very
//! text they execute); this test migrates fresh databases, seeds tens of thousands of rows
//! per hot table (so the planner prefers an index wherever one fits), and fails when a
//! plan reads a whole table: a `Seq Scan` node on PostgreSQL (`EXPLAIN (FORMAT JSON)`), a
//! `SCAN` of a table on SQLite (`EXPLAIN QUERY PLAN`; `SEARCH … USING INDEX` is fine).
//! The PostgreSQL half runs when BELF_TEST_DATABASE_URL names a server (`.ci/run`'s
//! production pass) and says so when skipped.

use belf::db::{Dialect, HotParam, HotQuery};
use secrecy::SecretString;
use sqlx::Row;

use crate::support::fresh_database_url;

/// Rows of the larger hot tables: enough that a scan costs more than an index.
const ROWS: u32 = 20_000;

/// `seq(g)`: the numbers 1..=n as a row source, in either dialect (as scripts/seed.sh).
fn series(d: Dialect, n: u32) -> String {
    match d {
        Dialect::Postgres => format!("(SELECT generate_series(1, {n}) AS g) AS seq"),
        Dialect::Sqlite => format!(
            "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n}) \
             SELECT g FROM s) AS seq"
        ),
    }
}

fn auth_seed(d: Dialect) -> Vec<String> {
    let n = ROWS;
    let clients = n / 4;
    let s = |k| series(d, k);
    vec![
        format!(
            "INSERT INTO users (user_id, username, username_lower, email, password_hash, \
             created_at, updated_at) SELECT 'u' || g, 'user' || g, 'user' || g, \
             'user' || g || '@example.test', 'x', 0, 0 FROM {}",
            s(n)
        ),
        format!(
            "INSERT INTO clients (client_id, name, redirect_uris, post_logout_redirect_uris, \
             grant_types, scopes, created_at) SELECT 'c' || g, 'Client ' || g, '[]', '[]', \
             '[]', '[]', 0 FROM {}",
            s(clients)
        ),
        format!(
            "INSERT INTO consents (user_id, client_id, scopes, updated_at) \
             SELECT 'u' || g, 'c' || (1 + g % {clients}), '[]', 0 FROM {}",
            s(n)
        ),
        format!(
            "INSERT INTO refresh_tokens (token_hash, family_id, client_id, user_id, scopes, \
             auth_time, issued_at, expires_at) SELECT 'h' || g, 'f' || g, \
             'c' || (1 + g % {clients}), 'u' || g, '[]', 0, 0, 2000000000 FROM {}",
            s(n)
        ),
        format!(
            "INSERT INTO user_sessions (sid, user_id, session_key, device, ip, started_at, \
             last_seen_at, expires_at) SELECT 's' || g, 'u' || g, 'k' || g, 'd', '127.0.0.1', \
             0, 0, 2000000000 FROM {}",
            s(n)
        ),
        format!(
            "INSERT INTO session_clients (sid, client_id, user_id, started_at_ms, expires_at) \
             SELECT 's' || g, 'c' || (1 + g % {clients}), 'u' || g, 0, 2000000000 FROM {}",
            s(n)
        ),
        format!(
            "INSERT INTO two_step_methods (method_id, user_id, kind, name, secret, created_at) \
             SELECT 'm' || g, 'u' || g, 'totp', 'phone', 'secret', 0 FROM {}",
            s(n / 4)
        ),
        format!(
            "INSERT INTO two_step_required (user_id, since) SELECT 'u' || g, 0 FROM {}",
            s(n / 4)
        ),
    ]
}

/// Owners have four courses each; every course has two todos, a done entry per todo, a tag
/// (one of 1,000, so a tag's page is a few dozen courses, as with real tags) and two likes;
/// nine courses in ten are public; one done entry in ten has a photo.
fn todo_seed(d: Dialect) -> Vec<String> {
    let n = ROWS;
    let owners = n / 4;
    let s = |k| series(d, k);
    let day = "'2026-01-' || CASE WHEN 1 + g % 28 < 10 THEN '0' ELSE '' END || (1 + g % 28)";
    vec![
        format!(
            "INSERT INTO profiles (user_id, display_name, updated_at) \
             SELECT 'u' || g, 'User ' || g, 0 FROM {}",
            s(owners)
        ),
        format!(
            "INSERT INTO courses (id, owner, title, explanation, colour, start_date, is_public, \
             created_at, updated_at, like_count, fork_count) SELECT 'course' || g, \
             'u' || (1 + g % {owners}), 'Course ' || g, 'About ' || g, 'blue', '2026-01-01', \
             CASE WHEN g % 10 = 0 THEN 0 ELSE 1 END, g, g, g % 97, g % 13 FROM {}",
            s(n)
        ),
        format!(
            "INSERT INTO course_tags (course_id, tag) SELECT 'course' || g, 'tag' || (g % 1000) \
             FROM {}",
            s(n)
        ),
        format!(
            "INSERT INTO todos (id, course_id, title, explanation, active_date, recurrence, \
             created_at, updated_at) SELECT 't' || g, 'course' || (1 + (g - 1) / 2), \
             'Todo ' || g, '', '2026-01-01', 'daily', g, g FROM {}",
            s(2 * n)
        ),
        format!(
            "INSERT INTO done_log (id, todo_id, course_id, owner, day, title, content, \
             created_at) SELECT 'd' || g, 't' || g, 'course' || (1 + (g - 1) / 2), \
             'u' || (1 + ((1 + (g - 1) / 2) % {owners})), {day}, 'Done', '', g FROM {}",
            s(2 * n)
        ),
        format!(
            "INSERT INTO photos (id, done_id, course_id, owner, content_type, bytes, created_at) \
             SELECT 'p' || g, d.id, d.course_id, d.owner, 'image/jpeg', {}, 0 \
             FROM done_log d JOIN {} ON d.id = 'd' || (10 * g)",
            match d {
                Dialect::Postgres => "'\\x00'::bytea",
                Dialect::Sqlite => "x'00'",
            },
            s(n / 5)
        ),
        // Two likes per course, from two different people.
        format!(
            "INSERT INTO likes (course_id, user_id, created_at) \
             SELECT 'course' || (1 + (g - 1) % {n}), \
             'u' || (1 + ((g - 1) / {n}) * {} + (g - 1) % {}), g FROM {}",
            owners / 2,
            owners / 2,
            s(2 * n)
        ),
    ]
}

/// The value the seeded data has for each kind of placeholder.
fn sample(kind: &str) -> &'static str {
    match kind {
        "user_id" | "owner" => "u7",
        "username" => "user7",
        "client_id" => "c7",
        "token_hash" => "h7",
        "family_id" => "f7",
        "session_key" => "k7",
        "sid" => "s7",
        "ip" => "127.0.0.1",
        "course_id" => "course7",
        "day" => "2026-01-15",
        "day_from" => "2026-01-01",
        "tag" => "tag3",
        other => panic!("no sample value for a `{other}` placeholder: add one here"),
    }
}

/// Tables a plan reads in full: PostgreSQL `Seq Scan` nodes anywhere in the JSON plan.
fn pg_seq_scans(plan: &serde_json::Value, found: &mut Vec<String>) {
    match plan {
        serde_json::Value::Object(node) => {
            if node.get("Node Type").and_then(|t| t.as_str()) == Some("Seq Scan") {
                let table = node.get("Relation Name").and_then(|t| t.as_str());
                found.push(table.unwrap_or("?").to_owned());
            }
            node.values().for_each(|v| pg_seq_scans(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| pg_seq_scans(v, found)),
        _ => {}
    }
}

/// SQLite plan lines that read a whole table (`SCAN name`, with or without an index),
/// leaving out scans of a subquery's own result (`SCAN x` after `CO-ROUTINE x` or
/// `MATERIALIZE x`) and of a constant row.
fn sqlite_scans(details: &[String]) -> Vec<String> {
    let subqueries: Vec<&str> = details
        .iter()
        .filter_map(|d| {
            d.strip_prefix("CO-ROUTINE ")
                .or_else(|| d.strip_prefix("MATERIALIZE "))
        })
        .map(|rest| rest.split_whitespace().next().unwrap_or(""))
        .collect();
    details
        .iter()
        .filter(|d| {
            let Some(rest) = d.strip_prefix("SCAN ") else {
                return false;
            };
            let name = rest.split_whitespace().next().unwrap_or("");
            name != "CONSTANT" && !subqueries.contains(&name)
        })
        .cloned()
        .collect()
}

/// The plan of `q` as text, and the tables it reads in full.
async fn explain(url: &str, d: Dialect, q: &HotQuery) -> Result<(String, Vec<String>), String> {
    use sqlx::Connection;
    macro_rules! bound {
        ($text:expr) => {{
            let mut stmt = sqlx::query(sqlx::AssertSqlSafe($text));
            for p in &q.params {
                stmt = match p {
                    HotParam::Text(kind) => stmt.bind(sample(kind)),
                    HotParam::Int(v) => stmt.bind(*v),
                };
            }
            stmt
        }};
    }
    let e = |e: sqlx::Error| e.to_string();
    match d {
        // A typed connection: the Any driver has no JSON type.
        Dialect::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await.map_err(e)?;
            let row = bound!(format!("EXPLAIN (FORMAT JSON) {}", q.sql))
                .fetch_one(&mut conn)
                .await
                .map_err(e)?;
            let text: String = row.try_get_unchecked(0).map_err(e)?;
            let plan: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            let mut found = Vec::new();
            pg_seq_scans(&plan, &mut found);
            Ok((text, found))
        }
        Dialect::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.map_err(e)?;
            let details: Vec<String> = bound!(format!("EXPLAIN QUERY PLAN {}", q.sql))
                .fetch_all(&mut conn)
                .await
                .map_err(e)?
                .iter()
                .map(|r| r.try_get::<String, _>("detail"))
                .collect::<Result<_, _>>()
                .map_err(e)?;
            let scans = sqlite_scans(&details);
            Ok((details.join(" / "), scans))
        }
    }
}

/// Explains each statement; returns the ones that read a whole table, with their plans.
async fn full_scans(url: &str, d: Dialect, queries: &[HotQuery]) -> Vec<String> {
    let mut bad = Vec::new();
    for q in queries {
        let (plan, scans) = explain(url, d, q)
            .await
            .unwrap_or_else(|e| panic!("EXPLAIN {}: {e}\n{}", q.name, q.sql));
        if !scans.is_empty() {
            bad.push(format!(
                "{} scans {scans:?}\n  {}\n  plan: {plan}",
                q.name, q.sql
            ));
        }
    }
    bad
}

async fn seed(url: &str, statements: Vec<String>) {
    let pool = belf::db::connect_pool(url, 1).await.expect("pool");
    for s in statements {
        sqlx::query(sqlx::AssertSqlSafe(s.clone()))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("seed: {e}\n{s}"));
    }
    // Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE would give.
    sqlx::query("ANALYZE")
        .execute(&pool)
        .await
        .expect("ANALYZE");
}

/// Migrates both databases the way the servers do, seeds them, and explains every hot
/// statement; panics listing each one that reads a whole table.
async fn check(auth_url: String, todo_url: String, d: Dialect) {
    belf::auth::store::sql::SqlStore::connect(&belf::config::DatabaseConfig {
        url: SecretString::from(auth_url.clone()),
        max_connections: 1,
    })
    .await
    .expect("identity server migrations");
    belf::todo::store::SqlStore::connect(&todo_url)
        .await
        .expect("todo migrations");
    seed(&auth_url, auth_seed(d)).await;
    seed(&todo_url, todo_seed(d)).await;
    let mut bad = full_scans(
        &auth_url,
        d,
        &belf::auth::store::sql_hot_queries::hot_queries(),
    )
    .await;
    bad.extend(full_scans(&todo_url, d, &belf::todo::store::hot_queries()).await);
    assert!(
        bad.is_empty(),
        "hot statements that read a whole table:\n{}",
        bad.join("\n")
    );
}

#[tokio::test]
async fn hot_statements_use_indexes_on_postgresql() {
    if !std::env::var("BELF_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("skipped: needs BELF_TEST_DATABASE_URL (PostgreSQL; .ci/run sets it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let auth = fresh_database_url(dir.path(), "plans_auth").await;
    let todo = fresh_database_url(dir.path(), "plans_todo").await;
    check(auth, todo, Dialect::Postgres).await;
}

#[tokio::test]
async fn hot_statements_use_indexes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join(format!("{name}.db")).display()
        )
    };
    check(url("plans_auth"), url("plans_todo"), Dialect::Sqlite).await;
}

#[test]
fn every_placeholder_kind_has_a_sample_value() {
    let all = belf::auth::store::sql_hot_queries::hot_queries()
        .into_iter()
        .chain(belf::todo::store::hot_queries());
    for q in all {
        let placeholders = (1..=q.params.len() + 1)
            .take_while(|n| q.sql.contains(&format!("${n}")))
            .count();
        assert_eq!(placeholders, q.params.len(), "{}: {}", q.name, q.sql);
        for p in &q.params {
            if let HotParam::Text(kind) = p {
                sample(kind);
            }
        }
    }
}
