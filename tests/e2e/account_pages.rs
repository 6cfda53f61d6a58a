//! The account pages (issue 13, part `account`) through the real pages, in both
//! languages: the shell and its nav, the profile (name and picture, served by the
//! identity server and in the `picture` claim), the picture's limits, and CSRF on every
//! form.

use belf::auth::clients::service::NewClient;
use reqwest::StatusCode;

use crate::support::account::{
    FIREFOX_ON_WINDOWS, browser_as, picture_src, sign_in, submit, upload_picture,
};
use crate::support::authorize::code_for;
use crate::support::browser::Browser;
use crate::support::images::{self, GPS_LATITUDE};
use crate::support::jwt::unverified_claims;
use crate::support::token::exchange_code;
use crate::support::{LOGGED_OUT, PASSWORD, REDIRECT, TestAuth};

const NAV: [&str; 9] = [
    "/account",
    "/account/profile",
    "/account/password",
    "/account/email",
    "/account/two-step",
    "/account/providers",
    "/account/apps",
    "/account/sessions",
    "/account/delete",
];

#[tokio::test]
async fn the_account_shell_needs_a_session_links_every_part_and_speaks_korean() {
    let server = TestAuth::spawn().await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let anonymous = browser.get("/account").await;
    assert_eq!(anonymous.status, StatusCode::FOUND);
    assert_eq!(anonymous.location(), "/login");
    let home = browser.get("/").await;
    assert!(
        !home.body.contains("href=\"/account\""),
        "no link when signed out"
    );

    sign_in(&browser, "alice", PASSWORD).await;
    let home = browser.get("/").await;
    assert!(home.body.contains("href=\"/account\""), "{}", home.body);
    assert!(home.body.contains("Manage your account"));
    let overview = browser.get("/account").await;
    assert_eq!(overview.status, StatusCode::OK);
    let shown = overview.body.replace("&#x2f;", "/");
    for path in NAV {
        assert!(
            shown.contains(&format!("href=\"{path}\"")),
            "nav links {path}: {}",
            overview.body
        );
    }
    assert!(overview.body.contains("alice@example.com"));
    assert!(overview.body.contains("prefers-color-scheme:dark"));
    assert!(overview.body.contains("width=device-width"));

    let korean = browser_as(&server.base, FIREFOX_ON_WINDOWS, Some("ko-KR,ko;q=0.9"));
    sign_in(&korean, "alice", PASSWORD).await;
    let home = korean.get("/").await;
    assert!(home.body.contains("계정 관리"), "{}", home.body);
    let overview = korean.get("/account").await;
    assert!(overview.body.contains("내 계정"), "{}", overview.body);
    assert!(overview.body.contains("lang=\"ko\""));
    let refused = submit(
        &korean,
        "/account/profile",
        "/account/profile",
        &[("name", &"가".repeat(101))],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("이름은 100자 이하여야 합니다."),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn name_and_picture_are_saved_stripped_served_and_released_as_claims() {
    let server = TestAuth::spawn().await;
    server.user("alice", PASSWORD).await;
    let (client_id, secret) = server
        .client(NewClient {
            name: "Photo app".into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: vec![LOGGED_OUT.into()],
            ..Default::default()
        })
        .await;
    let secret = secret.expect("confidential");
    let browser = Browser::new(&server.base);
    sign_in(&browser, "alice", PASSWORD).await;

    let saved = submit(
        &browser,
        "/account/profile",
        "/account/profile",
        &[("name", "  Alice Kim  ")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::FOUND, "{}", saved.body);
    let profile = browser.get(saved.location()).await;
    assert!(
        profile.body.contains("value=\"Alice Kim\""),
        "{}",
        profile.body
    );
    assert!(profile.body.contains("Your name was saved."));
    let bad = submit(
        &browser,
        "/account/profile",
        "/account/profile",
        &[("name", "Alice\u{7}")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("control characters"), "{}", bad.body);

    let csrf = profile.input("csrf").expect("csrf");
    let jpeg = images::jpeg_with_gps();
    assert!(images::contains(&jpeg, &GPS_LATITUDE));
    let up = upload_picture(&browser, Some(&csrf), false, jpeg, "image/jpeg").await;
    assert_eq!(up.status, StatusCode::FOUND, "{}", up.body);
    let profile = browser.get("/account/profile").await;
    let url = picture_src(&profile).expect("the profile shows the picture");
    assert!(url.starts_with(&server.url("/account/picture/")), "{url}");
    let served = reqwest::get(&url).await.expect("picture");
    assert_eq!(served.status(), StatusCode::OK);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["cache-control"], "public, max-age=3600");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let bytes = served.bytes().await.expect("bytes");
    assert!(bytes.starts_with(&[0xFF, 0xD8]));
    assert!(
        !images::contains(&bytes, &GPS_LATITUDE),
        "EXIF GPS stripped"
    );
    assert!(!images::contains(&bytes, b"Alice Kim"), "XMP stripped");
    assert!(
        !images::contains(&bytes, b"taken at home"),
        "comment stripped"
    );
    assert!(
        images::contains(&bytes, images::SCAN_DATA),
        "the picture itself kept"
    );

    // The claims: in the ID token and at userinfo, with the `profile` scope only.
    let (code, verifier) = code_for(&browser, &client_id, "openid profile", "alice").await;
    let tokens = exchange_code(&server.base, (&client_id, &secret), &code, Some(&verifier))
        .await
        .ok();
    let id = unverified_claims(tokens["id_token"].as_str().expect("id_token"));
    assert_eq!(id["picture"].as_str(), Some(url.as_str()), "{id}");
    assert_eq!(id["name"].as_str(), Some("Alice Kim"));
    let info: serde_json::Value = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().expect("access token"))
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["picture"].as_str(), Some(url.as_str()), "{info}");
    let (code, verifier) = code_for(&browser, &client_id, "openid", "alice").await;
    let plain = exchange_code(&server.base, (&client_id, &secret), &code, Some(&verifier))
        .await
        .ok();
    let id = unverified_claims(plain["id_token"].as_str().expect("id_token"));
    assert!(
        id.get("picture").is_none(),
        "no profile scope, no picture: {id}"
    );

    // A new picture gets a new URL; the old one is gone. Removing it removes the claim.
    let png = images::png(0);
    let up = upload_picture(&browser, Some(&csrf), false, png, "image/png").await;
    assert_eq!(up.status, StatusCode::FOUND);
    let newer = picture_src(&browser.get("/account/profile").await).expect("new picture");
    assert_ne!(newer, url);
    assert_eq!(reqwest::get(&url).await.expect("old").status(), 404);
    let served = reqwest::get(&newer).await.expect("new");
    assert_eq!(served.headers()["content-type"], "image/png");
    let removed = submit(
        &browser,
        "/account/profile",
        "/account/profile/picture/remove",
        &[],
    )
    .await;
    assert_eq!(removed.status, StatusCode::FOUND);
    assert_eq!(reqwest::get(&newer).await.expect("removed").status(), 404);
    for junk in ["x", "../../etc/passwd", &"a".repeat(65), "%00"] {
        let res = reqwest::get(server.url(&format!("/account/picture/{junk}")))
            .await
            .expect("junk id");
        assert_eq!(res.status(), 404, "{junk}");
    }
}

#[tokio::test]
async fn picture_uploads_are_limited_by_size_and_real_type() {
    let server = TestAuth::spawn_with(&[("BELF_ACCOUNT__MAX_PICTURE_BYTES", "4096")]).await;
    server.user("alice", PASSWORD).await;
    let browser = Browser::new(&server.base);
    sign_in(&browser, "alice", PASSWORD).await;
    let csrf = browser
        .get("/account/profile")
        .await
        .input("csrf")
        .expect("csrf");

    let too_large = upload_picture(
        &browser,
        Some(&csrf),
        false,
        images::png(8_000),
        "image/png",
    )
    .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(too_large.body.contains("too large"), "{}", too_large.body);
    // Far past the limit: the body limit answers, still as a page with the message.
    let huge = upload_picture(
        &browser,
        Some(&csrf),
        false,
        vec![0xFF; 300_000],
        "image/jpeg",
    )
    .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", huge.body);
    assert!(huge.body.contains("too large"), "{}", huge.body);

    // A script declared as a JPEG is known by its bytes.
    let script =
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let wrong = upload_picture(&browser, Some(&csrf), false, script, "image/jpeg").await;
    assert_eq!(wrong.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        wrong.body.contains("Only JPEG, PNG or WebP"),
        "{}",
        wrong.body
    );
    let truncated = upload_picture(
        &browser,
        Some(&csrf),
        false,
        vec![0xFF, 0xD8, 0xFF, 0xE0],
        "image/jpeg",
    )
    .await;
    assert_eq!(truncated.status, StatusCode::BAD_REQUEST);
    assert!(
        truncated.body.contains("could not be read"),
        "{}",
        truncated.body
    );
    let empty = upload_picture(&browser, Some(&csrf), false, Vec::new(), "image/jpeg").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let not_multipart = browser
        .post("/account/profile/picture", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(not_multipart.status, StatusCode::BAD_REQUEST);

    // CSRF: missing, wrong, or only after the file (the file is never read first).
    let missing = upload_picture(&browser, None, false, images::png(0), "image/png").await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong_token =
        upload_picture(&browser, Some("00ff"), false, images::png(0), "image/png").await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    let late = upload_picture(&browser, Some(&csrf), true, images::png(0), "image/png").await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    let profile = browser.get("/account/profile").await;
    assert!(
        picture_src(&profile).is_none(),
        "nothing refused was stored"
    );
}

#[tokio::test]
async fn every_account_form_refuses_a_missing_or_foreign_csrf_token() {
    let server = TestAuth::spawn().await;
    server.user("alice", PASSWORD).await;
    server.user("mallory", PASSWORD).await;
    let browser = Browser::new(&server.base);
    sign_in(&browser, "alice", PASSWORD).await;
    // A token minted for another browser is as good as none.
    let attacker = Browser::new(&server.base);
    sign_in(&attacker, "mallory", PASSWORD).await;
    let foreign = attacker
        .get("/account/profile")
        .await
        .input("csrf")
        .expect("csrf");
    let forms: [(&str, &[(&str, &str)]); 7] = [
        ("/account/profile", &[("name", "Pwned")]),
        ("/account/profile/picture/remove", &[]),
        (
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new password"),
            ],
        ),
        ("/account/apps/revoke", &[("client_id", "x")]),
        ("/account/sessions/end", &[("sid", "x")]),
        ("/account/sessions/end-others", &[]),
        (
            "/account/delete",
            &[("confirm", "yes"), ("password", PASSWORD)],
        ),
    ];
    for (action, fields) in forms {
        let bare = browser.post(action, fields).await;
        assert_eq!(
            bare.status,
            StatusCode::FORBIDDEN,
            "{action} without a token"
        );
        let mut with_foreign = vec![("csrf", foreign.as_str())];
        with_foreign.extend_from_slice(fields);
        let forged = browser.post(action, &with_foreign).await;
        assert_eq!(
            forged.status,
            StatusCode::FORBIDDEN,
            "{action} with another's token"
        );
    }
    // Nothing happened: still signed in, same name, same password.
    let overview = browser.get("/account").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(!overview.body.contains("Pwned"));
    let again = Browser::new(&server.base);
    sign_in(&again, "alice", PASSWORD).await;
}
