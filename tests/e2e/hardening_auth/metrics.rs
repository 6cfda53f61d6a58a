//! Finding 9: metrics only on the management listener.

use belf::auth::AuthServer;
use reqwest::StatusCode;

use crate::support::{TestAuth, test_config};

/// Finding 9: `/metrics` was public on the issuer's port.
#[tokio::test]
async fn metrics_are_not_served_on_the_public_port() {
    let server = TestAuth::spawn().await;
    let res = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_are_served_on_the_management_listener() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), &[("BELF_MANAGEMENT__BIND", "127.0.0.1:0")]).await;
    let server = AuthServer::build(config).await.unwrap();
    let public = format!("http://127.0.0.1:{}", server.port());
    let management = format!(
        "http://127.0.0.1:{}",
        server.management_port().expect("a management listener")
    );
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    assert_eq!(
        reqwest::get(format!("{public}/healthz"))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let res = reqwest::get(format!("{management}/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(text.contains(r#"route="/healthz""#), "{text}");
    assert!(text.contains("belf_auth_password_hash_queue"), "{text}");
    // The management listener serves nothing else.
    let res = reqwest::get(format!("{management}/authorize"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = reqwest::get(format!("{public}/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
