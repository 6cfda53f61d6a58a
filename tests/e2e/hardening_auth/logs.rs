//! The security log: one structured line per event, never a secret.

use serde_json::Value;

use super::PASSWORD;
use crate::support::REDIRECT;
use crate::support::browser::{Browser, param, query_of};

/// Logs: one structured line per security event (never a secret), and the shutdown line
/// once, not twice.
#[tokio::test]
async fn security_events_are_logged_once_each_without_secrets() {
    use std::process::Stdio;
    use tokio::io::{AsyncBufReadExt, BufReader};

    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let belf = |args: &[&str]| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_belf"));
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("BELF_")) {
            cmd.env_remove(k);
        }
        let db = format!("sqlite://{}?mode=rwc", dir.path().join("auth.db").display());
        cmd.args(args)
            .env("BELF_DATABASE__URL", db)
            .env("BELF_KEYS__DIR", dir.path().join("keys"))
            .env("BELF_PASSWORD__MEMORY_KIB", "1024")
            .env("BELF_PASSWORD__ITERATIONS", "1")
            .env("BELF_SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("BELF_SERVER__ISSUER", &base)
            .env("BELF_MANAGEMENT__BIND", "")
            .env("BELF_THROTTLE__FREE_FAILURES", "1")
            .env("BELF_LOG", "info")
            .env("BELF_LOG_FORMAT", "json")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    };
    let mut add_user = belf(&[
        "user",
        "add",
        "--username",
        "erin",
        "--email",
        "erin@example.com",
        "--password-stdin",
    ])
    .spawn()
    .unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = add_user.stdin.take().unwrap();
        stdin.write_all(PASSWORD.as_bytes()).await.unwrap();
    }
    assert!(add_user.wait().await.unwrap().success());
    let client = belf(&[
        "client",
        "add",
        "--name",
        "web",
        "--redirect-uri",
        REDIRECT,
        "--json",
    ])
    .output()
    .await
    .unwrap();
    let client: Value = serde_json::from_slice(&client.stdout).unwrap();
    let (client_id, secret) = (
        client["client_id"].as_str().unwrap().to_owned(),
        client["client_secret"].as_str().unwrap().to_owned(),
    );

    let mut server = belf(&["serve", "auth"]).spawn().unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let (log_tx, mut log_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = log_tx.send(line);
        }
    });
    let mut log = Vec::new();
    loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(60), log_rx.recv())
            .await
            .expect("the server comes up")
            .expect("the server runs");
        // With JSON logs there is no banner: the "listening" event says it is up.
        let ready = line.contains("identity server listening");
        log.push(line);
        if ready {
            break;
        }
    }

    // A failed login, a throttled one, a successful one, consent, code, refresh, revoke,
    // a failed client authentication.
    let browser = Browser::new(&base);
    let login = browser.get("/login").await;
    assert_eq!(
        browser
            .submit_login(&login, "erin", "wrong password one")
            .await
            .status,
        401
    );
    for password in ["wrong password two", "wrong password three"] {
        assert_eq!(
            browser.submit_login(&login, "ghost", password).await.status,
            401
        );
    }
    // The next one is refused while the block lasts (1 s, then 2 s, 4 s …). On a loaded
    // machine a request can take longer than the first wait; each late one is one more
    // failure, which doubles the wait, so a 429 comes within a few tries.
    let mut ghost_failures = 2;
    loop {
        let status = browser
            .submit_login(&login, "ghost", "wrong password again")
            .await
            .status;
        if status == 429 {
            break;
        }
        assert_eq!(status, 401);
        ghost_failures += 1;
        assert!(ghost_failures < 8, "no 429 after {ghost_failures} failures");
    }
    let consent_url = |scope: &str| {
        format!(
            "{base}/authorize?response_type=code&client_id={client_id}&scope={scope}&redirect_uri={}",
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
        )
    };
    let other = Browser::new(&base);
    let start = other.get(&consent_url("openid")).await;
    let login = other.get(start.location()).await;
    let consent = other.submit_login(&login, "erin", PASSWORD).await;
    let denied = other
        .submit_consent(&other.get(consent.location()).await, false)
        .await;
    assert_eq!(
        param(&query_of(denied.location()), "error"),
        Some("access_denied")
    );
    let start = other.get(&consent_url("openid%20offline_access")).await;
    let back = other
        .submit_consent(&other.get(start.location()).await, true)
        .await;
    let code = param(&query_of(back.location()), "code")
        .unwrap()
        .to_owned();
    let http = reqwest::Client::new();
    let tokens: Value = http
        .post(format!("{base}/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    let refreshed: Value = http
        .post(format!("{base}/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh2 = refreshed["refresh_token"].as_str().unwrap().to_owned();
    let revoked = http
        .post(format!("{base}/revoke"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("token", refresh2.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let failed = http
        .post(format!("{base}/token"))
        .basic_auth(&client_id, Some("not the secret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 401);

    let pid = server.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(server.wait().await.unwrap().success());
    while let Some(line) = log_rx.recv().await {
        log.push(line);
    }

    let events: Vec<Value> = log
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let find = |message: &str| -> Vec<&Value> {
        events.iter().filter(|e| e["message"] == message).collect()
    };
    let one = |message: &str| -> &Value {
        let found = find(message);
        assert!(!found.is_empty(), "no `{message}` in:\n{}", log.join("\n"));
        found[0]
    };
    let reasons: Vec<&str> = find("login failed")
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    let mut expected = vec!["wrong_password"];
    expected.extend(std::iter::repeat_n("unknown_account", ghost_failures));
    assert_eq!(reasons, expected);
    assert_eq!(one("login throttled")["level"], "WARN");
    let sub = one("login succeeded")["sub"].as_str().unwrap().to_owned();
    let denied = one("consent denied");
    assert_eq!(
        (denied["client_id"].as_str(), denied["sub"].as_str()),
        (Some(client_id.as_str()), Some(sub.as_str()))
    );
    assert_eq!(one("consent given")["client_id"], client_id.as_str());
    let issued = find("token issued");
    let grants: Vec<&str> = issued
        .iter()
        .filter_map(|e| e["grant_type"].as_str())
        .collect();
    assert_eq!(grants, ["authorization_code", "refresh_token"]);
    for e in &issued {
        assert_eq!(
            (e["client_id"].as_str(), e["sub"].as_str()),
            (Some(client_id.as_str()), Some(sub.as_str()))
        );
    }
    assert_eq!(one("token revoked")["client_id"], client_id.as_str());
    let failed = one("client authentication failed");
    assert_eq!(
        (failed["client_id"].as_str(), failed["level"].as_str()),
        (Some(client_id.as_str()), Some("WARN"))
    );
    assert_eq!(
        find("shutdown signal received; finishing in-flight requests").len(),
        1,
        "{}",
        log.join("\n")
    );
    let everything = log.join("\n");
    for secret in [
        PASSWORD,
        "wrong password",
        &secret,
        &code,
        &refresh,
        &refresh2,
    ] {
        assert!(
            !everything.contains(secret),
            "the log holds a secret: {secret}"
        );
    }
    for token in ["access_token", "id_token"] {
        let value = tokens[token].as_str().unwrap();
        assert!(!everything.contains(value), "the log holds the {token}");
    }
}
