//! The real `belf serve auth` process is killed while refresh tokens rotate as fast as they
//! can; after a restart on the same database every rotation the server acknowledged is
//! there, the database is intact, and reuse detection still works.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use belf::auth::store::RefreshTokenStore;
use belf::auth::store::sql::SqlStore;
use belf::auth::tokens::handles::digest;
use reqwest::StatusCode;

use crate::support::browser::Browser;
use crate::support::token::{exchange_code, refresh};
use crate::support::{PASSWORD, REDIRECT, fresh_database_url};

use super::{ServerProcess, assert_sqlite_intact, cli_json, free_port};

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
    assert_sqlite_intact(&db_url).await;

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
