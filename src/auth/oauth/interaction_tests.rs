//! The login → consent → code state machine, step by step, on a manual clock.

use super::{Pending, Step, answer_consent, decide, load_pending};
use crate::auth::accounts::User;
use crate::auth::clients::Client;
use crate::auth::oauth::authorize;
use crate::auth::oauth::session::Session;
use crate::auth::testing::{Fixture, params, pkce_pair};

async fn pending(fx: &Fixture, client: &Client, extra: &[(&str, &str)]) -> Pending {
    let (_, challenge) = pkce_pair();
    let mut pairs = vec![
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", "https://app.example/cb"),
        ("response_type", "code"),
        ("scope", "openid profile"),
        ("state", "st-1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    // A `scope` in `extra` replaces the default one.
    if extra.iter().any(|(k, _)| *k == "scope") {
        pairs.retain(|(k, _)| *k != "scope");
    }
    pairs.extend_from_slice(extra);
    let (_, request) = authorize::parse(&fx.ctx, &params(&pairs))
        .await
        .expect("request parses");
    Pending {
        request,
        browser: crate::auth::tokens::handles::digest("browser-1"),
        login_done: false,
        consent_done: false,
    }
}

/// A browser session of a new user, started now.
async fn signed_in(fx: &Fixture, username: &str) -> (Session, User) {
    let user = fx.user(username).await;
    let session = Session {
        user_id: user.user_id.clone(),
        auth_time: fx.now(),
        started_at_ms: fx.clock.now_millis(),
        sid: "sid-of-test-session".into(),
        amr: vec!["pwd".into()],
    };
    (session, user)
}

fn redirect(step: Step) -> url::Url {
    match step {
        Step::Redirect(to) => to.parse().expect("url"),
        other => panic!("expected a redirect, got {other:?}"),
    }
}

fn query(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn without_a_session_the_person_logs_in_and_the_request_waits_for_this_browser() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let p = pending(&fx, &client, &[]).await;
    let step = decide(&fx.ctx, "ia-1", p, None, fx.now())
        .await
        .expect("step");
    assert!(matches!(step, Step::Login(ref id) if id == "ia-1"));
    assert!(
        load_pending(&fx.ctx, "ia-1", "browser-1")
            .await
            .expect("load")
            .is_some()
    );
    assert!(
        load_pending(&fx.ctx, "ia-1", "another-browser")
            .await
            .expect("load")
            .is_none()
    );
}

#[tokio::test]
async fn prompt_none_without_a_session_redirects_login_required_with_state_and_iss() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let p = pending(&fx, &client, &[("prompt", "none")]).await;
    let url = redirect(
        decide(&fx.ctx, "ia-2", p, None, fx.now())
            .await
            .expect("step"),
    );
    assert_eq!(query(&url, "error").as_deref(), Some("login_required"));
    assert_eq!(query(&url, "state").as_deref(), Some("st-1"));
    assert_eq!(query(&url, "iss").as_deref(), Some(&*fx.ctx.issuer));
    assert!(
        load_pending(&fx.ctx, "ia-2", "browser-1")
            .await
            .expect("load")
            .is_none()
    );
}

#[tokio::test]
async fn consent_is_asked_once_then_remembered_and_a_code_is_issued() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let session = signed_in(&fx, "ann").await;
    let p = pending(&fx, &client, &[]).await;
    let step = decide(&fx.ctx, "ia-3", p.clone(), Some(&session), fx.now())
        .await
        .expect("step");
    assert!(matches!(step, Step::Consent(_)));
    let url = redirect(
        answer_consent(&fx.ctx, "ia-3", p, &session, true, fx.now())
            .await
            .expect("step"),
    );
    assert!(query(&url, "code").is_some());
    assert_eq!(query(&url, "state").as_deref(), Some("st-1"));

    // The next request for the same scopes goes straight to a code.
    let p = pending(&fx, &client, &[]).await;
    let url = redirect(
        decide(&fx.ctx, "ia-4", p, Some(&session), fx.now())
            .await
            .expect("step"),
    );
    assert!(query(&url, "code").is_some());
}

#[tokio::test]
async fn a_denied_consent_redirects_access_denied() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let session = signed_in(&fx, "bob").await;
    let p = pending(&fx, &client, &[]).await;
    let url = redirect(
        answer_consent(&fx.ctx, "ia-5", p, &session, false, fx.now())
            .await
            .expect("step"),
    );
    assert_eq!(query(&url, "error").as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn max_age_sends_an_old_session_back_to_login_once_the_clock_passes_it() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let session = signed_in(&fx, "cat").await;
    let p = pending(&fx, &client, &[("max_age", "60")]).await;
    let step = decide(&fx.ctx, "ia-6", p.clone(), Some(&session), fx.now())
        .await
        .expect("step");
    assert!(matches!(step, Step::Consent(_)), "fresh session: {step:?}");
    fx.advance(61);
    let step = decide(&fx.ctx, "ia-7", p.clone(), Some(&session), fx.now())
        .await
        .expect("step");
    assert!(matches!(step, Step::Login(_)), "stale session: {step:?}");
    // A login inside this interaction satisfies max_age.
    let mut p = p;
    p.login_done = true;
    let step = decide(&fx.ctx, "ia-7", p, Some(&session), fx.now())
        .await
        .expect("step");
    assert!(matches!(step, Step::Consent(_)), "after login: {step:?}");
}

#[tokio::test]
async fn claims_requested_one_by_one_need_consent_like_their_scope() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let session = signed_in(&fx, "gus").await;
    let only_openid = [("scope", "openid")];
    // Consent to `openid` alone is remembered...
    let p = pending(&fx, &client, &only_openid).await;
    answer_consent(&fx.ctx, "ia-8", p, &session, true, fx.now())
        .await
        .expect("consent");
    // ...and does not cover the e-mail address asked for through `claims`.
    let email_claim = [
        ("scope", "openid"),
        ("claims", r#"{"id_token":{"email":null}}"#),
    ];
    let p = pending(&fx, &client, &email_claim).await;
    assert!(p.request.consent_scopes().contains("email"));
    let step = decide(&fx.ctx, "ia-9", p.clone(), Some(&session), fx.now())
        .await
        .expect("step");
    assert!(matches!(step, Step::Consent(_)), "{step:?}");
    let silent = pending(
        &fx,
        &client,
        &[email_claim[0], email_claim[1], ("prompt", "none")],
    )
    .await;
    let url = redirect(
        decide(&fx.ctx, "ia-10", silent, Some(&session), fx.now())
            .await
            .expect("step"),
    );
    assert_eq!(query(&url, "error").as_deref(), Some("consent_required"));

    // Once granted, it is remembered like the scope.
    answer_consent(&fx.ctx, "ia-9", p, &session, true, fx.now())
        .await
        .expect("consent");
    let granted = fx
        .ctx
        .stores
        .consents
        .granted_scopes(&session.0.user_id, &client.client_id)
        .await
        .expect("granted");
    assert!(granted.iter().any(|s| s == "email"), "{granted:?}");
}
