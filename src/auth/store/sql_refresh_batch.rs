//! Group commit of refresh-token writes on SQLite (issue 15).
//!
//! SQLite has one writer at a time, and through sqlx every statement is a round trip to the
//! connection's thread. A rotation in a transaction of its own took four (BEGIN, UPDATE,
//! INSERT, COMMIT), queued behind the other writers on the write gate, and wrote the same
//! few B-tree pages (the table and its four indexes) to the WAL again. Here one task takes
//! every rotation and first-token insert waiting in its queue (up to [`MAX_BATCH`]) and
//! commits them together in four statements whatever their number: one `UPDATE …
//! RETURNING` spends the presented tokens, one multi-row `INSERT` adds the successors and
//! the new grants' first tokens. Each caller is answered after the COMMIT.
//!
//! What stays exact:
//! - **Atomic rotation.** A successor is inserted only for a token that this batch's UPDATE
//!   spent, in the same transaction; if the transaction fails, neither happened.
//! - **Reuse detection.** A token is presented at most once per batch; a second rotation of
//!   the same token waits for the next batch, where the UPDATE finds it spent and its caller
//!   sees `AlreadySpent` exactly as before.
//! - **Failure.** A failed batch is rolled back and each of its writes is retried in a
//!   transaction of its own, so one bad write fails only its own caller (with the database's
//!   error) and no grant is lost or half-written.
//!
//! PostgreSQL does not come here: it has row locks and its own group commit.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use sqlx::{AnyPool, Row};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::sql::{INSERT_REFRESH_COLUMNS, bind_refresh, unavailable};
use super::{RefreshTokenRecord, StoreError, StoreResult};

/// Writes per transaction at most (13 bound values per inserted row: 832 of SQLite's
/// 32,766).
const MAX_BATCH: usize = 64;

/// One refresh-token write.
pub(super) enum Write {
    /// A new grant's first refresh token.
    Insert(RefreshTokenRecord),
    /// Spend `old_hash` (if live at `now`) and insert `new` in its place.
    Rotate {
        old_hash: String,
        new: RefreshTokenRecord,
        now: i64,
    },
}

struct Job {
    write: Write,
    /// `Ok(true)`: inserted, or rotated; `Ok(false)`: the token to rotate was not live.
    reply: oneshot::Sender<StoreResult<bool>>,
}

/// The queue in front of the writer task. Cheap to clone; the task ends when the last
/// clone is dropped.
#[derive(Clone)]
pub(super) struct RefreshWriter {
    tx: mpsc::UnboundedSender<Job>,
}

impl RefreshWriter {
    /// Starts the writer; it holds `gate` (the store's SQLite write gate) while it commits.
    pub(super) fn spawn(pool: AnyPool, gate: Arc<Mutex<()>>) -> RefreshWriter {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, gate, rx));
        RefreshWriter { tx }
    }

    /// Queues `write` and waits until the transaction holding it is committed (or failed).
    pub(super) async fn submit(&self, write: Write) -> StoreResult<bool> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { write, reply }).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable(anyhow::anyhow!(
        "the refresh-token writer stopped before answering"
    ))
}

async fn run(pool: AnyPool, gate: Arc<Mutex<()>>, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut waiting: VecDeque<Job> = VecDeque::new();
    loop {
        if waiting.is_empty() {
            match rx.recv().await {
                Some(job) => waiting.push_back(job),
                None => return,
            }
        }
        while let Ok(job) = rx.try_recv() {
            waiting.push_back(job);
        }
        let batch = take_batch(&mut waiting);
        let _write = gate.lock().await;
        let writes: Vec<&Write> = batch.iter().map(|j| &j.write).collect();
        match commit(&pool, &writes).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    // A caller that went away has nothing to be told.
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(e) if batch.len() > 1 => {
                tracing::warn!(error = %e, writes = batch.len(),
                    "refresh-token batch failed; retrying each write on its own");
                for job in batch {
                    let outcome = commit(&pool, &[&job.write])
                        .await
                        .map(|o| o.first().copied().unwrap_or(false))
                        .map_err(unavailable);
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                for job in batch {
                    let _ = job.reply.send(Err(unavailable_again(&e)));
                }
            }
        }
    }
}

