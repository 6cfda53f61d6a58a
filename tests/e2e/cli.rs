//! The real `belf` binary as an administrator uses it: `client` and `user` commands on a
//! fresh SQLite database, `--json` output, failures that name the field, and the CLI
//! working next to a running `belf serve auth`.

mod deploy;
mod messages;
mod process;
mod serve_output;
mod shutdown;

use process::{ServeOutput, free_port, spawn_until};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::support::browser::Browser;
use crate::support::token::client_credentials;
use crate::support::{TestAuth, test_config};

/// A database and key folder for one test, and the environment that points `belf` at them.
struct Belf {
    dir: tempfile::TempDir,
}

impl Belf {
    fn new() -> Belf {
        Belf {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    fn db_url(dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", dir.join("auth.db").display())
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_belf"));
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("BELF_")) {
            cmd.env_remove(k);
        }
        let dir = self.dir.path();
        cmd.args(args)
            .env("BELF_DATABASE__URL", Self::db_url(dir))
            .env("BELF_KEYS__DIR", dir.join("keys"))
            .env("BELF_PASSWORD__MEMORY_KIB", "1024")
            .env("BELF_PASSWORD__ITERATIONS", "1")
            .env("BELF_MANAGEMENT__BIND", "")
            .env("BELF_LOG", "warn");
        cmd
    }

    /// Runs `belf args…`, feeding `stdin` if given.
    fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(args);
        cmd.envs(env.iter().copied())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("belf runs");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        child.wait_with_output().expect("belf finishes")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, None, &[])
    }

    /// Runs a command that must succeed with `--json`, and returns its one JSON document.
    fn json(&self, args: &[&str], stdin: Option<&str>) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run_with(&all, stdin, &[]);
        assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
        let text = String::from_utf8(out.stdout).expect("UTF-8 stdout");
        assert_eq!(text.trim().lines().count(), 1, "one JSON document: {text}");
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// Runs a command that must fail, and returns its standard error.
    fn fails(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run_with(args, stdin, &[]);
        assert!(!out.status.success(), "{args:?} should fail");
        stderr(&out)
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect()
}

#[test]
fn client_commands_round_trip_as_json() {
    let belf = Belf::new();
    let add = [
        "client",
        "add",
        "--name",
        "x",
        "--redirect-uri",
        "https://app.example/cb",
    ];
    let web = belf.json(&add, None);
    let web_id = web["client_id"].as_str().expect("client_id").to_owned();
    let secret = web["client_secret"].as_str().expect("client_secret");
    assert!(secret.len() >= 43, "256-bit secret: {secret}");
    assert_eq!(web.as_object().unwrap().len(), 2, "{web}");

    let public = belf.json(
        &[
            "client",
            "add",
            "--name",
            "spa",
            "--public",
            "--redirect-uri",
            "http://127.0.0.1:3000/cb",
        ],
        None,
    );
    let public_id = public["client_id"].as_str().unwrap().to_owned();
    assert!(public.get("client_secret").is_none(), "{public}");

    let list = belf.json(&["client", "list"], None);
    let mut listed = ids(&list);
    listed.sort();
    let mut expected = vec![web_id.as_str(), public_id.as_str()];
    expected.sort();
    assert_eq!(listed, expected);
    assert!(
        !list.to_string().contains(secret),
        "list never shows a secret"
    );

    let shown = belf.json(&["client", "show", &web_id], None);
    assert_eq!(shown["client_id"], web_id.as_str());
    assert_eq!(shown["redirect_uris"][0], "https://app.example/cb");
    assert_eq!(shown["public"], false);

    let rotated = belf.json(&["client", "rotate-secret", &web_id], None);
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert!(new_secret.len() >= 43);
    assert_ne!(new_secret, secret);
    let err = belf.fails(&["client", "rotate-secret", &public_id], None);
    assert!(err.contains("public"), "{err}");

    assert!(belf.run(&["client", "remove", &web_id]).status.success());
    let err = belf.fails(&["client", "show", &web_id], None);
    assert!(err.contains(&web_id), "{err}");
    assert_eq!(ids(&belf.json(&["client", "list"], None)), vec![public_id]);
}

