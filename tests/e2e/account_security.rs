//! The account pages that end things (issue 13, part `account`): changing the password,
//! taking an app's access back, signing out sessions, deleting the account. Each is
//! checked where it matters: the refresh token that stops working, the other browser's
//! cookie that no longer signs in, the relying party's back-channel receiver.

use std::time::Duration;

use belf::auth::clients::service::NewClient;
use reqwest::StatusCode;

use crate::support::account::{
    FIREFOX_ON_WINDOWS, SAFARI_ON_IPHONE, browser_as, picture_src, sign_in, submit, upload_picture,
};
use crate::support::authorize::code_for;
use crate::support::browser::Browser;
use crate::support::images;
use crate::support::jwt::unverified_claims;
use crate::support::logout_receiver::{Behaviour, LogoutReceiver};
use crate::support::token::{exchange_code, refresh};
use crate::support::{LOGGED_OUT, PASSWORD, REDIRECT, TestAuth};

/// A form that must be refused: its fields, the status, and words of the message.
type Refusal<'a> = (&'a [(&'a str, &'a str)], StatusCode, &'a str);

/// A confidential client with refresh tokens that hears logouts at `logout_uri`.
async fn app(server: &TestAuth, name: &str, logout_uri: Option<&str>) -> (String, String) {
    let (id, secret) = server
        .client(NewClient {
            name: name.into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: vec![LOGGED_OUT.into()],
            backchannel_logout_uri: logout_uri.map(str::to_owned),
            backchannel_logout_session_required: true,
            ..Default::default()
        })
        .await;
    (id, secret.expect("confidential"))
}

/// Signs in to `client` through `browser`; returns (refresh token, sid of the session).
async fn grant(
    server: &TestAuth,
    browser: &Browser,
    client: &(String, String),
) -> (String, String) {
    let (code, verifier) =
        code_for(browser, &client.0, "openid profile offline_access", "alice").await;
    let tokens = exchange_code(&server.base, (&client.0, &client.1), &code, Some(&verifier))
        .await
        .ok();
    let sid = unverified_claims(tokens["id_token"].as_str().expect("id token"))["sid"]
        .as_str()
        .expect("sid")
        .to_owned();
    (
        tokens["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned(),
        sid,
    )
}

async fn signed_in(browser: &Browser) -> bool {
    browser.get("/account").await.status == StatusCode::OK
}

/// The `sid` of the next logout token the receiver gets.
async fn logout_sid(receiver: &mut LogoutReceiver) -> String {
    let got = receiver
        .next(Duration::from_secs(10))
        .await
        .expect("a logout token arrives");
    let token = got.logout_token.expect("logout_token");
    unverified_claims(&token)["sid"]
        .as_str()
        .expect("sid")
        .to_owned()
}

#[tokio::test]
async fn a_password_change_keeps_this_session_ends_the_others_and_revokes_refresh_tokens() {
    let server = TestAuth::spawn().await;
    server.user("alice", PASSWORD).await;
    let mut receiver = LogoutReceiver::spawn(Behaviour::Accept).await;
    let told = app(&server, "Told app", Some(&receiver.url)).await;
    let here = browser_as(&server.base, FIREFOX_ON_WINDOWS, None);
    let phone = browser_as(&server.base, SAFARI_ON_IPHONE, None);
    sign_in(&here, "alice", PASSWORD).await;
    let (here_refresh, _) = grant(&server, &here, &told).await;
    let (phone_refresh, phone_sid) = grant(&server, &phone, &told).await;

    let new = "a much better passphrase";
    let cases: [Refusal; 3] = [
        (
            &[
                ("current_password", "wrong"),
                ("new_password", new),
                ("confirm_password", new),
            ],
            StatusCode::UNAUTHORIZED,
            "The current password is not correct.",
        ),
        (
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", "other"),
            ],
            StatusCode::BAD_REQUEST,
            "The two new passwords are not the same.",
        ),
        (
            &[
                ("current_password", PASSWORD),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
            StatusCode::BAD_REQUEST,
            "at least 8 characters",
        ),
    ];
    for (form, status, message) in cases {
        let page = submit(&here, "/account/password", "/account/password", form).await;
        assert_eq!(page.status, status, "{}", page.body);
        assert!(page.body.contains(message), "{message}: {}", page.body);
    }
    assert!(signed_in(&phone).await, "refusals changed nothing");

    let changed = submit(
        &here,
        "/account/password",
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", new),
            ("confirm_password", new),
        ],
    )
    .await;
    assert_eq!(changed.status, StatusCode::FOUND, "{}", changed.body);
    let done = here.get(changed.location()).await;
    assert!(
        done.body.contains("Your password was changed."),
        "{}",
        done.body
    );
    assert!(signed_in(&here).await, "this session stays");
    assert!(!signed_in(&phone).await, "the other session ended");
    assert_eq!(logout_sid(&mut receiver).await, phone_sid);
    assert!(
        receiver.next(Duration::from_millis(500)).await.is_none(),
        "this session's app is not told"
    );
    for token in [&here_refresh, &phone_refresh] {
        let reply = refresh(&server.base, (&told.0, &told.1), token).await;
        assert_eq!(reply.error(), "invalid_grant", "refresh tokens revoked");
    }
    assert_eq!(
        Browser::new(&server.base)
            .log_in("alice", PASSWORD)
            .await
            .status,
        401
    );
    assert_eq!(
        Browser::new(&server.base).log_in("alice", new).await.status,
        302
    );
}

