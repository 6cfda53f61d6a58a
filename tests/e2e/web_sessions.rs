//! Sessions over time and outages: the access token is refreshed before it expires (on a
//! clock the test moves), a refused refresh means signing in again and coming back, an
//! expired session likewise; the identity server or the todo service down is a friendly
//! 503 page with a retry link, never a 500.

use std::time::Duration;

use reqwest::StatusCode;

use crate::support::web::TestWeb;
use crate::support::{PASSWORD, TestAuth};

#[tokio::test]
async fn the_access_token_is_refreshed_before_it_expires() {
    let web = TestWeb::spawn_on_manual_clock().await;
    let b = web.signed_in("alice").await;
    let before = b
        .session(&web)
        .await
        .and_then(|s| s.user)
        .expect("signed in");
    // Not yet within the refresh margin (60 s of a 600 s token): the same token.
    web.clock.advance(Duration::from_secs(500));
    assert_eq!(b.get("/today").await.status, StatusCode::OK);
    let same = b
        .session(&web)
        .await
        .and_then(|s| s.user)
        .expect("signed in");
    assert_eq!(same.access_token, before.access_token);
    // Within it: refreshed (and the refresh token rotated), the page served.
    web.clock.advance(Duration::from_secs(60));
    assert_eq!(b.get("/today").await.status, StatusCode::OK);
    let after = b
        .session(&web)
        .await
        .and_then(|s| s.user)
        .expect("signed in");
    assert_ne!(after.access_token, before.access_token);
    assert_ne!(after.refresh_token, before.refresh_token);
    assert!(after.access_expires_at > before.access_expires_at);
    // Long past the first token's life the pages still work.
    web.clock.advance(Duration::from_secs(3000));
    assert_eq!(b.get("/courses").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_revoked_grant_means_signing_in_again_and_coming_back() {
    let web = TestWeb::spawn_on_manual_clock().await;
    let b = web.signed_in("alice").await;
    let user = b
        .session(&web)
        .await
        .and_then(|s| s.user)
        .expect("signed in");
    let refresh = user
        .refresh_token
        .expect("offline_access gives a refresh token");
    let revoked = reqwest::Client::new()
        .post(web.auth.url("/revoke"))
        .basic_auth(&web.client_id, Some(&web.client_secret))
        .form(&[("token", refresh.expose())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), StatusCode::OK);
    web.clock.advance(Duration::from_secs(590));
    let page = b.get("/explore?tag=x").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?return_to=%2Fexplore%3Ftag%3Dx");
    assert!(
        b.session(&web).await.is_none(),
        "the dead session is deleted"
    );
    // Signing in again comes back to the page.
    let (page, url) = b.sign_in("/explore?tag=x", "alice", PASSWORD).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(url, format!("{}/explore?tag=x", web.base));
}

#[tokio::test]
async fn an_expired_session_signs_in_again() {
    let web = TestWeb::spawn_on_manual_clock().await;
    let b = web.signed_in("alice").await;
    web.clock.advance(Duration::from_secs(86_401));
    let page = b.get("/courses").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?return_to=%2Fcourses");
}

#[tokio::test]
async fn the_todo_service_down_is_a_friendly_page_with_a_retry_link() {
    let web = TestWeb::spawn().await;
    let b = web.signed_in("alice").await;
    web.todo_proxy.down();
    let page = b.get("/today?date=2026-01-05").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.body.contains("The course service is not answering"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("href=\"&#x2f;today?date=2026-01-05\"")
            || page.body.contains("href=\"/today?date=2026-01-05\""),
        "{}",
        page.body
    );
    let ko = b
        .http
        .get(format!("{}/courses", web.base))
        .header("accept-language", "ko")
        .send()
        .await
        .expect("GET");
    assert_eq!(ko.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        ko.text()
            .await
            .expect("body")
            .contains("코스 서비스가 지금 응답하지 않아요")
    );
    // A form posted meanwhile: the same page, and "try again" leads back to where it was.
    let form = b.post("/courses", &[("csrf", "x")]).await;
    assert!(form.status == StatusCode::FORBIDDEN || form.status == StatusCode::SERVICE_UNAVAILABLE);
    web.todo_proxy.up();
    assert_eq!(b.get("/today?date=2026-01-05").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_identity_server_down_is_a_friendly_page_with_a_retry_link() {
    // An issuer address nothing answers on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://127.0.0.1:{}", l.local_addr().expect("addr").port())
    };
    let web = TestWeb::spawn_with_issuer(TestAuth::spawn().await, Some(&dead)).await;
    let b = web.browser();
    // The start page needs no identity server.
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    let page = b.get("/login?return_to=/courses").await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("The sign-in service is not answering"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Try again"));
    assert!(
        !page.body.contains("127.0.0.1"),
        "no internal detail on the page"
    );
}
