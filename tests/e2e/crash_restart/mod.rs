//! `kill -9` under write load (issue 11): a real `belf` process is killed mid-write and every
//! write it acknowledged must be there afterwards, with nothing half-written. One file per
//! kind of write: a rotated refresh token (the identity server), a course with its todos
//! (the todo service), a registered client (the CLI writing to the identity server's
//! database while the server serves it). Runs on SQLite, and on PostgreSQL + Redis when
//! `.ci/run` provides them.

mod client_registration;
mod course_writes;
mod refresh_rotation;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;

/// The `belf` binary with only this test's settings: every `BELF_*` variable of the
/// caller's environment removed, the identity server's database, keys and listener set,
/// cheap Argon2, no management listener. `port` is the identity server's.
pub fn belf(dir: &Path, db_url: &str, port: u16, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_belf"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("BELF_")) {
        cmd.env_remove(k);
    }
    cmd.args(args)
        .env("BELF_DATABASE__URL", db_url)
        .env("BELF_KEYS__DIR", dir.join("keys"))
        .env("BELF_PASSWORD__MEMORY_KIB", "1024")
        .env("BELF_PASSWORD__ITERATIONS", "1")
        .env("BELF_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("BELF_SERVER__ISSUER", format!("http://127.0.0.1:{port}"))
        .env("BELF_MANAGEMENT__BIND", "")
        .env("BELF_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Ok(redis) = std::env::var("BELF_TEST_REDIS_URL") {
        // Fresh prefix per test run; the same for both lives of the server.
        let prefix = format!(
            "belfcrash{}",
            dir.file_name().unwrap_or_default().to_string_lossy()
        );
        cmd.env("BELF_REDIS__URL", redis).env(
            "BELF_REDIS__KEY_PREFIX",
            prefix.to_lowercase().replace(['.', '-'], ""),
        );
    }
    cmd
}

/// One running `belf serve …` process, ready (its `/readyz` answered 200).
pub struct ServerProcess {
    child: tokio::process::Child,
}

impl ServerProcess {
    /// `belf serve auth` on `port`.
    pub async fn start(dir: &Path, db_url: &str, port: u16) -> ServerProcess {
        let cmd = belf(dir, db_url, port, &["serve", "auth"]);
        ServerProcess::spawn_ready(cmd, port).await
    }

    /// Spawns `cmd` and waits until `http://127.0.0.1:{port}/readyz` answers 200.
    pub async fn spawn_ready(mut cmd: tokio::process::Command, port: u16) -> ServerProcess {
        let child = cmd.spawn().expect("belf serve starts");
        let ready = format!("http://127.0.0.1:{port}/readyz");
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http
                .get(&ready)
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
            {
                return ServerProcess { child };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("belf serve did not become ready on port {port}");
    }

    /// SIGKILL: no shutdown hook, no flush, no goodbye.
    pub async fn kill_9(mut self) {
        self.child.start_kill().expect("SIGKILL");
        let status = self.child.wait().await.expect("reaped");
        assert!(!status.success(), "killed, not exited: {status:?}");
    }
}

/// Runs a `belf` CLI command with `--json` to completion and returns its one JSON document.
pub async fn cli_json(
    dir: &Path,
    db_url: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> serde_json::Value {
    let mut cmd = belf(dir, db_url, 0, args);
    cmd.arg("--json").stdout(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("belf cli runs");
    if let Some(input) = stdin {
        use tokio::io::AsyncWriteExt;
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).await.expect("write stdin");
    }
    let out = child.wait_with_output().await.expect("cli output");
    assert!(out.status.success(), "belf {args:?} failed");
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// SQLite's own check of every page and index, after the crash (PostgreSQL recovers
/// through its WAL by design; there is nothing comparable to ask it).
pub async fn assert_sqlite_intact(db_url: &str) {
    if !db_url.starts_with("sqlite") {
        return;
    }
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(db_url)
        .await
        .expect("the database opens after the crash");
    let check: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity check");
    assert_eq!(check.0, "ok", "SQLite integrity check after kill -9");
}
