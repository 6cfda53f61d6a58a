//! What `belf serve` writes: with JSON logs, nothing but JSON lines (no banner beside
//! them); the address it really listens on; a warning when the issuer names another port;
//! one shutdown event per signal.

use std::time::Duration;

use serde_json::Value;

use super::{Belf, ServeOutput};

#[tokio::test]
async fn json_logs_are_one_json_stream_naming_the_real_address() {
    let belf = Belf::new();
    let mut cmd = tokio::process::Command::from(belf.command(&["serve", "auth", "--log-json"]));
    // Port 0: only the server knows its port, so the log must tell. The issuer keeps its
    // default (port 8080), the mistake a first-time user makes.
    cmd.env("BELF_SERVER__BIND", "127.0.0.1:0")
        .env("BELF_LOG", "info");
    let mut server = ServeOutput::spawn(cmd);
    let listening = server
        .wait_for(|line| line.contains("identity server listening"))
        .await;
    let event: Value = serde_json::from_str(&listening).expect("a JSON line");
    let address = event["address"].as_str().expect("address field").to_owned();
    let port: u16 = address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    assert_ne!(port, 0, "{listening}");
    assert_ne!(port, 8080, "{listening}");
    let health = reqwest::get(format!("http://{address}/healthz"))
        .await
        .expect("the logged address answers");
    assert!(health.status().is_success());

    server.terminate();
    let out = server.finish(Duration::from_secs(10)).await;
    assert!(out.status.success(), "{:?}", out.status);
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
    let events: Vec<Value> = out
        .stderr_lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    let warning = events
        .iter()
        .find(|e| {
            e["level"] == "WARN"
                && e["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("server.issuer")
        })
        .unwrap_or_else(|| panic!("no issuer warning in {messages:?}"));
    assert!(
        warning["message"].as_str().unwrap_or("").contains(&address),
        "{warning}"
    );
    let shutdowns = messages
        .iter()
        .filter(|m| m.contains("shutdown signal received"))
        .count();
    assert_eq!(shutdowns, 1, "{messages:?}");
}

#[tokio::test]
async fn the_text_banner_names_the_real_address_and_warns_about_the_issuer() {
    let belf = Belf::new();
    let mut cmd = tokio::process::Command::from(belf.command(&["serve", "auth"]));
    cmd.env("BELF_SERVER__BIND", "127.0.0.1:0");
    let mut server = ServeOutput::spawn(cmd);
    let banner = server
        .wait_for(|line| line.starts_with("Belf identity server:"))
        .await;
    assert!(!banner.contains(":8080,"), "{banner}");
    assert!(banner.contains("listening on 127.0.0.1:"), "{banner}");
    server.terminate();
    let out = server.finish(Duration::from_secs(10)).await;
    let all = out.stderr_lines.join("\n");
    assert!(all.contains("server.issuer names port 8080"), "{all}");
    // Matching issuer and bind address: no warning.
    let port = super::free_port();
    let mut cmd = tokio::process::Command::from(belf.command(&["serve", "auth"]));
    cmd.env("BELF_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("BELF_SERVER__ISSUER", format!("http://127.0.0.1:{port}"));
    let mut server = ServeOutput::spawn(cmd);
    server
        .wait_for(|line| line.starts_with("Belf identity server:"))
        .await;
    server.terminate();
    let out = server.finish(Duration::from_secs(10)).await;
    let all = out.stderr_lines.join("\n");
    assert!(!all.contains("server.issuer"), "{all}");
}
