//! The real `belf` binary as an administrator uses it: `client` and `user` commands on a
//! fresh SQLite database, `--json` output, failures that name the field, and the CLI
//! working next to a running `belf serve auth`.

mod deploy;
mod registration;
mod serve_output;

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

#[test]
fn an_unknown_setting_stops_the_cli_and_is_named() {
    let belf = Belf::new();
    let out = belf.run_with(&["client", "list"], None, &[("BELF_SERVER__BINDD", "x")]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("bindd"), "{err}");
    // Without the typo the same command works.
    assert!(belf.run(&["client", "list"]).status.success());
}

/// Every option says what it is for, a required option shows in the usage line, and
/// `serve` does not offer `--json` (it prints logs, not a document).
#[test]
fn help_describes_every_option_and_offers_only_what_works() {
    let belf = Belf::new();
    let help = |args: &[&str]| {
        let mut all = args.to_vec();
        all.push("-h");
        let out = belf.run(&all);
        assert!(out.status.success(), "{all:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).expect("UTF-8 help")
    };
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["user", "add"],
            &[
                "--username",
                "--email",
                "--name",
                "--password-stdin",
                "--json",
            ],
        ),
        (&["user", "set-password"], &["--password-stdin"]),
        (&["client", "add"], &["--name", "--allow-duplicate-name"]),
        (&["keys", "rotate"], &["--alg"]),
        (&["serve"], &["--log-json", "--config"]),
    ];
    for (args, flags) in cases {
        let text = help(args);
        for flag in flags {
            let lines: Vec<&str> = text.lines().collect();
            let at = lines
                .iter()
                .position(|l| l.trim_start().starts_with(&format!("{flag} ")) || l.trim() == *flag)
                .unwrap_or_else(|| panic!("{args:?} -h lists no {flag}:\n{text}"));
            let line = lines[at];
            // What follows the flag and its value name is the description, or (when the
            // option is too wide for one line) the next line.
            let mut described = line
                .trim_start()
                .trim_start_matches(flag)
                .trim_start()
                .trim_start_matches(|c: char| {
                    c == '<' || c.is_ascii_uppercase() || c == '_' || c == '>'
                })
                .trim();
            if described.is_empty() {
                described = lines
                    .get(at + 1)
                    .map(|l| l.trim())
                    .filter(|l| !l.starts_with('-'))
                    .unwrap_or("");
            }
            assert!(
                !described.is_empty(),
                "{args:?}: {flag} has no help: `{line}`"
            );
        }
    }
    for args in [&["user", "add"][..], &["user", "set-password"]] {
        let text = help(args);
        let usage = text.lines().find(|l| l.starts_with("Usage:")).unwrap_or("");
        assert!(usage.contains("--password-stdin"), "{usage}");
    }
    assert!(!help(&["serve"]).contains("--json"));
    let err = belf.fails(&["--json", "serve"], None);
    assert!(
        err.contains("--json") && err.contains("--log-json"),
        "{err}"
    );
    // `--json` works before the noun, after it, and after the verb.
    for args in [
        &["--json", "client", "list"][..],
        &["client", "--json", "list"],
        &["client", "list", "--json"],
    ] {
        let out = belf.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "[]",
            "{args:?}"
        );
    }
}

/// A duplicate account says which of username and e-mail is taken (the CLI is for the
/// administrator; the public registration page still does not tell).
#[test]
fn a_taken_username_or_email_is_named() {
    let belf = Belf::new();
    let add = |username: &str, email: &str| {
        vec![
            "user".to_owned(),
            "add".into(),
            "--username".into(),
            username.into(),
            "--email".into(),
            email.into(),
            "--password-stdin".into(),
        ]
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        belf.run_with(&args, Some("a long password\n"), &[])
    };
    assert!(run(add("dana", "dana@example.com")).status.success());
    let cases = [
        (add("DANA", "other@example.com"), "--username", "--email"),
        (add("other", "Dana@Example.com"), "--email", "--username"),
    ];
    for (args, named, not_named) in cases {
        let out = run(args);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains("already registered"), "{err}");
        assert!(err.contains(named) && !err.contains(not_named), "{err}");
    }
    let err = stderr(&run(add("dana", "dana@example.com")));
    assert!(err.contains("--username and --email"), "{err}");
    assert_eq!(
        belf.json(&["user", "list"], None).as_array().unwrap().len(),
        1
    );
}

