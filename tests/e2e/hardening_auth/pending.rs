//! Finding 5: pending sign-ins are bounded, per browser and in the in-process store.

use std::sync::Arc;

use belf::auth::AuthServer;
use belf::auth::clients::service::NewClient;
use belf::auth::store::memory::MemoryStore;
use belf::auth::store::sql::SqlStore;
use belf::auth::store::{Namespace, Stores};
use reqwest::StatusCode;

use super::authorize_url;
use crate::support::browser::Browser;
use crate::support::{REDIRECT, TestAuth, test_config};

/// Finding 5, per browser: one browser could pile up pending sign-ins without limit.
#[tokio::test]
async fn one_browser_holds_a_bounded_number_of_pending_sign_ins() {
    let server = TestAuth::spawn_with(&[("BELF_SESSION__MAX_INTERACTIONS_PER_BROWSER", "5")]).await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    let browser = Browser::new(&server.base);
    let mut links = Vec::new();
    for _ in 0..12 {
        let started = browser.get(&authorize_url(&server, &client_id, &[])).await;
        assert_eq!(started.status, StatusCode::FOUND);
        links.push(started.location().to_owned());
    }
    let open: Vec<bool> = {
        let mut open = Vec::new();
        for link in &links {
            open.push(browser.get(link).await.status == StatusCode::OK);
        }
        open
    };
    assert_eq!(
        open,
        [vec![false; 7], vec![true; 5]].concat(),
        "oldest go first"
    );
}

/// Finding 5, the whole store: each `/authorize` kept a pending interaction for 600 s
/// with no cap (1.57 GB after ~250k requests).
#[tokio::test]
async fn pending_sign_ins_in_process_are_capped_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path(), &[("BELF_MEMORY_STORE__INTERACTIONS", "40")]).await;
    // This test is about the in-process store, whatever mode the suite runs in.
    config.redis.url = String::new().into();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    config.server.issuer = base.parse().unwrap();
    let memory = Arc::new(MemoryStore::with_limits(&config.memory_store));
    let sql = SqlStore::connect(&config.database).await.unwrap();
    let stores = Stores::from_parts(sql, memory.clone(), 0);
    let server = AuthServer::build_on(config.clone(), stores, listener)
        .await
        .unwrap();
    let ctx = server.ctx.clone();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    let (client, _) = belf::auth::clients::service::register(
        &*ctx.stores.clients,
        &belf::auth::oauth::scope::known_scopes(&config),
        NewClient {
            name: "web".into(),
            redirect_uris: vec![REDIRECT.into()],
            ..Default::default()
        },
        ctx.clock.now(),
    )
    .await
    .unwrap();
    let url = format!(
        "{base}/authorize?response_type=code&scope=openid&redirect_uri={}&client_id={}",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        client.client_id.into_string()
    );
    let first = Browser::new(&base);
    let first_link = first.get(&url).await.location().to_owned();
    let mut last = None;
    for _ in 0..200 {
        // A new browser each time (no cookies), as a flood would come.
        let browser = Browser::new(&base);
        let started = browser.get(&url).await;
        assert_eq!(started.status, StatusCode::FOUND);
        last = Some((browser, started.location().to_owned()));
    }
    assert!(memory.len(Namespace::Interaction) <= 40);
    assert_eq!(first.get(&first_link).await.status, StatusCode::BAD_REQUEST);
    let (browser, link) = last.unwrap();
    assert_eq!(browser.get(&link).await.status, StatusCode::OK);
}
