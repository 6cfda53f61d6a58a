//! The web app signs people in only through the identity server (code + PKCE + state +
//! nonce, tokens kept on the server), rotates the session id at sign-in, comes back to
//! the page the person was on (never to another site), and signs out of both.

use reqwest::StatusCode;

use crate::support::PASSWORD;
use crate::support::web::TestWeb;

#[tokio::test]
async fn signing_in_goes_through_the_identity_server_and_lands_on_today() {
    let web = TestWeb::spawn().await;
    web.auth.user("alice", PASSWORD).await;
    let b = web.browser();
    // The start page offers to sign in; nothing needs a session yet.
    let landing = b.get("/").await;
    assert_eq!(landing.status, StatusCode::OK);
    assert!(landing.body.contains("href=\"/login\""), "{}", landing.body);
    // A page that needs a session sends the person to sign in, remembering the page.
    let today = b.get("/today?date=2026-01-05").await;
    assert_eq!(today.status, StatusCode::SEE_OTHER);
    assert_eq!(
        today.location(),
        "/login?return_to=%2Ftoday%3Fdate%3D2026-01-05"
    );
    let login = b.get(today.location()).await;
    let authorize = login.location().to_owned();
    assert!(
        authorize.starts_with(&format!("{}/authorize?", web.auth.base)),
        "{authorize}"
    );
    for part in [
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "nonce=",
        "response_type=code",
        "offline_access",
        "courses%3Aread",
    ] {
        assert!(authorize.contains(part), "{part} missing from {authorize}");
    }
    let before = b
        .session_cookie()
        .expect("a session for the pending sign-in");
    let (page, url) = b.sign_in("/today?date=2026-01-05", "alice", PASSWORD).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(url, format!("{}/today?date=2026-01-05", web.base));
    assert!(page.body.contains("2026-01-05"));
    let after = b.session_cookie().expect("signed-in session");
    assert_ne!(before, after, "the session id is rotated at sign-in");
    // No token reaches the browser: the page holds no JWT.
    assert!(!page.body.contains("eyJ"), "a token leaked into the page");
    // The start page now goes to Today.
    assert_eq!(b.get("/").await.location(), "/today");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_random() {
    let web = TestWeb::spawn().await;
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/login", web.base))
        .send()
        .await
        .expect("GET /login");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("belf_web="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    // Plain http here: no Secure, no __Host- prefix (both come with an https public_url).
    assert!(!cookie.contains("Secure"), "{cookie}");
    let value = cookie
        .trim_start_matches("belf_web=")
        .split(';')
        .next()
        .unwrap_or_default();
    assert_eq!(value.len(), 43);
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let web = TestWeb::spawn().await;
    let b = web.signed_in("alice").await;
    for path in ["/", "/today", "/nowhere", "/static/belf.css"] {
        let res = b
            .http
            .get(format!("{}{path}", web.base))
            .send()
            .await
            .expect("GET");
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
    let today = b.get("/today").await;
    assert!(!today.body.contains("<script"), "no script on pages");
    assert!(
        !today.body.contains("style=\""),
        "no inline style (the CSP allows none)"
    );
}

#[tokio::test]
async fn return_to_cannot_leave_the_site() {
    let web = TestWeb::spawn().await;
    web.auth.user("alice", PASSWORD).await;
    for evil in [
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
    ] {
        let b = web.browser();
        let path = format!("/login?return_to={}", urlencode(evil));
        let (page, url) = b.sign_in(&path, "alice", PASSWORD).await;
        assert!(url.starts_with(&web.base), "{evil} led to {url}");
        assert_eq!(page.status, StatusCode::OK, "{evil}");
        assert_eq!(url, format!("{}/today", web.base), "{evil}");
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_callback_with_a_wrong_state_or_no_session_is_refused() {
    let web = TestWeb::spawn().await;
    let b = web.browser();
    let refused = b.get("/callback?code=abc&state=xyz").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("Signing in did not complete"),
        "{}",
        refused.body
    );
    // A pending sign-in, but a state that is not its own.
    b.get("/login").await;
    let refused = b.get("/callback?code=abc&state=not-the-one").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // The identity server said no (the person denied consent).
    let login = b.get("/login").await;
    let state = crate::support::browser::param(
        &crate::support::browser::query_of(login.location()),
        "state",
    )
    .expect("state")
    .to_owned();
    let denied = b
        .get(&format!("/callback?error=access_denied&state={state}"))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(denied.body.contains("cancelled"), "{}", denied.body);
}

#[tokio::test]
async fn signing_out_ends_the_web_session_and_the_identity_server_session() {
    let web = TestWeb::spawn().await;
    let b = web.signed_in("alice").await;
    let refresh = b
        .session(&web)
        .await
        .and_then(|s| s.user)
        .and_then(|u| u.refresh_token)
        .expect("a refresh token");
    let today = b.get("/today").await;
    let out = b.submit(&today, "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let end_session = out.location().to_owned();
    assert!(
        end_session.starts_with(&format!("{}/logout?", web.auth.base)),
        "{end_session}"
    );
    assert!(end_session.contains("id_token_hint="), "{end_session}");
    // The identity server ends its session (the hint names its user: no confirmation)
    // and sends the browser back to the web app's start page.
    let (page, url) = b.follow(out, format!("{}/logout", web.base)).await;
    assert!(
        url.starts_with(&format!("{}/?", web.base)),
        "{url}: {}",
        page.body
    );
    assert!(page.body.contains("href=\"/login\""));
    // The web session is gone...
    assert_eq!(b.get("/today").await.status, StatusCode::SEE_OTHER);
    // ...and so is the identity server's: signing in again asks for the password.
    let login = b.get("/login").await;
    let at_issuer = b.get(login.location()).await;
    assert_eq!(at_issuer.status, StatusCode::FOUND);
    assert!(
        at_issuer.location().starts_with("/login"),
        "{}",
        at_issuer.location()
    );
    // The grant ended with the session: its refresh token was revoked.
    let refreshed = reqwest::Client::new()
        .post(web.auth.url("/token"))
        .basic_auth(&web.client_id, Some(&web.client_secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
        ])
        .send()
        .await
        .expect("token endpoint");
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST);
}
