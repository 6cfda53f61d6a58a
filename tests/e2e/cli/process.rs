//! Running the real `belf serve` from a test: a free port, and its output kept line by line.

use super::*;

/// A port nobody listens on right now.
pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A running `belf serve …` whose stdout and stderr are kept, line by line, for the test
/// to read while it runs and after it exits.
pub(super) struct ServeOutput {
    pub(super) child: tokio::process::Child,
    pub(super) stderr: tokio::sync::mpsc::UnboundedReceiver<String>,
    pub(super) stderr_seen: Vec<String>,
    pub(super) stdout: tokio::task::JoinHandle<String>,
}

/// What a stopped `belf serve` wrote.
pub(super) struct ServeFinished {
    pub(super) status: std::process::ExitStatus,
    pub(super) stdout: String,
    pub(super) stderr_lines: Vec<String>,
}

impl ServeOutput {
    pub(super) fn spawn(mut cmd: tokio::process::Command) -> ServeOutput {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("belf serve starts");
        let (tx, stderr) = tokio::sync::mpsc::unbounded_channel();
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut out = child.stdout.take().expect("stdout");
        let stdout = tokio::spawn(async move {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text).await;
            text
        });
        ServeOutput {
            child,
            stderr,
            stderr_seen: Vec::new(),
            stdout,
        }
    }

    /// The first stderr line (from here on) that `wanted` accepts; panics with everything
    /// seen if the process ends or a minute passes first.
    pub(super) async fn wait_for(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let found = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while let Some(line) = self.stderr.recv().await {
                self.stderr_seen.push(line.clone());
                if wanted(&line) {
                    return Some(line);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            _ => panic!(
                "belf serve never wrote the awaited line; it wrote:\n{}",
                self.stderr_seen.join("\n")
            ),
        }
    }

    pub(super) fn terminate(&self) {
        let pid = self.child.id().expect("still running").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    pub(super) async fn finish(mut self, within: std::time::Duration) -> ServeFinished {
        let status = tokio::time::timeout(within, self.child.wait())
            .await
            .expect("belf serve exits in time")
            .expect("exit status");
        while let Some(line) = self.stderr.recv().await {
            self.stderr_seen.push(line);
        }
        ServeFinished {
            status,
            stdout: self.stdout.await.unwrap_or_default(),
            stderr_lines: self.stderr_seen,
        }
    }
}

/// Spawns `belf serve …` and waits until it prints `ready_line` on stderr (it does once
/// it is listening); the rest of its stderr is drained in the background.
pub(super) async fn spawn_until(
    mut cmd: tokio::process::Command,
    ready_line: &str,
) -> tokio::process::Child {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("belf serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let ready = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains(ready_line) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ready, Ok(true), "the server did not come up");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    child
}