/// Two clients with one name would look the same on the consent page: refused unless asked
/// for, and the refusal says how to ask.
#[test]
fn a_second_client_with_the_same_name_needs_allow_duplicate_name() {
    let belf = Belf::new();
    let add = |name: &'static str, extra: &[&'static str]| {
        let mut args = vec![
            "client",
            "add",
            "--name",
            name,
            "--grant-type",
            "client_credentials",
        ];
        args.extend_from_slice(extra);
        args
    };
    let first = belf.json(&add("Reporter", &[]), None);
    let first_id = first["client_id"].as_str().unwrap();
    let err = belf.fails(&add(" reporter ", &[]), None);
    assert!(
        err.contains("--name") && err.contains(first_id) && err.contains("--allow-duplicate-name"),
        "{err}"
    );
    assert_eq!(
        belf.json(&["client", "list"], None)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    belf.json(&add("Reporter", &["--allow-duplicate-name"]), None);
    belf.json(&add("Another reporter", &[]), None);
    assert_eq!(
        belf.json(&["client", "list"], None)
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

/// Every configuration or start-up error: one `error:` line that names the setting to fix
/// and says each thing once (anyhow's chain used to repeat the `config` crate's and sqlx's
/// messages).
#[test]
fn configuration_errors_name_the_setting_once() {
    let belf = Belf::new();
    let missing_dir = belf.path().join("no-such-dir").join("auth.db");
    let bad_db = format!("sqlite://{}", missing_dir.display());
    let cases: [(&[&str], (&str, &str), &str); 7] = [
        (&["client", "list"], ("BELF_SERVER__BINDD", "x"), "bindd"),
        (
            &["client", "list"],
            ("BELF_SERVER__BIND", "nope"),
            "server.bind",
        ),
        (
            &["client", "list"],
            ("BELF_TOKENS__ACCESS_TOKEN_TTL_SECS", "abc"),
            "tokens.access_token_ttl_secs",
        ),
        (
            &["client", "list"],
            ("BELF_KEYS__ACCESS_TOKEN_ALG", "HS256"),
            "keys.access_token_alg",
        ),
        (
            &["client", "list"],
            ("BELF_DATABASE__URL", &bad_db),
            "database.url",
        ),
        (
            &["serve", "auth"],
            ("BELF_REDIS__URL", "redis://127.0.0.1:1"),
            "redis.url",
        ),
        (
            &["serve", "auth"],
            ("BELF_SERVER__BIND", "192.0.2.1:80"),
            "server.bind",
        ),
    ];
    for (args, var, key) in cases {
        let out = belf.run_with(args, None, &[var]);
        assert!(!out.status.success(), "{var:?} should fail");
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(lines.len(), 1, "{var:?}: {err}");
        assert!(lines[0].contains(key), "{var:?} names {key}: {err}");
        assert_says_each_thing_once(lines[0]);
    }
    let out = belf.run(&["--config", "/no/such/belf.toml", "client", "list"]);
    let err = stderr(&out);
    assert!(
        !out.status.success() && err.contains("/no/such/belf.toml"),
        "{err}"
    );
    assert_says_each_thing_once(&err);
}

fn assert_says_each_thing_once(message: &str) {
    let parts: Vec<&str> = message.trim().split(": ").collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[i + 1..].contains(part),
            "`{part}` is said twice: {message}"
        );
    }
}

