//! E-mail verification and address change through the real pages and the outbox:
//! `email_verified` only after the link, required verification before sign-in, and a new
//! address that counts only once its link is followed. Also the SMTP path, against a
//! tiny SMTP server in the test.

use reqwest::StatusCode;

use crate::support::authorize::code_for;
use crate::support::browser::{Browser, Page};
use crate::support::jwt::unverified_claims;
use crate::support::outbox::{self, SmtpSink};
use crate::support::token::exchange_code;
use crate::support::{PASSWORD, REDIRECT, TestAuth};

/// Registers `username` on the real page; returns the answer to the POST.
pub async fn register(
    browser: &Browser,
    path: &str,
    username: &str,
    email: &str,
    password: &str,
) -> Page {
    let form = browser.get(path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.input("csrf").expect("csrf");
    let interaction = form.input("interaction").unwrap_or_default();
    let invite = form.input("invite").unwrap_or_default();
    browser
        .post(
            "/register",
            &[
                ("csrf", csrf.as_str()),
                ("interaction", &interaction),
                ("invite", &invite),
                ("username", username),
                ("email", email),
                ("password", password),
            ],
        )
        .await
}

/// Opens a verification link and presses its button.
async fn follow(browser: &Browser, path: &str) -> Page {
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.input("csrf").expect("csrf");
    let token = page.input("token").expect("token");
    browser
        .post("/email/verify", &[("csrf", &csrf), ("token", &token)])
        .await
}

async fn email_verified_claim(
    auth: &TestAuth,
    client: &(String, String),
    who: &str,
) -> serde_json::Value {
    let browser = Browser::new(&auth.base);
    let (code, verifier) = code_for(&browser, &client.0, "openid email", who).await;
    let tokens = exchange_code(&auth.base, (&client.0, &client.1), &code, Some(&verifier))
        .await
        .ok();
    let claims = unverified_claims(tokens["id_token"].as_str().expect("id token"));
    claims["email_verified"].clone()
}

#[tokio::test]
async fn registration_mails_a_link_and_email_verified_follows_it() {
    let auth = TestAuth::spawn().await;
    let dir = auth.config.mail.outbox_dir.clone();
    let client = auth.web_client(REDIRECT).await;
    let browser = Browser::new(&auth.base);
    let done = register(
        &browser,
        "/register",
        "frank",
        "frank@example.com",
        PASSWORD,
    )
    .await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    assert_eq!(
        email_verified_claim(&auth, &client, "frank").await,
        serde_json::json!(false)
    );

    let mail = outbox::nth(&dir, 1).await;
    assert!(mail.to().contains("frank@example.com"));
    let path = mail.path(&auth.base);
    assert!(path.starts_with("/email/verify?token="), "{path}");
    // Opening the link changes nothing (mail scanners open links); the button does.
    assert_eq!(browser.get(&path).await.status, StatusCode::OK);
    assert_eq!(
        email_verified_claim(&auth, &client, "frank").await,
        serde_json::json!(false)
    );
    let confirmed = follow(&browser, &path).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(
        email_verified_claim(&auth, &client, "frank").await,
        serde_json::json!(true)
    );
    // Used up.
    assert_eq!(browser.get(&path).await.status, StatusCode::BAD_REQUEST);
    let audit = auth
        .cli_json(&["audit", "list", "--user", "frank"], None)
        .await;
    assert!(audit.to_string().contains("email_verified"), "{audit}");
}

#[tokio::test]
async fn required_verification_holds_sign_in_and_offers_a_new_link() {
    let auth = TestAuth::spawn_with(&[("BELF_REGISTRATION__REQUIRE_VERIFIED_EMAIL", "true")]).await;
    let dir = auth.config.mail.outbox_dir.clone();
    let browser = Browser::new(&auth.base);
    let registered = register(&browser, "/register", "gina", "gina@example.com", PASSWORD).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    assert!(registered.body.contains("gina@example.com"));
    // Not signed in.
    assert!(!browser.get("/").await.body.contains("gina"));
    let held = browser.log_in("gina", PASSWORD).await;
    assert_eq!(held.status, StatusCode::FORBIDDEN);
    // A wrong password still says only "wrong".
    assert_eq!(
        browser.log_in("gina", "not her password").await.status,
        StatusCode::UNAUTHORIZED
    );

    let csrf = held.input("csrf").expect("csrf");
    let login = held.input("login").expect("resend form");
    let resent = browser
        .post(
            "/email/verify/resend",
            &[("csrf", &csrf), ("login", &login)],
        )
        .await;
    assert_eq!(resent.status, StatusCode::OK);
    // The same answer for an account that does not exist.
    let ghost = browser
        .post(
            "/email/verify/resend",
            &[("csrf", &csrf), ("login", "ghost")],
        )
        .await;
    assert_eq!(ghost.status, resent.status);
    assert_eq!(
        ghost.body.replace("ghost", "X"),
        resent.body.replace(&login, "X")
    );

    let mails = outbox::wait_for(&dir, 2).await;
    // The first link was superseded by the second.
    let first = mails[0].path(&auth.base);
    assert_eq!(browser.get(&first).await.status, StatusCode::BAD_REQUEST);
    let confirmed = follow(&browser, &mails[1].path(&auth.base)).await;
    assert_eq!(confirmed.status, StatusCode::OK);
    assert_eq!(
        browser.log_in("gina", PASSWORD).await.status,
        StatusCode::FOUND
    );
}

#[tokio::test]
async fn a_new_address_counts_only_after_its_link() {
    let auth = TestAuth::spawn().await;
    let dir = auth.config.mail.outbox_dir.clone();
    let henry = auth.user("henry", PASSWORD).await;
    auth.user("ivy", PASSWORD).await;
    let browser = Browser::new(&auth.base);
    // Signed out: the page asks to sign in.
    assert_eq!(
        browser.get("/account/email").await.status,
        StatusCode::UNAUTHORIZED
    );
    browser.log_in("henry", PASSWORD).await;
    let page = browser.get("/account/email").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("henry@example.com"));
    let csrf = page.input("csrf").expect("csrf");
    let change = |email: &'static str, password: &'static str| {
        let (browser, csrf) = (&browser, csrf.clone());
        async move {
            browser
                .post(
                    "/account/email",
                    &[
                        ("csrf", csrf.as_str()),
                        ("action", "change"),
                        ("new_email", email),
                        ("password", password),
                    ],
                )
                .await
        }
    };
    assert_eq!(
        change("henry@new.example", "wrong password!").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        change("not-an-address", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Someone else's address: the same answer, and no mail goes out.
    let taken = change("ivy@example.com", PASSWORD).await;
    let asked = change("henry@new.example", PASSWORD).await;
    assert_eq!(taken.status, StatusCode::OK);
    assert_eq!(asked.status, StatusCode::OK);
    assert_eq!(
        taken.body.replace("ivy@example.com", "X"),
        asked.body.replace("henry@new.example", "X")
    );
    let mail = outbox::nth(&dir, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(outbox::count(&dir), 1);
    assert!(mail.to().contains("henry@new.example"));
    // Not yet changed.
    let stored = auth
        .ctx
        .stores
        .users
        .get_user(&henry.user_id)
        .await
        .expect("get")
        .expect("henry");
    assert_eq!(stored.email, "henry@example.com");
    let confirmed = follow(&browser, &mail.path(&auth.base)).await;
    assert!(
        confirmed.body.contains("henry@new.example"),
        "{}",
        confirmed.body
    );
    let stored = auth
        .ctx
        .stores
        .users
        .get_user(&henry.user_id)
        .await
        .expect("get")
        .expect("henry");
    assert_eq!(stored.email, "henry@new.example");
    assert!(stored.email_verified);
    // The new address signs in; the old one is free.
    assert_eq!(
        Browser::new(&auth.base)
            .log_in("henry@new.example", PASSWORD)
            .await
            .status,
        StatusCode::FOUND
    );
    let audit = auth
        .cli_json(&["audit", "list", "--kind", "email_changed"], None)
        .await;
    assert_eq!(audit[0]["user"], henry.user_id.as_str());
}

#[tokio::test]
async fn production_mail_goes_over_smtp() {
    let sink = SmtpSink::start().await;
    let auth = TestAuth::spawn_with(&[
        ("BELF_MAIL__SMTP_URL", sink.url().as_str()),
        ("BELF_MAIL__FROM", "Belf Test <belf@sink.test>"),
    ])
    .await;
    auth.user("jack", PASSWORD).await;
    let browser = Browser::new(&auth.base);
    let form = browser.get("/password/forgot").await;
    let csrf = form.input("csrf").expect("csrf");
    browser
        .post(
            "/password/forgot",
            &[("csrf", &csrf), ("email", "jack@example.com")],
        )
        .await;
    let got = sink.wait_for(1).await;
    assert!(
        got[0].headers.contains("belf@sink.test"),
        "{}",
        got[0].headers
    );
    assert!(got[0].to().contains("jack@example.com"));
    let path = got[0].path(&auth.base);
    assert_eq!(browser.get(&path).await.status, StatusCode::OK);
    // Nothing went to the outbox folder.
    assert_eq!(outbox::count(&auth.config.mail.outbox_dir), 0);
}

#[tokio::test]
async fn an_unreachable_smtp_server_fails_no_page() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("smtp://127.0.0.1:{closed}");
    let auth = TestAuth::spawn_with(&[
        ("BELF_MAIL__SMTP_URL", url.as_str()),
        ("BELF_MAIL__TIMEOUT_SECS", "2"),
    ])
    .await;
    auth.user("kate", PASSWORD).await;
    let browser = Browser::new(&auth.base);
    let form = browser.get("/password/forgot").await;
    let csrf = form.input("csrf").expect("csrf");
    let page = browser
        .post(
            "/password/forgot",
            &[("csrf", &csrf), ("email", "kate@example.com")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
}
