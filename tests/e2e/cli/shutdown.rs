//! `belf serve` stopping: SIGTERM finishes what is in flight, then exits.

use super::*;

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