#[test]
fn bad_client_registrations_fail_naming_the_field() {
    let belf = Belf::new();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--redirect-uri", "http://evil.example/cb"],
            "redirect-uri",
        ),
        (&["--redirect-uri", "https://a/cb#frag"], "redirect-uri"),
        (&["--redirect-uri", "com.example.app:/cb"], "redirect-uri"),
        (
            &[
                "--redirect-uri",
                "https://app.example/cb",
                "--grant-type",
                "bogus",
            ],
            "grant-type",
        ),
    ];
    for (extra, field) in cases {
        let mut args = vec!["client", "add", "--name", "x"];
        args.extend_from_slice(extra);
        let err = belf.fails(&args, None);
        assert!(err.contains(field), "{extra:?}: {err}");
    }
    // The custom scheme is fine for a public (native) client, so the refusal above was
    // about the client type.
    let native = belf.run(&[
        "client",
        "add",
        "--name",
        "app",
        "--public",
        "--redirect-uri",
        "com.example.app:/cb",
    ]);
    assert!(native.status.success(), "{}", stderr(&native));
    assert_eq!(
        belf.json(&["client", "list"], None)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn user_commands_change_what_the_login_page_accepts() {
    let belf = Belf::new();
    let pw = |p: &str| format!("{p}\n");
    let add = [
        "user",
        "add",
        "--username",
        "bob",
        "--email",
        "bob@example.com",
        "--password-stdin",
    ];
    let bob = belf.json(&add, Some(&pw("first password")));
    assert_eq!(bob["username"], "bob");
    assert!(bob["user_id"].is_string());
    assert!(!bob.to_string().contains("first password"));

    let err = belf.fails(&add, Some(&pw("another password")));
    assert!(err.contains("already registered"), "{err}");
    let short = [
        "user",
        "add",
        "--username",
        "tim",
        "--email",
        "tim@example.com",
        "--password-stdin",
    ];
    let err = belf.fails(&short, Some(&pw("short")));
    assert!(err.contains("password"), "{err}");
    let list = belf.json(&["user", "list"], None);
    let users = list.as_array().unwrap();
    assert_eq!(users.len(), 1, "{list}");
    assert_eq!(users[0]["username"], "bob");
    assert_eq!(users[0]["disabled"], false);

    // A server on the same database sees every change the CLI makes.
    let dir = belf.path();
    let config = test_config(&dir, &[("BELF_DATABASE__URL", &Belf::db_url(&dir))]).await;
    let server = TestAuth::spawn_in(tempfile::tempdir().unwrap(), config).await;
    let login = |password: &'static str| {
        let base = server.base.clone();
        async move { Browser::new(&base).log_in("bob", password).await.status }
    };
    assert_eq!(login("first password").await, StatusCode::FOUND);

    assert!(belf.run(&["user", "disable", "bob"]).status.success());
    assert_eq!(belf.json(&["user", "list"], None)[0]["disabled"], true);
    assert_eq!(login("first password").await, StatusCode::UNAUTHORIZED);
    assert!(belf.run(&["user", "enable", "bob"]).status.success());
    assert_eq!(belf.json(&["user", "list"], None)[0]["disabled"], false);

    let set = ["user", "set-password", "bob", "--password-stdin"];
    let err = belf.fails(&set, Some(&pw("tiny")));
    assert!(err.contains("password"), "{err}");
    let out = belf.run_with(&set, Some(&pw("second password")), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(login("first password").await, StatusCode::UNAUTHORIZED);
    assert_eq!(login("second password").await, StatusCode::FOUND);
}

#[tokio::test]
async fn the_cli_registers_a_client_that_a_running_server_accepts() {
    let belf = Belf::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = tokio::process::Command::from(belf.command(&["serve", "auth"]));
    cmd.env("BELF_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("BELF_SERVER__ISSUER", &base);
    let mut server = spawn_until(cmd, "Belf identity server:").await;

    let added = belf.json(
        &[
            "client",
            "add",
            "--name",
            "worker",
            "--grant-type",
            "client_credentials",
        ],
        None,
    );
    let id = added["client_id"].as_str().unwrap();
    let secret = added["client_secret"].as_str().unwrap();
    let body = client_credentials(&base, (id, secret), None).await.ok();
    assert!(body["access_token"].is_string(), "{body}");
    assert_eq!(body["token_type"], "Bearer");

    // Rotating the secret on the CLI: the new secret works on the running server at once;
    // the old one stops working within clients.cache_ttl_secs (1 s by default).
    let rotated = belf.json(&["client", "rotate-secret", id], None);
    let new_secret = rotated["client_secret"].as_str().unwrap();
    let status = async |secret: &str| client_credentials(&base, (id, secret), None).await.status;
    assert_eq!(status(new_secret).await, StatusCode::OK);
    let started = std::time::Instant::now();
    loop {
        if status(secret).await == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_millis(2500),
            "the old secret still works after the cache TTL"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status(new_secret).await, StatusCode::OK);

    server.kill().await.expect("stop the server");
}

/// An id that starts with `-` (as older base64url ids could) is an id, not an option.
#[test]
fn client_ids_starting_with_a_hyphen_are_accepted_as_arguments() {
    let belf = Belf::new();
    let err = belf.fails(&["client", "show", "-2VfZQi6puG7B731o7CoZw"], None);
    assert!(err.contains("no client with id"), "{err}");
}
