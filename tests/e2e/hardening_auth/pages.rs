//! The pages: every message in the page's language, one error shape, a 404 in the
//! format asked for, scopes in words.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE};
use serde_json::Value;

use super::{PASSWORD, authorize_url, get_with, has_hangul};
use crate::support::browser::{Browser, Page, param, query_of};
use crate::support::{REDIRECT, TestAuth};

/// Pages: Korean pages showed English error messages.
#[tokio::test]
async fn korean_pages_say_everything_in_korean() {
    let server = TestAuth::spawn().await;
    let ko = [(ACCEPT_LANGUAGE.as_str(), "ko")];
    let refused = get_with(&server, "/authorize?client_id=no-such-client", &ko).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(has_hangul(&refused.body), "{}", refused.body);
    assert!(
        !refused.body.contains("client_id is not registered"),
        "{}",
        refused.body
    );

    let browser = Browser::new(&server.base);
    let form = browser
        .http
        .get(server.url("/register"))
        .header(ACCEPT_LANGUAGE, "ko")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = Page {
        status: StatusCode::OK,
        location: None,
        body: form,
    }
    .input("csrf")
    .unwrap();
    for (username, email, password) in [
        ("x", "x@example.com", PASSWORD),
        ("kim", "not-an-email", PASSWORD),
        ("kim", "kim@example.com", "short"),
    ] {
        let page = browser
            .http
            .post(server.url("/register"))
            .header(ACCEPT_LANGUAGE, "ko")
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", username),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = page.text().await.unwrap();
        let error = body
            .split("class=\"error\"")
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .expect("an error message");
        assert!(has_hangul(error), "{email}: {error}");
        assert!(!error.contains("invalid"), "{email}: {error}");
    }
}

/// Pages: a bad `post_logout_redirect_uri` said "This sign-in request cannot be
/// completed".
#[tokio::test]
async fn a_refused_logout_says_it_was_a_logout() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    for (lang, expected) in [("en", "sign-out"), ("ko", "로그아웃")] {
        let path = format!(
            "/logout?client_id={client_id}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F"
        );
        let page = get_with(&server, &path, &[(ACCEPT_LANGUAGE.as_str(), lang)]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(page.body.contains(expected), "{lang}: {}", page.body);
        assert!(!page.body.contains("sign-in request"), "{}", page.body);
        assert!(!page.body.contains("로그인 요청"), "{}", page.body);
    }
}

/// Pages: every error page has one shape (title, message, what to do next).
#[tokio::test]
async fn error_pages_share_one_shape() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    let browser = Browser::new(&server.base);
    let started = browser.get(&authorize_url(&server, &client_id, &[])).await;
    let pages = [
        ("untrusted request", browser.get("/authorize?client_id=nope").await),
        (
            "refused logout",
            browser
                .get(&format!("/logout?client_id={client_id}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F"))
                .await,
        ),
        (
            "csrf",
            browser
                .post("/login", &[("username", "a"), ("password", "b")])
                .await,
        ),
        (
            "expired",
            Browser::new(&server.base).get(started.location()).await,
        ),
    ];
    for (what, page) in pages {
        assert!(page.status.is_client_error(), "{what}: {}", page.status);
        assert_eq!(
            page.body.matches("class=\"error\"").count(),
            1,
            "{what}: {}",
            page.body
        );
        assert_eq!(
            page.body.matches("class=\"hint\"").count(),
            1,
            "{what}: {}",
            page.body
        );
    }
}

/// Pages: an unknown path answered `text/plain`.
#[tokio::test]
async fn unknown_paths_answer_in_the_format_asked_for() {
    let server = TestAuth::spawn().await;
    let html = get_with(
        &server,
        "/no-such-page",
        &[(
            ACCEPT.as_str(),
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
        )],
    )
    .await;
    assert_eq!(html.status, StatusCode::NOT_FOUND);
    assert!(
        html.content_type.starts_with("text/html"),
        "{}",
        html.content_type
    );
    assert!(html.body.contains("<html"), "{}", html.body);
    for accept in [None, Some("application/json"), Some("*/*")] {
        let headers: Vec<(&str, &str)> = accept.map(|a| (ACCEPT.as_str(), a)).into_iter().collect();
        let res = get_with(&server, "/no-such-endpoint", &headers).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(
            res.content_type.starts_with("application/json"),
            "{accept:?}: {}",
            res.content_type
        );
        let body: Value = serde_json::from_str(&res.body).unwrap();
        assert_eq!(body["error"], "not_found", "{body}");
        assert!(body["error_description"].is_string(), "{body}");
    }
}

/// Pages: the consent page showed raw scope names ("Use courses:write").
#[tokio::test]
async fn consent_describes_every_scope_in_words() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    for (lang, expected) in [
        ("en", "Create, change and delete your courses and to-dos"),
        ("ko", "코스와 할 일 만들기, 수정, 삭제"),
    ] {
        let username = format!("alice-{lang}");
        server.user(&username, PASSWORD).await;
        let browser = Browser::new(&server.base);
        let url = authorize_url(
            &server,
            &client_id,
            &[
                ("scope", "openid courses:read courses:write"),
                ("ui_locales", lang),
            ],
        );
        let login = browser.get(browser.get(&url).await.location()).await;
        let consent = browser.submit_login(&login, &username, PASSWORD).await;
        let page = browser.get(consent.location()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(expected), "{lang}: {}", page.body);
        assert!(!page.body.contains("courses:"), "{lang}: {}", page.body);
        let back = browser.submit_consent(&page, true).await;
        assert!(param(&query_of(back.location()), "code").is_some());
    }
}
