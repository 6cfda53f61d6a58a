//! Client registration killed mid-write: `belf client add` processes write to the identity
//! server's database while the server runs on it, and each is sent SIGKILL at a random
//! moment. Every client whose registration was acknowledged (the CLI printed its id and
//! secret) authenticates afterwards, the database is intact, and the server never stopped
//! answering. A registration killed before its acknowledgement may or may not exist — but
//! never half: a stored client either authenticates with the secret it was shown or was
//! never shown to anyone.

use std::process::Stdio;
use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;

use crate::support::fresh_database_url;

use super::{ServerProcess, assert_sqlite_intact, belf, free_port};

const ROUNDS: usize = 24;

#[tokio::test]
async fn acknowledged_client_registrations_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = fresh_database_url(dir.path(), "crash_clients").await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = ServerProcess::start(dir.path(), &db_url, port).await;

    let mut acked = Vec::new();
    let mut killed = 0;
    // How long one registration takes here (round 0 kills nothing): kills land anywhere
    // from before the first write to after the acknowledgement.
    let mut lifetime_ms = 200;
    for round in 0..ROUNDS {
        let started = std::time::Instant::now();
        // Three registrations at once; one of them (or none, every fourth round) is killed
        // after a random delay, often mid-transaction.
        let mut children = Vec::new();
        for k in 0..3 {
            let name = format!("crash-{round}-{k}");
            let mut cmd = belf(
                dir.path(),
                &db_url,
                port,
                &[
                    "client",
                    "add",
                    "--name",
                    &name,
                    "--grant-type",
                    "client_credentials",
                    "--json",
                ],
            );
            cmd.stdout(Stdio::piped());
            children.push(cmd.spawn().expect("belf client add runs"));
        }
        if round % 4 != 0 {
            let victim = round % children.len();
            let delay = rand::rng().random_range(0..lifetime_ms);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            if children[victim].start_kill().is_ok() {
                killed += 1;
            }
        }
        for child in children {
            let out = child.wait_with_output().await.expect("reaped");
            if !out.status.success() {
                continue;
            }
            let printed: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("an acknowledgement is whole JSON");
            acked.push((
                printed["client_id"].as_str().expect("id").to_owned(),
                printed["client_secret"]
                    .as_str()
                    .expect("secret")
                    .to_owned(),
            ));
        }
        if round == 0 {
            lifetime_ms = (started.elapsed().as_millis() as u64).max(20) * 6 / 5;
        }
        // The server answers throughout.
        let health = reqwest::get(format!("{base}/readyz"))
            .await
            .expect("server up");
        assert_eq!(health.status(), StatusCode::OK);
    }
    assert!(
        killed > 0 && acked.len() >= ROUNDS,
        "{killed} killed, {} acked",
        acked.len()
    );
    eprintln!(
        "{killed} kills sent over {lifetime_ms} ms lifetimes, {} of {} registrations acknowledged",
        acked.len(),
        ROUNDS * 3
    );
    assert_sqlite_intact(&db_url).await;

    // Every acknowledged client authenticates, at the server that ran throughout and at a
    // fresh one on the same database (no cache involved).
    server.kill_9().await;
    let server = ServerProcess::start(dir.path(), &db_url, port).await;
    let http = reqwest::Client::new();
    for (id, secret) in &acked {
        let res = http
            .post(format!("{base}/token"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token request");
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "acknowledged client {id} cannot authenticate after kill -9"
        );
    }
    server.kill_9().await;
}
