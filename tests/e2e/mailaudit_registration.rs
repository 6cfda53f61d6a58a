//! Registration modes (open, invite, closed) and the password policy, through the real
//! register page and the real `belf user invite`.

use reqwest::StatusCode;

use crate::mailaudit_verify::register;
use crate::support::browser::Browser;
use crate::support::outbox;
use crate::support::{PASSWORD, TestAuth};

#[tokio::test]
async fn closed_registration_says_so() {
    let auth = TestAuth::spawn_with(&[("BELF_REGISTRATION__MODE", "closed")]).await;
    let browser = Browser::new(&auth.base);
    let page = browser.get("/register").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.to_lowercase().contains("registration"),
        "{}",
        page.body
    );
    let posted = browser
        .post(
            "/register",
            &[
                ("username", "x"),
                ("email", "x@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
    assert!(
        !browser
            .get("/login")
            .await
            .body
            .contains("href=\"/register")
    );
    // Korean too.
    let ko = browser
        .http
        .get(auth.url("/register"))
        .header("accept-language", "ko")
        .send()
        .await
        .expect("GET");
    assert!(ko.text().await.expect("body").contains("가입"));
}

#[tokio::test]
async fn invite_mode_needs_a_single_use_invitation() {
    let auth = TestAuth::spawn_on_manual_clock(&[("BELF_REGISTRATION__MODE", "invite")]).await;
    let dir = auth.config.mail.outbox_dir.clone();
    let browser = Browser::new(&auth.base);
    assert_eq!(browser.get("/register").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        browser
            .get("/register?invite=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !browser
            .get("/login")
            .await
            .body
            .contains("href=\"/register")
    );

    let invited = auth
        .cli_json(&["user", "invite", "Lena@Example.com"], None)
        .await;
    assert_eq!(invited["email"], "lena@example.com");
    assert_eq!(invited["mailed"], true);
    let link = invited["link"].as_str().expect("link").to_owned();
    // The same link was mailed.
    let mail = outbox::nth(&dir, 1).await;
    assert_eq!(mail.link(&auth.base), link);
    let path = &link[auth.base.len()..];

    // The address is the invited one, whatever the form says.
    let done = register(&browser, path, "lena", "someone-else@example.com", PASSWORD).await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    let lena = auth
        .ctx
        .stores
        .users
        .find_user("lena")
        .await
        .expect("find")
        .expect("lena");
    assert_eq!(lena.email, "lena@example.com");
    assert!(lena.email_verified, "an invitation proves the address");
    // Single use.
    assert_eq!(
        Browser::new(&auth.base).get(path).await.status,
        StatusCode::FORBIDDEN
    );

    // An invitation expires.
    let short = auth
        .cli_json(
            &["user", "invite", "mia@example.com", "--expires-in", "1h"],
            None,
        )
        .await;
    let short_path = short["link"].as_str().expect("link")[auth.base.len()..].to_owned();
    assert_eq!(
        Browser::new(&auth.base).get(&short_path).await.status,
        StatusCode::OK
    );
    // The CLI dated the link by the wall clock, a little after this server's manual clock
    // started: a margin keeps the test from depending on how long the CLI took.
    auth.clock
        .advance(std::time::Duration::from_secs(3600 + 300));
    assert_eq!(
        Browser::new(&auth.base).get(&short_path).await.status,
        StatusCode::FORBIDDEN
    );

    // Bad invitations from the CLI are refused with the argument named.
    for (args, named) in [
        (vec!["user", "invite", "not-an-address"], "EMAIL"),
        (vec!["user", "invite", "lena@example.com"], "already exists"),
        (
            vec!["user", "invite", "n@example.com", "--expires-in", "soon"],
            "--expires-in",
        ),
    ] {
        let out = auth.cli(&args, None).await;
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{args:?}: {err}");
    }
    let audit = auth
        .cli_json(&["audit", "list", "--kind", "invite_created"], None)
        .await;
    assert_eq!(audit.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn the_password_policy_applies_at_registration_with_clear_words() {
    let auth = TestAuth::spawn().await;
    let browser = Browser::new(&auth.base);
    let long = "p".repeat(1025);
    for (password, words) in [
        ("short1!", "at least 8"),
        ("password1", "most common"),
        ("iloveyou", "most common"),
        ("nora2024!", "username or e-mail"),
        ("NORA@example.com", "username or e-mail"),
        (long.as_str(), "1,024"),
    ] {
        let page = register(&browser, "/register", "nora", "nora@example.com", password).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert!(page.body.contains(words), "{password}: {}", page.body);
    }
    // Korean words for the same refusal.
    let form = browser
        .http
        .get(auth.url("/register"))
        .header("accept-language", "ko")
        .send()
        .await
        .expect("GET");
    let body = form.text().await.expect("body");
    let csrf = crate::support::browser::Page {
        status: StatusCode::OK,
        location: None,
        body,
    }
    .input("csrf")
    .expect("csrf");
    let ko = browser
        .http
        .post(auth.url("/register"))
        .header("accept-language", "ko")
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "nora"),
            ("email", "nora@example.com"),
            ("password", "qwertyuiop"),
        ])
        .send()
        .await
        .expect("POST");
    assert!(ko.text().await.expect("body").contains("흔해서"));
    // Eight Korean characters are a fine password.
    let ok = register(
        &browser,
        "/register",
        "nora",
        "nora@example.com",
        "비밀번호를잘지켜요",
    )
    .await;
    assert_eq!(ok.status, StatusCode::FOUND, "{}", ok.body);
    assert_eq!(
        Browser::new(&auth.base)
            .log_in("nora", "비밀번호를잘지켜요")
            .await
            .status,
        StatusCode::FOUND
    );
}

#[tokio::test]
async fn the_password_policy_applies_in_the_cli() {
    let auth = TestAuth::spawn().await;
    auth.user("olga", PASSWORD).await;
    let out = auth
        .cli(
            &["user", "set-password", "olga", "--password-stdin"],
            Some("olga1234\n"),
        )
        .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("username or e-mail"));
    let out = auth
        .cli(
            &["user", "set-password", "olga", "--password-stdin"],
            Some("password\n"),
        )
        .await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("most common"));
}