/// `sqlx::Error` is not `Clone`: the same failure for the (one) caller.
fn unavailable_again(e: &sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(db.message().to_owned())
        }
        other => StoreError::Unavailable(anyhow::anyhow!("refresh-token write failed: {other}")),
    }
}

/// The next batch from the front of `waiting`: at most [`MAX_BATCH`] writes, no token
/// rotated twice (later ones stay queued, in order).
fn take_batch(waiting: &mut VecDeque<Job>) -> Vec<Job> {
    let mut batch = Vec::new();
    let mut spent: HashSet<String> = HashSet::new();
    let mut later = VecDeque::new();
    while let Some(job) = waiting.pop_front() {
        let fits = batch.len() < MAX_BATCH
            && match &job.write {
                Write::Rotate { old_hash, .. } => spent.insert(old_hash.clone()),
                Write::Insert(_) => true,
            };
        if fits {
            batch.push(job);
        } else {
            later.push_back(job);
        }
    }
    *waiting = later;
    batch
}

/// One transaction for `writes`: which of them took effect.
async fn commit(pool: &AnyPool, writes: &[&Write]) -> Result<Vec<bool>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let rotations: Vec<(&str, i64)> = writes
        .iter()
        .filter_map(|w| match w {
            Write::Rotate { old_hash, now, .. } => Some((old_hash.as_str(), *now)),
            Write::Insert(_) => None,
        })
        .collect();
    let mut spent: HashSet<String> = HashSet::new();
    if !rotations.is_empty() {
        // The conditional UPDATE is the lock: a token is spent by exactly one rotation.
        let values = (0..rotations.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH presented (h, t) AS (VALUES {values}) \
             UPDATE refresh_tokens \
             SET rotated_at = (SELECT t FROM presented WHERE h = token_hash) \
             WHERE token_hash IN (SELECT h FROM presented) \
             AND rotated_at IS NULL AND revoked_at IS NULL \
             AND expires_at > (SELECT t FROM presented WHERE h = token_hash) \
             RETURNING token_hash"
        );
        // Built from placeholders only: every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (hash, now) in &rotations {
            q = q.bind(*hash).bind(*now);
        }
        for row in q.fetch_all(&mut *tx).await? {
            spent.insert(row.try_get::<String, _>("token_hash")?);
        }
    }
    let inserts: Vec<&RefreshTokenRecord> = writes
        .iter()
        .filter_map(|w| match w {
            Write::Insert(record) => Some(record),
            Write::Rotate { old_hash, new, .. } if spent.contains(old_hash) => Some(new),
            Write::Rotate { .. } => None,
        })
        .collect();
    if !inserts.is_empty() {
        let rows = (0..inserts.len())
            .map(|i| {
                let p: Vec<String> = (1..=13).map(|c| format!("${}", i * 13 + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("{INSERT_REFRESH_COLUMNS} VALUES {rows}");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for record in &inserts {
            q = bind_refresh(q, record);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(writes
        .iter()
        .map(|w| match w {
            Write::Insert(_) => true,
            Write::Rotate { old_hash, .. } => spent.contains(old_hash),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(hash: &str) -> RefreshTokenRecord {
        RefreshTokenRecord {
            token_hash: hash.to_owned(),
            family_id: "f".into(),
            client_id: "c".into(),
            user_id: "u".into(),
            scopes: vec!["openid".into()],
            auth_time: 0,
            claims_json: None,
            issued_at: 0,
            expires_at: 100,
            rotated_at: None,
            revoked_at: None,
            sid: None,
            resources: vec![],
            dpop_jkt: None,
            amr: vec![],
        }
    }

    fn job(write: Write) -> Job {
        Job {
            write,
            reply: oneshot::channel().0,
        }
    }

    fn rotate(old: &str, new: &str) -> Job {
        job(Write::Rotate {
            old_hash: old.into(),
            new: record(new),
            now: 1,
        })
    }

    #[test]
    fn a_token_is_rotated_at_most_once_per_batch_and_order_is_kept() {
        let mut waiting: VecDeque<Job> = [
            rotate("a", "a2"),
            job(Write::Insert(record("x"))),
            rotate("a", "a3"),
            rotate("b", "b2"),
            rotate("a", "a4"),
        ]
        .into_iter()
        .collect();
        let batch = take_batch(&mut waiting);
        let new_hashes = |jobs: &mut dyn Iterator<Item = &Job>| -> Vec<String> {
            jobs.map(|j| match &j.write {
                Write::Insert(r) => r.token_hash.clone(),
                Write::Rotate { new, .. } => new.token_hash.clone(),
            })
            .collect()
        };
        assert_eq!(new_hashes(&mut batch.iter()), ["a2", "x", "b2"]);
        assert_eq!(new_hashes(&mut waiting.iter()), ["a3", "a4"]);
        let next = take_batch(&mut waiting);
        assert_eq!(new_hashes(&mut next.iter()), ["a3"]);
        assert_eq!(new_hashes(&mut waiting.iter()), ["a4"]);
    }

    #[test]
    fn a_batch_holds_at_most_max_batch_writes() {
        let mut waiting: VecDeque<Job> = (0..MAX_BATCH + 3)
            .map(|i| job(Write::Insert(record(&i.to_string()))))
            .collect();
        assert_eq!(take_batch(&mut waiting).len(), MAX_BATCH);
        assert_eq!(waiting.len(), 3);
    }

    async fn store() -> (tempfile::TempDir, super::super::sql::SqlStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let config = crate::config::DatabaseConfig {
            url: url.into(),
            max_connections: 4,
        };
        let store = super::super::sql::SqlStore::connect(&config)
            .await
            .expect("store");
        (dir, store)
    }

    /// Many concurrent rotations of one token: exactly one wins, in whatever batches
    /// they land; every other one sees the token spent.
    #[tokio::test]
    async fn concurrent_rotations_of_one_token_have_exactly_one_winner() {
        use super::super::{RefreshTokenStore, Rotation};
        let (_dir, store) = store().await;
        store
            .insert_refresh_token(&record("root"))
            .await
            .expect("insert");
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..40 {
            let store = store.clone();
            tasks.spawn(async move {
                store
                    .rotate_refresh_token("root", &record(&format!("next{i}")), 1)
                    .await
            });
        }
        let (mut rotated, mut spent) = (0, 0);
        while let Some(r) = tasks.join_next().await {
            match r.expect("task").expect("store") {
                Rotation::Rotated => rotated += 1,
                Rotation::AlreadySpent { .. } => spent += 1,
                Rotation::Invalid => panic!("the token was live"),
            }
        }
        assert_eq!((rotated, spent), (1, 39));
        // Different tokens rotate side by side, each once.
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..40 {
            let store = store.clone();
            store
                .insert_refresh_token(&record(&format!("own{i}")))
                .await
                .expect("insert");
            tasks.spawn(async move {
                store
                    .rotate_refresh_token(&format!("own{i}"), &record(&format!("own{i}b")), 1)
                    .await
            });
        }
        while let Some(r) = tasks.join_next().await {
            assert!(matches!(
                r.expect("task").expect("store"),
                Rotation::Rotated
            ));
        }
        for i in 0..40 {
            let successor = store
                .find_refresh_token(&format!("own{i}b"))
                .await
                .expect("read");
            assert!(successor.is_some_and(|r| r.rotated_at.is_none()));
        }
        // Expired tokens are not rotated.
        assert!(matches!(
            store
                .rotate_refresh_token("own0b", &record("late"), 100)
                .await
                .expect("store"),
            Rotation::Invalid
        ));
    }

    /// A batch whose INSERT fails (a successor hash that exists already) is retried write
    /// by write: only that caller fails, the others' rotations are committed.
    #[tokio::test]
    async fn a_failing_write_fails_only_its_own_caller() {
        use super::super::{RefreshTokenStore, Rotation};
        let (_dir, store) = store().await;
        for h in ["p", "q", "taken"] {
            store
                .insert_refresh_token(&record(h))
                .await
                .expect("insert");
        }
        let (taken, q2) = (record("taken"), record("q2"));
        let (a, b) = tokio::join!(
            store.rotate_refresh_token("p", &taken, 1),
            store.rotate_refresh_token("q", &q2, 1),
        );
        assert!(matches!(a, Err(StoreError::Conflict(_))), "{a:?}");
        assert!(matches!(b, Ok(Rotation::Rotated)), "{b:?}");
        // The failed rotation left its token live: nothing half-done.
        let p = store
            .find_refresh_token("p")
            .await
            .expect("read")
            .expect("p");
        assert_eq!(p.rotated_at, None);
    }
}
