//! `kill -9` under write load (issue 11): the real `belf serve auth` process is killed while
//! refresh tokens rotate as fast as they can; after a restart on the same database every
//! rotation the server acknowledged is there, the database is intact, and reuse detection
//! still works. Runs on SQLite, and on PostgreSQL + Redis when `.ci/run` provides them.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use belf::auth::store::RefreshTokenStore;
use belf::auth::store::sql::SqlStore;
use belf::auth::tokens::handles::digest;
use reqwest::StatusCode;

use crate::support::browser::Browser;
use crate::support::token::{exchange_code, refresh};
use crate::support::{PASSWORD, REDIRECT, fresh_database_url};

/// One `belf serve auth` process on a fixed port, database and key folder.
struct ServerProcess {
    child: tokio::process::Child,
}

fn belf(dir: &Path, db_url: &str, port: u16, args: &[&str]) -> tokio::process::Command {
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

impl ServerProcess {
    async fn start(dir: &Path, db_url: &str, port: u16) -> ServerProcess {
        let child = belf(dir, db_url, port, &["serve", "auth"])
            .spawn()
            .expect("belf serve auth starts");
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
        panic!("belf serve auth did not become ready");
    }

    /// SIGKILL: no shutdown hook, no flush, no goodbye.
    async fn kill_9(mut self) {
        self.child.start_kill().expect("SIGKILL");
        let status = self.child.wait().await.expect("reaped");
        assert!(!status.success(), "killed, not exited: {status:?}");
    }
}

async fn cli_json(
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn acknowledged_refresh_rotations_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = fresh_database_url(dir.path(), "crash").await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");

    let client = cli_json(
        dir.path(),
        &db_url,
        &[
            "client",
            "add",
            "--name",
            "crash",
            "--redirect-uri",
            REDIRECT,
        ],
        None,
    )
    .await;
    let (id, secret) = (
        client["client_id"].as_str().expect("id").to_owned(),
        client["client_secret"].as_str().expect("secret").to_owned(),
    );
    const CHAINS: usize = 3;
    for i in 0..CHAINS {
        cli_json(
            dir.path(),
            &db_url,
            &[
                "user",
                "add",
                "--username",
                &format!("crash{i}"),
                "--email",
                &format!("crash{i}@example.com"),
                "--password-stdin",
            ],
            Some(PASSWORD),
        )
        .await;
    }

    let server = ServerProcess::start(dir.path(), &db_url, port).await;
    // One refresh-token chain per person; `acked[i]` is every token the server handed out.
    let mut first_tokens = Vec::new();
    for i in 0..CHAINS {
        let browser = Browser::new(&base);
        let (code, verifier) = crate::support::authorize::code_for(
            &browser,
            &id,
            "openid offline_access",
            &format!("crash{i}"),
        )
        .await;
        let tokens = exchange_code(&base, (&id, &secret), &code, Some(&verifier))
            .await
            .ok();
        first_tokens.push(
            tokens["refresh_token"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        );
    }
    let acked: Arc<Mutex<Vec<Vec<String>>>> = Arc::new(Mutex::new(
        first_tokens.iter().map(|t| vec![t.clone()]).collect(),
    ));
    let http = reqwest::Client::new();
    let mut load = Vec::new();
    for chain in 0..CHAINS {
        let (acked, http, base, id, secret) = (
            acked.clone(),
            http.clone(),
            base.clone(),
            id.clone(),
            secret.clone(),
        );
        load.push(tokio::spawn(async move {
            loop {
                let current = acked.lock().expect("lock")[chain]
                    .last()
                    .cloned()
                    .expect("token");
                let sent = http
                    .post(format!("{base}/token"))
                    .basic_auth(&id, Some(&secret))
                    .form(&[("grant_type", "refresh_token"), ("refresh_token", &current)])
                    .send()
                    .await;
                let Ok(res) = sent else { return };
                let Ok(body) = res.json::<serde_json::Value>().await else {
                    return;
                };
                match body["refresh_token"].as_str() {
                    Some(next) => acked.lock().expect("lock")[chain].push(next.to_owned()),
                    None => panic!("rotation refused before the crash: {body}"),
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    server.kill_9().await;
    for task in load {
        task.await.expect("load task ends without panicking");
    }
    let acked = acked.lock().expect("lock").clone();
    let rotations: usize = acked.iter().map(|c| c.len() - 1).sum();
    assert!(
        rotations >= CHAINS,
        "load ran before the kill: {rotations} rotations"
    );

    // Every acknowledged token is stored, as the server left it.
    let store = SqlStore::connect(&belf::config::DatabaseConfig {
        url: db_url.clone().into(),
        max_connections: 2,
    })
    .await
    .expect("database opens after the crash");
    for chain in &acked {
        for token in chain {
            assert!(
                store
                    .find_refresh_token(&digest(token))
                    .await
                    .expect("lookup")
                    .is_some(),
                "an acknowledged refresh token is missing after kill -9"
            );
        }
    }
    if db_url.starts_with("sqlite") {
        let check: (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(store.pool())
            .await
            .expect("integrity check");
        assert_eq!(check.0, "ok");
    }

    // After a restart the server carries on: the newest token of each chain rotates (or, if
    // the request in flight at the kill had committed, is recognised as spent), and a
    // long-spent token is still detected as reuse.
    let server = ServerProcess::start(dir.path(), &db_url, port).await;
    for chain in &acked {
        let newest = chain.last().expect("token");
        let reply = refresh(&base, (&id, &secret), newest).await;
        assert!(
            reply.status == StatusCode::OK || reply.error() == "invalid_grant",
            "{:?}",
            reply.body
        );
    }
    let replay = refresh(&base, (&id, &secret), &acked[0][0]).await;
    assert_eq!(
        (replay.status, replay.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    server.kill_9().await;
}
