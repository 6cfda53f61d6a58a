//! Reading mail the identity server wrote: the outbox folder of the embedded default
//! (one `.eml` per message, `mail.outbox_dir`), and a tiny SMTP sink for the SMTP path.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message: its raw headers and its body, decoded (base64, quoted-printable or 7bit).
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: String,
    pub body: String,
}

impl Received {
    pub fn parse(raw: &str) -> Received {
        let raw = raw.replace("\r\n", "\n");
        let (headers, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
        let lower = headers.to_ascii_lowercase();
        let body = if lower.contains("content-transfer-encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        } else if lower.contains("content-transfer-encoding: quoted-printable") {
            decode_quoted_printable(body)
        } else {
            body.to_owned()
        };
        Received {
            headers: headers.to_owned(),
            body,
        }
    }

    /// The first link in the body under `base` (e.g. the issuer).
    pub fn link(&self, base: &str) -> String {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with(base))
            .unwrap_or_else(|| panic!("no link to {base} in {}", self.body))
            .to_owned()
    }

    /// The link's path and query, for a [`super::browser::Browser`] at that base.
    pub fn path(&self, base: &str) -> String {
        self.link(base)[base.len()..].to_owned()
    }

    pub fn to(&self) -> String {
        self.headers
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap_or_default()
            .to_owned()
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `.eml` files in `dir`, oldest first by name order of arrival.
fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}

/// How many messages are in the outbox now.
pub fn count(dir: &Path) -> usize {
    eml_files(dir).len()
}

/// Waits (mail goes out in the background) until the outbox holds `n` messages, and
/// returns them all, oldest first. Panics after 10 seconds.
pub async fn wait_for(dir: &Path, n: usize) -> Vec<Received> {
    for _ in 0..200 {
        let files = eml_files(dir);
        if files.len() >= n
            && let Some(all) = read_complete(&files).await
        {
            return all.iter().map(|raw| Received::parse(raw)).collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {n} message(s) in {}, found {}",
        dir.display(),
        count(dir)
    );
}

/// Every file's text, or `None` while one is still being written: the mailer creates the
/// file and then writes it, so a reader can catch it empty or cut short. A message is
/// whole when it has its header/body break and reads the same a moment later.
async fn read_complete(files: &[PathBuf]) -> Option<Vec<String>> {
    let read = |p: &PathBuf| std::fs::read_to_string(p).ok();
    let first: Vec<String> = files.iter().map(read).collect::<Option<_>>()?;
    if first.iter().any(|raw| !raw.contains("\r\n\r\n")) {
        return None;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second: Vec<String> = files.iter().map(read).collect::<Option<_>>()?;
    (first == second).then_some(first)
}

/// The newest message, once there are `n`.
pub async fn nth(dir: &Path, n: usize) -> Received {
    let all = wait_for(dir, n).await;
    all[n - 1].clone()
}

/// A minimal SMTP server: greets, says yes to EHLO/MAIL/RCPT, takes DATA, keeps each
/// message. Enough for lettre's client without TLS or authentication.
pub struct SmtpSink {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = messages.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, store).await;
                });
            }
        });
        SmtpSink { port, messages }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.messages.lock().expect("lock").clone();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the SMTP sink expected {n} message(s)");
    }
}

async fn serve(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") || command.starts_with("HELO") {
            write
                .write_all(b"250-sink.test\r\n250 8BITMIME\r\n")
                .await?;
        } else if command.starts_with("DATA") {
            write.write_all(b"354 go on\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            store.lock().expect("lock").push(Received::parse(&data));
            write.write_all(b"250 queued\r\n").await?;
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"250 ok\r\n").await?;
        }
    }
}