#[tokio::test]
async fn revoking_a_connected_app_deletes_the_consent_and_its_refresh_tokens() {
    let server = TestAuth::spawn().await;
    server.user("alice", PASSWORD).await;
    let photos = app(&server, "Photo printer", None).await;
    let notes = app(&server, "Note keeper", None).await;
    let browser = Browser::new(&server.base);
    let (photos_refresh, _) = grant(&server, &browser, &photos).await;
    let (notes_refresh, _) = grant(&server, &browser, &notes).await;
    let page = browser.get("/account/apps").await;
    assert!(
        page.body.contains("Photo printer") && page.body.contains("Note keeper"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("See your name and username"),
        "scopes described: {}",
        page.body
    );

    let revoked = submit(
        &browser,
        "/account/apps",
        "/account/apps/revoke",
        &[("client_id", &photos.0)],
    )
    .await;
    assert_eq!(revoked.status, StatusCode::FOUND);
    let page = browser.get(revoked.location()).await;
    assert!(page.body.contains("access was removed"), "{}", page.body);
    assert!(!page.body.contains("Photo printer"));
    assert!(page.body.contains("Note keeper"));
    assert_eq!(
        refresh(&server.base, (&photos.0, &photos.1), &photos_refresh)
            .await
            .error(),
        "invalid_grant"
    );
    assert_eq!(
        refresh(&server.base, (&notes.0, &notes.1), &notes_refresh)
            .await
            .status,
        200,
        "the other app keeps its access"
    );
    // Again, or an app never allowed: a message, nothing else.
    for client in [photos.0.as_str(), "no-such-app", ""] {
        let again = submit(
            &browser,
            "/account/apps",
            "/account/apps/revoke",
            &[("client_id", client)],
        )
        .await;
        assert_eq!(again.location(), "/account/apps?done=gone");
    }
    // The app must ask again: the consent page comes back.
    let url = crate::support::authorize::authorize_url(
        &server.base,
        &photos.0,
        &[("scope", "openid profile")],
    );
    let asked = browser.get(&url).await;
    assert!(
        asked.location().starts_with("/consent"),
        "{:?}",
        asked.location
    );
}

#[tokio::test]
async fn sessions_are_listed_by_device_and_can_be_signed_out_one_or_all() {
    let server = TestAuth::spawn().await;
    server.user("alice", PASSWORD).await;
    let mut receiver = LogoutReceiver::spawn(Behaviour::Accept).await;
    let told = app(&server, "Told app", Some(&receiver.url)).await;
    let here = browser_as(&server.base, FIREFOX_ON_WINDOWS, None);
    let phone = browser_as(&server.base, SAFARI_ON_IPHONE, None);
    let third = Browser::new(&server.base);
    sign_in(&here, "alice", PASSWORD).await;
    let (_, phone_sid) = grant(&server, &phone, &told).await;
    sign_in(&third, "alice", PASSWORD).await;

    let list = here.get("/account/sessions").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Firefox · Windows"), "{}", list.body);
    assert!(list.body.contains("Safari · iOS"), "{}", list.body);
    assert!(
        list.body.contains("Unknown device"),
        "no User-Agent: {}",
        list.body
    );
    assert!(list.body.contains("this browser"));
    assert!(list.body.contains("127.0.0.1"));
    assert_eq!(
        list.body.matches("name=\"sid\"").count(),
        2,
        "no sign-out button for this one"
    );
    assert!(list.body.contains(&format!("value=\"{phone_sid}\"")));

    let ended = submit(
        &here,
        "/account/sessions",
        "/account/sessions/end",
        &[("sid", &phone_sid)],
    )
    .await;
    assert_eq!(ended.location(), "/account/sessions?done=ended");
    assert!(
        !signed_in(&phone).await,
        "the phone's cookie no longer signs in"
    );
    assert_eq!(
        logout_sid(&mut receiver).await,
        phone_sid,
        "its app was told"
    );
    let again = submit(
        &here,
        "/account/sessions",
        "/account/sessions/end",
        &[("sid", &phone_sid)],
    )
    .await;
    assert_eq!(again.location(), "/account/sessions?done=gone");

    // Another person's session cannot be ended from here.
    server.user("bob", PASSWORD).await;
    let bob = browser_as(&server.base, SAFARI_ON_IPHONE, None);
    sign_in(&bob, "bob", PASSWORD).await;
    let bob_user = server
        .ctx
        .stores
        .users
        .find_user("bob")
        .await
        .expect("store")
        .expect("bob");
    let bob_sid = server
        .ctx
        .stores
        .accounts
        .list_sessions(&bob_user.user_id, server.clock.now())
        .await
        .expect("list")
        .remove(0)
        .sid;
    let foreign = submit(
        &here,
        "/account/sessions",
        "/account/sessions/end",
        &[("sid", &bob_sid)],
    )
    .await;
    assert_eq!(foreign.location(), "/account/sessions?done=gone");
    assert!(signed_in(&bob).await);

    let others = submit(
        &here,
        "/account/sessions",
        "/account/sessions/end-others",
        &[],
    )
    .await;
    assert_eq!(others.location(), "/account/sessions?done=others");
    assert!(!signed_in(&third).await);
    assert!(signed_in(&here).await, "this browser stays signed in");
    assert!(signed_in(&bob).await, "other people are untouched");
    let list = here.get("/account/sessions").await;
    assert_eq!(list.body.matches("<li>").count(), 1, "{}", list.body);
}

#[tokio::test]
async fn last_seen_moves_at_most_once_per_interval() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    let alice = server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    sign_in(&browser, "alice", PASSWORD).await;
    let last_seen = || async {
        server
            .ctx
            .stores
            .accounts
            .list_sessions(&alice.user_id, server.clock.now())
            .await
            .expect("list")[0]
            .last_seen_at
    };
    let first = last_seen().await;
    server.clock.advance(Duration::from_secs(30));
    browser.get("/account").await;
    assert_eq!(last_seen().await, first, "within the interval: not written");
    server.clock.advance(Duration::from_secs(31));
    browser.get("/account").await;
    assert_eq!(last_seen().await, first + 61, "after it: moved");

    // A session missing from the list (started before it existed) joins it when next seen.
    let entry = server
        .ctx
        .stores
        .accounts
        .list_sessions(&alice.user_id, server.clock.now())
        .await
        .expect("list")
        .remove(0);
    server
        .ctx
        .stores
        .accounts
        .forget_sessions(std::slice::from_ref(&entry.sid))
        .await
        .expect("forget");
    server.clock.advance(Duration::from_secs(61));
    browser.get("/account").await;
    let page = browser.get("/account/sessions").await;
    assert!(page.body.contains("this browser"), "{}", page.body);
}

