//! `load ready`: starts `belf serve` (detached) and times spawn → first 200 from every URL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::http::Conn;

// The server is left running on purpose: the script measures it, then stops it by PID.
#[allow(clippy::zombie_processes)]
pub async fn ready(
    belf: PathBuf,
    dir: PathBuf,
    urls: Vec<String>,
    log: PathBuf,
    part: Option<String>,
    timeout: f64,
) {
    let targets: Vec<(SocketAddr, String)> = urls
        .iter()
        .map(|u| {
            let rest = u.strip_prefix("http://").expect("http:// URL");
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            (
                host.parse().expect("URL host is IP:PORT"),
                format!("/{path}"),
            )
        })
        .collect();
    let log_file = std::fs::File::create(&log).expect("log file");
    let start = Instant::now();
    let child = std::process::Command::new(&belf)
        .arg("serve")
        .args(part)
        .current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(log_file.try_clone().expect("log"))
        .stderr(log_file)
        .spawn()
        .expect("belf serve starts");
    let pid = child.id();
    let deadline = start + Duration::from_secs_f64(timeout);
    let mut each_ms = Vec::new();
    for (addr, path) in &targets {
        let mut conn = Conn::new(*addr, false);
        loop {
            if let Ok(r) = conn.get(path, &[]).await
                && r.status.as_u16() == 200
            {
                break;
            }
            if Instant::now() > deadline {
                eprintln!(
                    "server not ready after {timeout} s (log: {})",
                    log.display()
                );
                println!("{{\"pid\":{pid},\"ready_ms\":null}}");
                std::process::exit(1);
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        each_ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let ready_ms = start.elapsed().as_secs_f64() * 1e3;
    println!(
        "{}",
        serde_json::json!({"pid": pid, "ready_ms": round2(ready_ms), "each_ms": each_ms.iter().map(|m| round2(*m)).collect::<Vec<_>>()})
    );
    // `child` is dropped without waiting: the server keeps running.
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
