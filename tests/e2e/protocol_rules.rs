//! Failing-closed rules at the browser-facing endpoints (authorize, login, consent,
//! register, logout), one test per rule, each checked over real HTTP. Token-endpoint and
//! userinfo rules live in `protocol_rules_tokens.rs`.

use belf::auth::clients::service::NewClient;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use crate::support::authorize::{authorize_url, code_for};
use crate::support::browser::{Browser, Page, param, query_of};
use crate::support::jwt::unverified_claims;
use crate::support::pkce::Pkce;
use crate::support::token::exchange_code;
use crate::support::{LOGGED_OUT, PASSWORD, REDIRECT, TestAuth};

fn assert_refused_page(page: &Page, what: &str) {
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "{what}: {}",
        page.body
    );
    assert!(page.location.is_none(), "{what} must not redirect");
    assert!(page.body.contains("<html"), "{what}: an HTML page");
}

/// Logs `browser` in on the bare login page (no pending authorization).
async fn log_in(browser: &Browser, username: &str) {
    let done = browser.log_in(username, PASSWORD).await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
}

#[tokio::test]
async fn untrusted_client_or_redirect_uri_gets_a_page_never_a_redirect() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    let browser = Browser::new(&server.base);
    let cases = [
        (
            "unregistered redirect_uri",
            client_id.as_str(),
            "https://evil.example/cb",
        ),
        ("unknown client_id", "no-such-client", REDIRECT),
        (
            "trailing slash",
            client_id.as_str(),
            "http://127.0.0.1:9/callback/",
        ),
        (
            "extra query",
            client_id.as_str(),
            "http://127.0.0.1:9/callback?x=1",
        ),
    ];
    for (what, id, uri) in cases {
        let page = browser
            .get(&authorize_url(&server.base, id, &[("redirect_uri", uri)]))
            .await;
        assert_refused_page(&page, what);
    }
    // The control: the registered URI itself is accepted.
    let ok = browser
        .get(&authorize_url(&server.base, &client_id, &[]))
        .await;
    assert_eq!(ok.status, StatusCode::FOUND);
}

#[tokio::test]
async fn errors_after_the_redirect_uri_is_proven_go_back_with_state_and_iss() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    let browser = Browser::new(&server.base);
    let challenge = Pkce::random().challenge;
    let cases: Vec<(String, &str)> = vec![
        (
            authorize_url(&server.base, &client_id, &[("response_type", "token")]),
            "unsupported_response_type",
        ),
        (
            authorize_url(
                &server.base,
                &client_id,
                &[("request", "eyJhbGciOiJub25lIn0.e30.")],
            ),
            "request_not_supported",
        ),
        (
            authorize_url(
                &server.base,
                &client_id,
                &[("request_uri", "https://rp.example/r")],
            ),
            "request_uri_not_supported",
        ),
        (
            authorize_url(
                &server.base,
                &client_id,
                &[("scope", "openid no-such-scope")],
            ),
            "invalid_scope",
        ),
        (
            authorize_url(&server.base, &client_id, &[]) + "&scope=openid+profile",
            "invalid_request",
        ),
        (
            authorize_url(
                &server.base,
                &client_id,
                &[
                    ("code_challenge", &challenge),
                    ("code_challenge_method", "plain"),
                ],
            ),
            "invalid_request",
        ),
    ];
    for (url, expected) in cases {
        let page = browser.get(&url).await;
        assert_eq!(page.status, StatusCode::FOUND, "{url}: {}", page.body);
        let loc = page.location();
        assert!(loc.starts_with(REDIRECT), "{url} → {loc}");
        let q = query_of(loc);
        assert_eq!(param(&q, "error"), Some(expected), "{url}");
        assert_eq!(param(&q, "state"), Some("st-1"), "{url}");
        assert_eq!(param(&q, "iss"), Some(server.base.as_str()), "{url}");
        assert!(param(&q, "code").is_none());
    }
}

#[tokio::test]
async fn public_clients_must_use_pkce_with_s256() {
    let server = TestAuth::spawn().await;
    let (public_id, _) = server
        .client(NewClient {
            name: "SPA".into(),
            redirect_uris: vec![REDIRECT.into()],
            public: true,
            ..Default::default()
        })
        .await;
    let browser = Browser::new(&server.base);
    let challenge = Pkce::random().challenge;
    for extra in [
        vec![],
        vec![
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "plain"),
        ],
        vec![("code_challenge", challenge.as_str())],
    ] {
        let page = browser
            .get(&authorize_url(&server.base, &public_id, &extra))
            .await;
        let q = query_of(page.location());
        assert_eq!(param(&q, "error"), Some("invalid_request"), "{extra:?}");
        assert_eq!(param(&q, "state"), Some("st-1"));
    }
    let ok = browser
        .get(&authorize_url(
            &server.base,
            &public_id,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        ))
        .await;
    assert!(ok.location().starts_with("/login?"), "{}", ok.location());
}

