//! Database and Redis round trips per op (production mode), counted in a pass of its own:
//! one worker, `--count-ops` sequential ops per scenario, nothing else talking to the
//! bench databases.
//!
//! - PostgreSQL: every statement a server sends is one line of the PostgreSQL log when the
//!   bench databases have `log_statement = 'all'` (the script sets it on them only, for
//!   this pass). Lines are `… user@DB LOG:  statement: …` (simple protocol: BEGIN, COMMIT)
//!   or `… user@DB LOG:  execute …` (a prepared statement). Each is one round trip from
//!   the server to PostgreSQL. sqlx's liveness check when a connection leaves the pool is a
//!   comment-only query that PostgreSQL does not log: one more round trip per query or
//!   transaction, not counted here.
//! - Redis: a `MONITOR` connection sees every command; the ones on the bench's database
//!   number are counted. Commands run inside a Lua script (`[db lua]`) are not round trips
//!   and are left out.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::scenarios::{Shared, Worker};
use crate::setup::Setup;

/// Round trips per op of one scenario.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Statements per op, by database name.
    pub pg: BTreeMap<String, f64>,
    /// Redis commands per op.
    pub redis: Option<f64>,
}

impl Counts {
    pub fn pg_total(&self) -> Option<f64> {
        (!self.pg.is_empty()).then(|| self.pg.values().sum())
    }
}

pub struct Counters {
    pg_log: Option<PathBuf>,
    pg_dbs: Vec<String>,
    redis_seen: Option<Arc<AtomicU64>>,
}

struct Snapshot {
    pg_offset: u64,
    redis: u64,
}

impl Counters {
    /// Opens the MONITOR connection when `redis` is given.
    pub async fn start(
        pg_log: Option<PathBuf>,
        pg_dbs: Vec<String>,
        redis: Option<SocketAddr>,
        redis_db: u32,
    ) -> Result<Counters, String> {
        let redis_seen = match redis {
            Some(addr) => Some(monitor(addr, redis_db).await?),
            None => None,
        };
        Ok(Counters {
            pg_log,
            pg_dbs,
            redis_seen,
        })
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            pg_offset: self
                .pg_log
                .as_ref()
                .and_then(|p| std::fs::metadata(p).ok())
                .map_or(0, |m| m.len()),
            redis: self
                .redis_seen
                .as_ref()
                .map_or(0, |c| c.load(Ordering::Relaxed)),
        }
    }

    /// What happened between `before` and now, divided by `ops`.
    fn since(&self, before: &Snapshot, ops: u32) -> Result<Counts, String> {
        let per_op = |n: u64| n as f64 / f64::from(ops);
        let mut pg = BTreeMap::new();
        if let Some(path) = &self.pg_log {
            let mut f =
                std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            f.seek(SeekFrom::Start(before.pg_offset))
                .map_err(|e| e.to_string())?;
            let mut text = String::new();
            f.read_to_string(&mut text).map_err(|e| e.to_string())?;
            for db in &self.pg_dbs {
                let statement = format!("@{db} LOG:  statement: ");
                let execute = format!("@{db} LOG:  execute ");
                let n = text
                    .lines()
                    .filter(|l| l.contains(&statement) || l.contains(&execute))
                    .count();
                pg.insert(db.clone(), per_op(n as u64));
            }
        }
        let redis = self.redis_seen.as_ref().map(|c| {
            let now = c.load(Ordering::Relaxed);
            per_op(now.saturating_sub(before.redis))
        });
        Ok(Counts { pg, redis })
    }

    /// `ops` sequential ops of one worker of `scenario`, after three uncounted ones (the
    /// worker's first requests fill per-process caches, as a long run's do).
    pub async fn count(
        &self,
        scenario: &str,
        setup: &Setup,
        shared: &Shared,
        ops: u32,
    ) -> Result<Counts, String> {
        let mut worker = Worker::new(scenario, setup, shared).await?;
        for _ in 0..3 {
            worker.step(setup).await?;
        }
        settle().await;
        let before = self.snapshot();
        for _ in 0..ops {
            worker.step(setup).await?;
        }
        settle().await;
        self.since(&before, ops)
    }
}

/// Lets log lines and MONITOR messages of the last op arrive.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// A MONITOR connection counting commands on database `db` (round trips, not the commands
/// a Lua script runs).
async fn monitor(addr: SocketAddr, db: u32) -> Result<Arc<AtomicU64>, String> {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("redis {addr}: {e}"))?;
    stream
        .write_all(b"MONITOR\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let seen = Arc::new(AtomicU64::new(0));
    let counter = seen.clone();
    let tag = format!(" [{db} ");
    let lua = format!(" [{db} lua]");
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains(&tag) && !line.contains(&lua) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    Ok(seen)
}

/// Reads `counts.json` written by a `--count-only` run.
pub fn load(path: &std::path::Path) -> BTreeMap<String, Counts> {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}
