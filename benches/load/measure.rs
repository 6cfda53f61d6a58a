//! What the driver reads beside the answers: a process's RSS and CPU time from /proc, and
//! the rows a scenario writes to the identity server's SQLite file.

use std::path::Path;
use std::time::Duration;

use crate::scenarios::Worker;
use crate::setup::Setup;

// ---------------------------------------------------------------------------------------
// Memory

pub fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `/proc/PID/stat` counts in USER_HZ ticks, which Linux fixes at 100 per second for
/// user space whatever the kernel's own HZ.
pub const MICROS_PER_TICK: f64 = 10_000.0;

/// utime + stime of a process, in ticks.
pub fn proc_cpu_ticks(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
    let rest = &s[s.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    // `rest` starts at field 3 (state); utime and stime are fields 14 and 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

// ---------------------------------------------------------------------------------------
// Database writes: every row of every table of the identity server's SQLite file, as text;
// rows present after a pass but not before are row versions the pass wrote (an INSERT or an
// UPDATE), rows present before but not after were updated or deleted.

async fn db_snapshot(path: &Path) -> Result<std::collections::HashSet<String>, String> {
    use sqlx::Connection;
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    let mut rows = std::collections::HashSet::new();
    for (table,) in tables {
        let cols: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                .bind(&table)
                .fetch_all(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
        let expr = cols
            .iter()
            .map(|(c,)| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let q = format!("SELECT '{table}|' || {expr} FROM \"{table}\"");
        let got: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(q))
            .fetch_all(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        rows.extend(got.into_iter().map(|(r,)| r));
    }
    Ok(rows)
}

/// (row versions written, row versions gone) per op, over `ops` sequential ops of `worker`,
/// with a snapshot after every op (so a row inserted by one op and updated by the next
/// counts twice, as the two writes it took).
pub async fn count_writes(
    db: &Path,
    worker: &mut Worker,
    setup: &Setup,
    ops: u32,
) -> Result<(f64, f64), String> {
    let mut before = db_snapshot(db).await?;
    let (mut written, mut gone) = (0usize, 0usize);
    for _ in 0..ops {
        worker.step(setup).await?;
        // Let the server finish any write that follows its answer.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let after = db_snapshot(db).await?;
        written += after.difference(&before).count();
        gone += before.difference(&after).count();
        before = after;
    }
    Ok((written as f64 / ops as f64, gone as f64 / ops as f64))
}

// ---------------------------------------------------------------------------------------
// PostgreSQL backends

/// The PIDs of the PostgreSQL backends connected to `dbs` (the server runs on this machine,
/// so their CPU time is in /proc). Empty when PostgreSQL cannot be asked.
pub async fn pg_backend_pids(url: &str, dbs: &[String]) -> Vec<u32> {
    use sqlx::Connection;
    let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
        eprintln!("cannot reach PostgreSQL at {url}: no PostgreSQL CPU column");
        return Vec::new();
    };
    let rows: Result<Vec<(i32,)>, _> =
        sqlx::query_as("SELECT pid FROM pg_stat_activity WHERE datname = ANY($1)")
            .bind(dbs)
            .fetch_all(&mut conn)
            .await;
    rows.map(|r| r.into_iter().map(|(p,)| p as u32).collect())
        .unwrap_or_default()
}