#[tokio::test]
async fn deleting_the_account_needs_reauthentication_and_removes_everything() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    server.user("alice", PASSWORD).await;
    let mut receiver = LogoutReceiver::spawn(Behaviour::Accept).await;
    let told = app(&server, "Told app", Some(&receiver.url)).await;
    let browser = Browser::new(&server.base);
    let other = Browser::new(&server.base);
    let (refresh_token, sid) = grant(&server, &browser, &told).await;
    sign_in(&other, "alice", PASSWORD).await;
    let csrf = browser
        .get("/account/profile")
        .await
        .input("csrf")
        .expect("csrf");
    let up = upload_picture(
        &browser,
        Some(&csrf),
        false,
        images::jpeg_with_gps(),
        "image/jpeg",
    )
    .await;
    assert_eq!(up.status, StatusCode::FOUND);
    let picture = picture_src(&browser.get("/account/profile").await).expect("picture");

    // A recent sign-in stands in for the password; later, the password is needed.
    let page = browser.get("/account/delete").await;
    assert!(
        page.body.contains("password may be left empty"),
        "{}",
        page.body
    );
    server.clock.advance(Duration::from_secs(301));
    let page = browser.get("/account/delete").await;
    assert!(!page.body.contains("password may be left empty"));
    let refusals: [Refusal; 3] = [
        (
            &[("confirm", "yes")],
            StatusCode::UNAUTHORIZED,
            "Enter your password",
        ),
        (
            &[("confirm", "yes"), ("password", "wrong")],
            StatusCode::UNAUTHORIZED,
            "not correct",
        ),
        (
            &[("password", PASSWORD)],
            StatusCode::BAD_REQUEST,
            "Tick the box",
        ),
    ];
    for (form, status, message) in refusals {
        let page = submit(&browser, "/account/delete", "/account/delete", form).await;
        assert_eq!(page.status, status, "{}", page.body);
        assert!(page.body.contains(message), "{message}: {}", page.body);
    }
    assert!(signed_in(&browser).await);

    let deleted = submit(
        &browser,
        "/account/delete",
        "/account/delete",
        &[("confirm", "yes"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert!(deleted.body.contains("Account deleted"), "{}", deleted.body);
    assert!(!signed_in(&browser).await);
    assert!(!signed_in(&other).await);
    assert_eq!(logout_sid(&mut receiver).await, sid, "its app was told");
    assert_eq!(
        refresh(&server.base, (&told.0, &told.1), &refresh_token)
            .await
            .error(),
        "invalid_grant"
    );
    assert_eq!(
        Browser::new(&server.base)
            .log_in("alice", PASSWORD)
            .await
            .status,
        401
    );
    assert_eq!(reqwest::get(&picture).await.expect("picture").status(), 404);
    let users = server.ctx.stores.users.list_users().await.expect("users");
    assert!(users.iter().all(|u| u.username != "alice"));
    // The name is free again.
    server.user("alice", PASSWORD).await;
}
