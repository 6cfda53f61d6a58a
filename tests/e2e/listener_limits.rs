//! Slow and idle clients cannot take a listener down (issue 11, finding 6): connections
//! whose request head never arrives are closed, a request whose body never arrives is
//! answered 408, and past the connection cap `/healthz` still answers once slots free up.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::TestAuth;

const LIMITS: &[(&str, &str)] = &[
    ("BELF_SERVER__HEADER_READ_TIMEOUT_SECS", "1"),
    ("BELF_SERVER__REQUEST_TIMEOUT_SECS", "1"),
    ("BELF_SERVER__MAX_CONNECTIONS", "20"),
];

#[tokio::test]
async fn a_connection_that_never_finishes_its_request_head_is_closed() {
    let server = TestAuth::spawn_with(LIMITS).await;
    let mut slow = TcpStream::connect(("127.0.0.1", server.port))
        .await
        .expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("partial head");
    let started = Instant::now();
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf))
        .await
        .expect("the server closes the connection within the timeout");
    // Closed: EOF, a reset, or hyper's 408 followed by EOF.
    if let Ok(n) = read
        && n > 0
    {
        let head = String::from_utf8_lossy(&buf[..n]);
        assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    }
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "not before the timeout"
    );
}

#[tokio::test]
async fn a_request_whose_body_never_arrives_is_answered_408() {
    let server = TestAuth::spawn_with(LIMITS).await;
    let mut slow = TcpStream::connect(("127.0.0.1", server.port))
        .await
        .expect("connect");
    slow.write_all(
        b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=",
    )
    .await
    .expect("head and part of the body");
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf))
        .await
        .expect("an answer within the request timeout")
        .expect("read");
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
}

#[tokio::test]
async fn healthz_keeps_answering_past_the_connection_cap() {
    let server = TestAuth::spawn_with(LIMITS).await;
    // Three times the cap of connections that send half a request head and stall.
    let mut stalled = Vec::new();
    for _ in 0..60 {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", server.port)).await {
            let _ = s.write_all(b"GET / HTTP/1.1\r\n").await;
            stalled.push(s);
        }
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let started = Instant::now();
    let res = client
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(res.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "answered once stalled connections timed out: {:?}",
        started.elapsed()
    );
    drop(stalled);
}

#[tokio::test]
async fn the_todo_listener_closes_a_stalled_connection_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = belf::config::TodoConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        database_url: crate::support::fresh_database_url(dir.path(), "limits")
            .await
            .into(),
        // Nobody listens there: the listener's limits do not depend on the issuer.
        issuer: "http://127.0.0.1:9".parse().expect("issuer"),
        audience: "belf-todo".into(),
        resource: "http://127.0.0.1:8081".into(),
        max_photo_bytes: belf::config::TodoConfig::DEFAULT_MAX_PHOTO_BYTES,
    };
    let server = belf::todo::TodoServer::build(&cfg)
        .await
        .expect("todo server builds")
        .with_limits(belf::serve::ListenerLimits {
            header_read_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
            max_connections: 20,
        });
    let port = server.port();
    tokio::spawn(server.run_until(std::future::pending()));
    let mut slow = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .expect("partial head");
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf))
        .await
        .expect("the todo service closes the connection within the timeout");
    if let Ok(n) = read
        && n > 0
    {
        let head = String::from_utf8_lossy(&buf[..n]);
        assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    }
}