/// SIGTERM: the listener closes, a login already being hashed still gets its answer, and
/// both parts exit cleanly.
#[tokio::test]
async fn sigterm_finishes_in_flight_requests_then_exits() {
    let belf = Belf::new();
    // An expensive hash (~hundreds of ms), so the login is still running when SIGTERM lands.
    let slow = [
        ("BELF_PASSWORD__MEMORY_KIB", "131072"),
        ("BELF_PASSWORD__ITERATIONS", "3"),
    ];
    let out = belf.run_with(
        &[
            "user",
            "add",
            "--username",
            "erin",
            "--email",
            "erin@example.com",
            "--password-stdin",
        ],
        Some("erin's long password"),
        &slow,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let todo_db = format!(
        "sqlite://{}?mode=rwc",
        belf.path().join("todo.db").display()
    );
    let mut cmd = tokio::process::Command::from(belf.command(&["serve"]));
    cmd.envs(slow)
        .env("BELF_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("BELF_SERVER__ISSUER", &base)
        .env("BELF_TODO__ISSUER", &base)
        .env("BELF_TODO__BIND", "127.0.0.1:0")
        .env("BELF_TODO__DATABASE_URL", todo_db)
        .env("BELF_WEB__BIND", "127.0.0.1:0")
        .env(
            "BELF_WEB__DATABASE_URL",
            format!("sqlite://{}?mode=rwc", belf.path().join("web.db").display()),
        );
    let mut server = spawn_until(cmd, "Belf web: open").await;
    // The web app was registered as a client on this first start, its secret kept 0600.
    let saved = belf.path().join("keys").join("web-client.json");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&saved)
            .expect("web-client.json")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    let browser = Browser::new(&base);
    let login = browser.get("/login").await;
    let csrf = login.input("csrf").unwrap();
    let http = browser.http.clone();
    let in_flight = tokio::spawn(async move {
        http.post(format!("{base}/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "erin"),
                ("password", "erin's long password"),
            ])
            .send()
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    let pid = server.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());

    let res = in_flight
        .await
        .unwrap()
        .expect("the in-flight login is answered");
    assert_eq!(
        res.status(),
        StatusCode::FOUND,
        "the login completed during shutdown"
    );
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), server.wait())
        .await
        .expect("exits after draining")
        .unwrap();
    assert!(status.success(), "clean exit: {status:?}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no new connections after shutdown"
    );
}

/// Spawns `belf serve …` and waits until it prints `ready_line` on stderr (it does once
/// it is listening); the rest of its stderr is drained in the background.
async fn spawn_until(mut cmd: tokio::process::Command, ready_line: &str) -> tokio::process::Child {
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

/// An id that starts with `-` (as older base64url ids could) is an id, not an option.
#[test]
fn client_ids_starting_with_a_hyphen_are_accepted_as_arguments() {
    let belf = Belf::new();
    let err = belf.fails(&["client", "show", "-2VfZQi6puG7B731o7CoZw"], None);
    assert!(err.contains("no client with id"), "{err}");
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A running `belf serve …` whose stdout and stderr are kept, line by line, for the test
/// to read while it runs and after it exits.
struct ServeOutput {
    child: tokio::process::Child,
    stderr: tokio::sync::mpsc::UnboundedReceiver<String>,
    stderr_seen: Vec<String>,
    stdout: tokio::task::JoinHandle<String>,
}

/// What a stopped `belf serve` wrote.
struct ServeFinished {
    status: std::process::ExitStatus,
    stdout: String,
    stderr_lines: Vec<String>,
}

impl ServeOutput {
    fn spawn(mut cmd: tokio::process::Command) -> ServeOutput {
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
    async fn wait_for(&mut self, wanted: impl Fn(&str) -> bool) -> String {
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

    fn terminate(&self) {
        let pid = self.child.id().expect("still running").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    async fn finish(mut self, within: std::time::Duration) -> ServeFinished {
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