#[tokio::test]
async fn login_without_csrf_token_is_refused_and_starts_no_session() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let login = browser.get("/login").await;
    assert!(login.input("csrf").is_some());
    let refused = browser
        .post("/login", &[("username", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let bad = browser
        .post(
            "/login",
            &[
                ("csrf", &"0".repeat(64)),
                ("username", "alice"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    let next = browser
        .get(&authorize_url(&server.base, &client_id, &[]))
        .await;
    assert!(
        next.location().starts_with("/login?"),
        "still logged out: {}",
        next.location()
    );
}

#[tokio::test]
async fn consent_with_wrong_csrf_token_is_refused() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let first = browser
        .get(&authorize_url(&server.base, &client_id, &[]))
        .await;
    let login = browser.get(first.location()).await;
    let to_consent = browser.submit_login(&login, "alice", PASSWORD).await;
    let consent = browser.get(to_consent.location()).await;
    let interaction = consent.input("interaction").expect("interaction");
    let refused = browser
        .post(
            "/consent",
            &[
                ("csrf", &"ab".repeat(32)),
                ("interaction", &interaction),
                ("decision", "allow"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.location.is_none());
    // The genuine form still works, so the refusal was the token's doing.
    let ok = browser.submit_consent(&consent, true).await;
    assert!(ok.location().starts_with(REDIRECT));
}

#[tokio::test]
async fn prompt_none_reports_login_and_consent_required() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);

    let page = browser
        .get(&authorize_url(
            &server.base,
            &client_id,
            &[("prompt", "none")],
        ))
        .await;
    let q = query_of(page.location());
    assert_eq!(param(&q, "error"), Some("login_required"));
    assert_eq!(param(&q, "state"), Some("st-1"));

    log_in(&browser, "alice").await;
    let page = browser
        .get(&authorize_url(
            &server.base,
            &client_id,
            &[("prompt", "none")],
        ))
        .await;
    let q = query_of(page.location());
    assert_eq!(param(&q, "error"), Some("consent_required"), "{q:?}");
    assert_eq!(param(&q, "state"), Some("st-1"));
    assert_eq!(param(&q, "iss"), Some(server.base.as_str()));
}

#[tokio::test]
async fn max_age_forces_a_new_login_with_a_later_auth_time() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    let (client_id, secret) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let (code, verifier) = code_for(&browser, &client_id, "openid", "alice").await;
    let client = (client_id.as_str(), secret.as_str());
    let first = exchange_code(&server.base, client, &code, Some(&verifier))
        .await
        .ok();
    let first_auth = unverified_claims(first["id_token"].as_str().unwrap())["auth_time"]
        .as_i64()
        .expect("auth_time");

    // The session is older than max_age once the server's clock has moved past it.
    server.clock.advance(std::time::Duration::from_secs(2));
    let pkce = Pkce::random();
    let mut extra = vec![("max_age", "1")];
    extra.extend(pkce.challenge_params());
    let page = browser
        .get(&authorize_url(&server.base, &client_id, &extra))
        .await;
    assert!(
        page.location().starts_with("/login?"),
        "{}",
        page.location()
    );
    let login = browser.get(page.location()).await;
    let back = browser.submit_login(&login, "alice", PASSWORD).await;
    let q = query_of(back.location());
    let code = param(&q, "code").expect("code after the fresh login");
    let second = exchange_code(&server.base, client, code, Some(&pkce.verifier))
        .await
        .ok();
    let second_auth = unverified_claims(second["id_token"].as_str().unwrap())["auth_time"]
        .as_i64()
        .expect("auth_time");
    assert!(second_auth > first_auth, "{second_auth} > {first_auth}");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let server = TestAuth::spawn().await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let login = browser.get("/login").await;
    let wrong = browser
        .submit_login(&login, "alice", "not the password")
        .await;
    let unknown = browser
        .submit_login(&login, "nobody", "not the password")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(
        wrong.body.replace("alice", "USER"),
        unknown.body.replace("nobody", "USER")
    );
    assert!(wrong.location.is_none() && unknown.location.is_none());
}

#[tokio::test]
async fn a_pending_authorization_belongs_to_the_browser_that_started_it() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    server.user("mallory", PASSWORD).await;
    let victim = Browser::new(&server.base);
    let start = victim
        .get(&authorize_url(&server.base, &client_id, &[]))
        .await;
    let link = start.location().to_owned();
    let interaction = param(&query_of(&server.url(&link)), "interaction")
        .expect("interaction id")
        .to_owned();

    let other = Browser::new(&server.base);
    let page = other.get(&link).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("another browser"), "{}", page.body);
    assert!(
        page.input("csrf").is_none(),
        "no form that continues the flow"
    );
    // Posting to it with the other browser's own valid CSRF token goes nowhere either.
    let own = other.get("/login").await;
    let csrf = own.input("csrf").unwrap();
    let post = other
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("interaction", &interaction),
                ("username", "mallory"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(post.status, StatusCode::BAD_REQUEST);
    assert!(post.location.is_none());
    // The browser that started it still gets its form.
    assert_eq!(victim.get(&link).await.status, StatusCode::OK);
}

#[tokio::test]
async fn rp_initiated_logout_ends_the_session_and_returns_only_to_registered_uris() {
    let server = TestAuth::spawn().await;
    let (client_id, secret) = server.web_client(REDIRECT).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let (code, verifier) = code_for(&browser, &client_id, "openid", "alice").await;
    let tokens = exchange_code(&server.base, (&client_id, &secret), &code, Some(&verifier))
        .await
        .ok();
    let id_token = tokens["id_token"].as_str().expect("id_token").to_owned();

    let logout = |uri: &str| {
        let mut url = url::Url::parse(&server.url("/logout")).unwrap();
        url.query_pairs_mut()
            .append_pair("id_token_hint", &id_token)
            .append_pair("post_logout_redirect_uri", uri)
            .append_pair("state", "xyz");
        url.to_string()
    };
    let refused = browser.get(&logout("https://evil.example/bye")).await;
    assert_refused_page(&refused, "unregistered post_logout_redirect_uri");
    // Refused means nothing happened: the session is still there.
    let still = browser
        .get(&authorize_url(&server.base, &client_id, &[]))
        .await;
    assert!(
        still.location().starts_with(REDIRECT),
        "{}",
        still.location()
    );

    let out = browser.get(&logout(LOGGED_OUT)).await;
    assert_eq!(out.status, StatusCode::FOUND, "{}", out.body);
    assert!(out.location().starts_with(LOGGED_OUT), "{}", out.location());
    assert_eq!(param(&query_of(out.location()), "state"), Some("xyz"));
    let next = browser
        .get(&authorize_url(&server.base, &client_id, &[]))
        .await;
    assert!(
        next.location().starts_with("/login?"),
        "{}",
        next.location()
    );
}

#[tokio::test]
async fn registration_creates_the_user_and_continues_the_authorization() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    let browser = Browser::new(&server.base);
    let start = browser
        .get(&authorize_url(&server.base, &client_id, &[]))
        .await;
    let interaction = param(&query_of(&server.url(start.location())), "interaction")
        .expect("interaction id")
        .to_owned();
    let form = browser
        .get(&format!("/register?interaction={interaction}"))
        .await;
    let csrf = form.input("csrf").expect("register form has csrf");
    let submit = |email: &'static str, csrf: String| {
        let interaction = interaction.clone();
        let browser = &browser;
        async move {
            browser
                .post(
                    "/register",
                    &[
                        ("csrf", csrf.as_str()),
                        ("interaction", interaction.as_str()),
                        ("username", "carol"),
                        ("email", email),
                        ("password", PASSWORD),
                    ],
                )
                .await
        }
    };
    let invalid = submit("not-an-email", csrf.clone()).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("e-mail address"), "{}", invalid.body);
    let no_csrf = submit("carol@example.com", String::new()).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);

    let created = submit("carol@example.com", csrf).await;
    assert_eq!(created.status, StatusCode::FOUND, "{}", created.body);
    assert!(
        created.location().starts_with("/consent?"),
        "{}",
        created.location()
    );
    let consent = browser.get(created.location()).await;
    let back = browser.submit_consent(&consent, true).await;
    assert!(param(&query_of(back.location()), "code").is_some());
    // The account is real: it can sign in elsewhere.
    let elsewhere = Browser::new(&server.base);
    let login = elsewhere.get("/login").await;
    let ok = elsewhere.submit_login(&login, "carol", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::FOUND, "{}", ok.body);
}

#[tokio::test]
async fn pages_speak_korean_when_asked() {
    let server = TestAuth::spawn().await;
    let (client_id, _) = server.web_client(REDIRECT).await;
    let browser = Browser::new(&server.base);
    let english = browser.get("/login").await;
    assert!(!english.body.contains("로그인"), "default is English");

    let start = browser
        .get(&authorize_url(
            &server.base,
            &client_id,
            &[("ui_locales", "ko")],
        ))
        .await;
    let login = browser.get(start.location()).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("로그인"), "{}", login.body);

    let res = browser
        .http
        .get(server.url("/login"))
        .header("Accept-Language", "ko-KR,ko;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.text().await.unwrap().contains("로그인"));
}
