use super::*;
use crate::auth::oauth::error::ErrorCode;
use crate::auth::oauth::grants::{TokenRequest, token_endpoint};
use crate::auth::testing::{Fixture, params};

#[test]
fn user_codes_are_typed_forgivingly_and_shown_in_two_halves() {
    assert_eq!(
        normalise_user_code("bcdf-ghjk").as_deref(),
        Some("BCDFGHJK")
    );
    assert_eq!(
        normalise_user_code(" BCDF GHJK ").as_deref(),
        Some("BCDFGHJK")
    );
    for bad in [
        "",
        "BCDF-GHJ",
        "BCDF-GHJKL",
        "ABCD-EFGH",
        "BCDF-GHJ1",
        "ㄱㄴㄷㄹ-ㅁㅂㅅㅇ",
    ] {
        assert_eq!(normalise_user_code(bad), None, "{bad}");
    }
    assert_eq!(display_user_code("BCDFGHJK"), "BCDF-GHJK");
    let code = new_user_code();
    assert_eq!(normalise_user_code(&code), Some(code.clone()));
}

async fn poll(fx: &Fixture, client: &Client, device_code: &str) -> Result<String, ErrorCode> {
    let request = TokenRequest::DeviceCode {
        device_code: device_code.to_owned(),
        resource: vec![],
    };
    token_endpoint(&fx.ctx, client, request, None, fx.now())
        .await
        .map(|r| r.access_token)
        .map_err(|e| e.code)
}

#[tokio::test]
async fn the_device_polls_until_the_person_answers_then_the_code_is_spent() {
    let fx = Fixture::new().await;
    let (client, _) = fx
        .client(
            true,
            &[
                "urn:ietf:params:oauth:grant-type:device_code",
                "refresh_token",
            ],
        )
        .await;
    let alice = fx.user("alice").await;
    let started = start(&fx.ctx, &client, &params(&[("scope", "openid")]), fx.now())
        .await
        .expect("device authorization");
    assert_eq!(started.interval, 5);
    assert!(
        started
            .verification_uri_complete
            .ends_with(&started.user_code)
    );

    assert_eq!(
        poll(&fx, &client, &started.device_code).await,
        Err(ErrorCode::AuthorizationPending)
    );
    // Too soon: slow_down, and the interval is now 10 s.
    fx.advance(3);
    assert_eq!(
        poll(&fx, &client, &started.device_code).await,
        Err(ErrorCode::PollSlowDown)
    );
    fx.advance(6);
    assert_eq!(
        poll(&fx, &client, &started.device_code).await,
        Err(ErrorCode::PollSlowDown),
        "6 s after the last poll is under the grown 10 s interval"
    );
    // Each poll too soon added 5 s: 15 s now.
    fx.advance(15);
    assert_eq!(
        poll(&fx, &client, &started.device_code).await,
        Err(ErrorCode::AuthorizationPending)
    );

    let typed = started.user_code.to_lowercase();
    let found = find(&fx.ctx, &typed, fx.now())
        .await
        .unwrap()
        .expect("found");
    let approved = Decision::Approved {
        user_id: alice.user_id.clone(),
        auth_time: fx.now(),
        amr: vec!["pwd".to_owned()],
    };
    assert!(answer(&fx.ctx, &found, &approved, fx.now()).await.unwrap());
    // Answered once: the code no longer finds anything, a second answer does not count.
    assert!(find(&fx.ctx, &typed, fx.now()).await.unwrap().is_none());
    assert!(
        !answer(&fx.ctx, &found, &Decision::Denied, fx.now())
            .await
            .unwrap()
    );

    fx.advance(15);
    let token = poll(&fx, &client, &started.device_code)
        .await
        .expect("tokens");
    let claims = fx.ctx.access_tokens.verify(&token, fx.now()).unwrap();
    assert_eq!(claims.sub, alice.user_id);
    fx.advance(15);
    assert_eq!(
        poll(&fx, &client, &started.device_code).await,
        Err(ErrorCode::InvalidGrant)
    );
}

#[tokio::test]
async fn denied_expired_and_foreign_device_codes_are_refused() {
    let fx = Fixture::new().await;
    let grants = ["urn:ietf:params:oauth:grant-type:device_code"];
    let (client, _) = fx.client(true, &grants).await;
    let (other, _) = fx.client(true, &grants).await;
    let (no_device, _) = fx.client(true, &[]).await;
    let no_device_start = start(&fx.ctx, &no_device, &params(&[]), fx.now()).await;
    assert_eq!(
        no_device_start.unwrap_err().code,
        ErrorCode::UnauthorizedClient
    );

    // Denied: access_denied once, then spent.
    let denied = start(&fx.ctx, &client, &params(&[]), fx.now())
        .await
        .unwrap();
    let found = find(&fx.ctx, &denied.user_code, fx.now())
        .await
        .unwrap()
        .unwrap();
    assert!(
        answer(&fx.ctx, &found, &Decision::Denied, fx.now())
            .await
            .unwrap()
    );
    assert_eq!(
        poll(&fx, &other, &denied.device_code).await,
        Err(ErrorCode::InvalidGrant),
        "another client's device code"
    );
    assert_eq!(
        poll(&fx, &client, &denied.device_code).await,
        Err(ErrorCode::AccessDenied)
    );
    fx.advance(5);
    assert_eq!(
        poll(&fx, &client, &denied.device_code).await,
        Err(ErrorCode::InvalidGrant)
    );

    // Expired: expired_token, and the user code no longer works.
    let late = start(&fx.ctx, &client, &params(&[]), fx.now())
        .await
        .unwrap();
    fx.advance(601);
    assert_eq!(
        poll(&fx, &client, &late.device_code).await,
        Err(ErrorCode::ExpiredToken)
    );
    assert!(
        find(&fx.ctx, &late.user_code, fx.now())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        poll(&fx, &client, "never-issued").await,
        Err(ErrorCode::InvalidGrant)
    );
}
