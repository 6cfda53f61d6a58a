//! CSRF on every form, and back-channel logout: a logout token from the issuer ends the
//! person's sessions; anything less than a valid one changes nothing.

use std::sync::Arc;

use belf::web::session::{Secret, SessionData, SessionId, SessionStore, SignedIn};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::web::TestWeb;
use crate::support::{FakeIssuer, TestAuth, TestKey, now, test_keys};

#[tokio::test]
async fn a_form_without_the_session_s_csrf_token_changes_nothing() {
    let web = TestWeb::spawn().await;
    let alice = web.signed_in("alice").await;
    let bob = web.signed_in("bob").await;
    let bobs_token = bob.get("/today").await.input("csrf").expect("csrf");
    let fields = [
        ("title", "Forged"),
        ("colour", "green"),
        ("start_date", "2026-01-01"),
    ];
    // Missing, wrong, and another session's token.
    for csrf in [None, Some("0000"), Some(bobs_token.as_str())] {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if let Some(c) = csrf {
            form.push(("csrf", c));
        }
        let refused = alice.post("/courses", &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{csrf:?}");
        assert!(
            refused.body.contains("did not come from this site"),
            "{}",
            refused.body
        );
    }
    assert!(!alice.get("/courses").await.body.contains("Forged"));
    // Signing out also needs it: a cross-site post cannot sign anyone out.
    assert_eq!(
        alice.post("/logout", &[("csrf", "0000")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        alice.get("/today").await.status,
        StatusCode::OK,
        "still signed in"
    );
    for path in [
        "/today/done",
        "/today/undo",
        "/today/offset",
        "/courses/x/delete",
        "/courses/x/like",
        "/courses/x/fork",
        "/courses/x/todos",
    ] {
        assert_eq!(
            alice.post(path, &[("csrf", "0000")]).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

/// A signed-in session for `sub` (and `sid`), put straight into the store.
async fn session_for(sessions: &Arc<dyn SessionStore>, sub: &str, sid: Option<&str>) -> SessionId {
    let id = SessionId::generate();
    let mut data = SessionData::new();
    data.user = Some(SignedIn {
        sub: sub.into(),
        sid: sid.map(str::to_owned),
        name: None,
        email: None,
        access_token: Secret::new("not-used"),
        access_expires_at: now() + 3600,
        refresh_token: None,
        id_token: Secret::new("not-used"),
    });
    let n = now();
    data.expires_at = n + 3600;
    sessions.save(&id, &data, n, n + 3600).await.expect("saved");
    id
}

async fn signed_in(web: &TestWeb, id: &SessionId) -> bool {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/", web.base))
        .header("cookie", format!("belf_web={}", id.cookie_value()))
        .send()
        .await
        .expect("GET /");
    res.status() == StatusCode::SEE_OTHER
}

async fn post_logout_token(web: &TestWeb, token: &str) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{}/backchannel-logout", web.base))
        .form(&[("logout_token", token)])
        .send()
        .await
        .expect("POST")
        .status()
}

fn logout_claims(issuer: &FakeIssuer, aud: &str, sub: &str) -> Value {
    json!({
        "iss": issuer.url,
        "aud": aud,
        "iat": now(),
        "exp": now() + 120,
        "jti": uuid::Uuid::new_v4().to_string(),
        "sub": sub,
        "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
    })
}

#[tokio::test]
async fn a_valid_logout_token_ends_the_person_s_sessions_and_nothing_else_does() {
    let issuer = FakeIssuer::start().await;
    let web = TestWeb::spawn_with_issuer(TestAuth::spawn().await, Some(&issuer.url)).await;
    let aud = web.client_id.clone();
    let keys = test_keys();
    let alice = session_for(&web.sessions, "alice-sub", Some("sid-1")).await;
    let bob = session_for(&web.sessions, "bob-sub", None).await;
    assert!(signed_in(&web, &alice).await && signed_in(&web, &bob).await);

    let valid = logout_claims(&issuer, &aud, "alice-sub");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = valid.clone();
        f(&mut c);
        c
    };
    let stranger = TestKey::ec("stranger");
    let refused: Vec<(&str, String)> = vec![
        ("not a JWT", "abc".into()),
        ("typ is not logout+jwt", keys.rsa.sign(Some("JWT"), &valid)),
        ("an access token", keys.ec.sign_at(&valid)),
        (
            "another audience",
            keys.rsa.sign(
                Some("logout+jwt"),
                &with(&|c| c["aud"] = json!("someone-else")),
            ),
        ),
        (
            "another issuer",
            keys.rsa.sign(
                Some("logout+jwt"),
                &with(&|c| c["iss"] = json!("http://evil.example")),
            ),
        ),
        (
            "no event",
            keys.rsa
                .sign(Some("logout+jwt"), &with(&|c| c["events"] = json!({}))),
        ),
        (
            "a nonce",
            keys.rsa
                .sign(Some("logout+jwt"), &with(&|c| c["nonce"] = json!("n"))),
        ),
        (
            "neither sub nor sid",
            keys.rsa.sign(
                Some("logout+jwt"),
                &with(&|c| {
                    c.as_object_mut().map(|o| o.remove("sub"));
                }),
            ),
        ),
        (
            "issued long ago",
            keys.rsa.sign(
                Some("logout+jwt"),
                &with(&|c| c["iat"] = json!(now() - 3600)),
            ),
        ),
        (
            "expired",
            keys.rsa
                .sign(Some("logout+jwt"), &with(&|c| c["exp"] = json!(now() - 10))),
        ),
        (
            "a key the issuer does not publish",
            stranger.sign(Some("logout+jwt"), &valid),
        ),
    ];
    for (why, token) in &refused {
        assert_eq!(
            post_logout_token(&web, token).await,
            StatusCode::BAD_REQUEST,
            "{why}"
        );
        assert!(
            signed_in(&web, &alice).await,
            "{why}: the session must survive"
        );
    }
    assert_eq!(post_logout_token(&web, "").await, StatusCode::BAD_REQUEST);

    // Valid, signed by any of the issuer's keys.
    let token = keys.ed.sign(Some("logout+jwt"), &valid);
    assert_eq!(post_logout_token(&web, &token).await, StatusCode::OK);
    assert!(!signed_in(&web, &alice).await, "alice's session ended");
    assert!(signed_in(&web, &bob).await, "bob's did not");
    // A token naming sub and sid ends only that identity-server session.
    let b1 = session_for(&web.sessions, "bob-sub", Some("sid-b1")).await;
    let mut by_sid = logout_claims(&issuer, &aud, "bob-sub");
    by_sid["sid"] = json!("sid-other");
    assert_eq!(
        post_logout_token(&web, &keys.rsa.sign(Some("logout+jwt"), &by_sid)).await,
        StatusCode::OK
    );
    assert!(signed_in(&web, &b1).await, "another sid: untouched");
    by_sid["sid"] = json!("sid-b1");
    by_sid["jti"] = json!("second");
    assert_eq!(
        post_logout_token(&web, &keys.rsa.sign(Some("logout+jwt"), &by_sid)).await,
        StatusCode::OK
    );
    assert!(!signed_in(&web, &b1).await);
}

#[tokio::test]
async fn signing_out_at_the_identity_server_ends_the_web_session_through_the_back_channel() {
    let web = TestWeb::spawn().await;
    let b = web.signed_in("alice").await;
    let user = b
        .session(&web)
        .await
        .and_then(|s| s.user)
        .expect("signed in");
    assert!(
        user.sid.is_some(),
        "the ID token names the identity server's session"
    );
    // The person signs out on the identity server's own page (not through the web app).
    let auth = crate::support::browser::Browser {
        http: b.http.clone(),
        base: web.auth.base.clone(),
    };
    let confirm = auth.get("/logout").await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let csrf = confirm.input("csrf").expect("confirmation form");
    let done = auth
        .post("/logout", &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    // The logout token arrives in the background; the web session ends.
    let mut ended = false;
    for _ in 0..50 {
        if b.session(&web).await.is_none() {
            ended = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ended, "the back-channel logout ended the web session");
    assert_eq!(b.get("/today").await.status, StatusCode::SEE_OTHER);
}
