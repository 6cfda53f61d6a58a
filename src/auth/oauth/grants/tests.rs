//! The grants as functions, on a manual clock: every expiry and reuse rule without HTTP
//! and without sleeping.

use super::{TokenRequest, TokenResponse, token_endpoint};
use crate::auth::clients::Client;
use crate::auth::oauth::authorize;
use crate::auth::oauth::code;
use crate::auth::oauth::error::{ErrorCode, OAuthError};
use crate::auth::oauth::scope::Scopes;
use crate::auth::testing::{Fixture, params, pkce_pair};

/// A code for `client` and a new user, through the real request parser; returns
/// (code, verifier).
async fn code_for(fx: &Fixture, client: &Client, scope: &str) -> (String, String) {
    let user = fx
        .user(&uuid::Uuid::new_v4().simple().to_string()[..20])
        .await;
    let (verifier, challenge) = pkce_pair();
    let p = params(&[
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", "https://app.example/cb"),
        ("response_type", "code"),
        ("scope", scope),
        ("nonce", "n-1"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let (_, request) = authorize::parse(&fx.ctx, &p).await.expect("request parses");
    let code = code::issue(&fx.ctx, &request, &user.user_id, fx.now(), None, fx.now())
        .await
        .expect("code issued");
    (code, verifier)
}

async fn exchange(
    fx: &Fixture,
    client: &Client,
    code: &str,
    verifier: &str,
) -> Result<TokenResponse, OAuthError> {
    let request = TokenRequest::AuthorizationCode {
        code: code.to_owned(),
        redirect_uri: Some("https://app.example/cb".into()),
        code_verifier: Some(verifier.to_owned()),
        resource: vec![],
    };
    token_endpoint(&fx.ctx, client, request, None, fx.now()).await
}

async fn refresh(fx: &Fixture, client: &Client, token: &str) -> Result<TokenResponse, OAuthError> {
    let request = TokenRequest::RefreshToken {
        refresh_token: token.to_owned(),
        scope: None,
        resource: vec![],
    };
    token_endpoint(&fx.ctx, client, request, None, fx.now()).await
}

/// A refresh token and the successor it rotated into.
async fn rotated_once(fx: &Fixture, client: &Client) -> (String, String) {
    let (code, verifier) = code_for(fx, client, "openid offline_access").await;
    let first = exchange(fx, client, &code, &verifier)
        .await
        .expect("tokens");
    let r1 = first.refresh_token.expect("refresh token");
    let r2 = refresh(fx, client, &r1)
        .await
        .expect("rotated")
        .refresh_token
        .expect("new refresh token");
    (r1, r2)
}

fn code_of<T: std::fmt::Debug>(r: Result<T, OAuthError>) -> ErrorCode {
    r.expect_err("expected an OAuth error").code
}

#[tokio::test]
async fn a_code_is_exchanged_once_and_a_replay_revokes_what_it_gave() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let (code, verifier) = code_for(&fx, &client, "openid offline_access").await;
    let first = exchange(&fx, &client, &code, &verifier)
        .await
        .expect("tokens");
    assert!(first.id_token.is_some());
    let refresh_token = first
        .refresh_token
        .expect("offline_access gives a refresh token");

    let replay = exchange(&fx, &client, &code, &verifier).await;
    assert_eq!(code_of(replay), ErrorCode::InvalidGrant);
    // The grant the first exchange created is gone with it.
    assert_eq!(
        code_of(refresh(&fx, &client, &refresh_token).await),
        ErrorCode::InvalidGrant
    );
}

#[tokio::test]
async fn a_code_expires_on_the_clock() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let ttl = fx.ctx.config.tokens.authorization_code_ttl_secs;
    let (code, verifier) = code_for(&fx, &client, "openid").await;
    fx.advance(ttl);
    let err = exchange(&fx, &client, &code, &verifier)
        .await
        .expect_err("expired");
    assert_eq!(err.code, ErrorCode::InvalidGrant);
    assert!(err.description.contains("expired"), "{}", err.description);

    // One second before the deadline it still works.
    let (code, verifier) = code_for(&fx, &client, "openid").await;
    fx.advance(ttl - 1);
    assert!(exchange(&fx, &client, &code, &verifier).await.is_ok());
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_and_its_verifier() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let (other, _) = fx.client(false, &[]).await;
    let (code, verifier) = code_for(&fx, &client, "openid").await;
    assert_eq!(
        code_of(exchange(&fx, &other, &code, &verifier).await),
        ErrorCode::InvalidGrant
    );
    let (code, _) = code_for(&fx, &client, "openid").await;
    let (wrong_verifier, _) = pkce_pair();
    assert_eq!(
        code_of(exchange(&fx, &client, &code, &wrong_verifier).await),
        ErrorCode::InvalidGrant
    );
}

#[tokio::test]
async fn by_default_a_reused_refresh_token_revokes_the_family_at_once() {
    let fx = Fixture::new().await;
    assert_eq!(
        fx.ctx.config.tokens.refresh_reuse_grace_ms, 0,
        "strict by default"
    );
    let (client, _) = fx.client(false, &[]).await;
    let (r1, r2) = rotated_once(&fx, &client).await;
    assert_ne!(r1, r2);
    // The very same instant: no window, so this is reuse.
    assert_eq!(
        code_of(refresh(&fx, &client, &r1).await),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code_of(refresh(&fx, &client, &r2).await),
        ErrorCode::InvalidGrant
    );
}

#[tokio::test]
async fn within_the_grace_window_a_reuse_gets_the_same_successor_and_after_it_revokes() {
    let fx = Fixture::with(&[("BELF_TOKENS__REFRESH_REUSE_GRACE_MS", "1500")]).await;
    let (client, _) = fx.client(false, &[]).await;
    let (r1, r2) = rotated_once(&fx, &client).await;

    fx.clock.advance(std::time::Duration::from_millis(1000));
    let again = refresh(&fx, &client, &r1).await.expect("second tab");
    assert_eq!(
        again.refresh_token.as_deref(),
        Some(r2.as_str()),
        "the same successor, not a new one"
    );
    assert!(!again.access_token.is_empty());

    // Past the window (and its one-second rounding margin), the same replay is theft.
    fx.clock.advance(std::time::Duration::from_millis(1600));
    assert_eq!(
        code_of(refresh(&fx, &client, &r1).await),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code_of(refresh(&fx, &client, &r2).await),
        ErrorCode::InvalidGrant
    );
}

#[tokio::test]
async fn a_refresh_token_expires_on_the_clock_and_is_bound_to_its_client() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let (other, _) = fx.client(false, &[]).await;
    let (code, verifier) = code_for(&fx, &client, "openid offline_access").await;
    let r1 = exchange(&fx, &client, &code, &verifier)
        .await
        .expect("tokens")
        .refresh_token
        .expect("refresh token");
    assert_eq!(
        code_of(refresh(&fx, &other, &r1).await),
        ErrorCode::InvalidGrant
    );
    fx.advance(fx.ctx.config.tokens.refresh_token_ttl_secs);
    assert_eq!(
        code_of(refresh(&fx, &client, &r1).await),
        ErrorCode::InvalidGrant
    );
}

#[tokio::test]
async fn client_credentials_is_for_confidential_clients_and_carries_no_user_scope() {
    let fx = Fixture::new().await;
    let (machine, _) = fx.client(false, &["client_credentials"]).await;
    let (public, _) = fx.client(true, &[]).await;
    let grant = |scope: &str| TokenRequest::ClientCredentials {
        scope: Scopes::parse(Some(scope)).expect("scope"),
        resource: vec![],
    };
    let ok = token_endpoint(&fx.ctx, &machine, grant(""), None, fx.now())
        .await
        .expect("token");
    assert!(ok.refresh_token.is_none() && ok.id_token.is_none());
    assert_eq!(
        code_of(token_endpoint(&fx.ctx, &machine, grant("openid"), None, fx.now()).await),
        ErrorCode::InvalidScope
    );
    assert_eq!(
        code_of(token_endpoint(&fx.ctx, &public, grant(""), None, fx.now()).await),
        ErrorCode::UnauthorizedClient
    );
}

#[test]
fn token_requests_are_parsed_by_grant_type() {
    let parse = |pairs: &[(&str, &str)]| TokenRequest::parse(&params(pairs));
    assert!(matches!(
        parse(&[("grant_type", "authorization_code"), ("code", "c")]),
        Ok(TokenRequest::AuthorizationCode { .. })
    ));
    assert_eq!(
        code_of(parse(&[("grant_type", "authorization_code")])),
        ErrorCode::InvalidRequest
    );
    assert_eq!(
        code_of(parse(&[("grant_type", "password")])),
        ErrorCode::UnsupportedGrantType
    );
    assert_eq!(code_of(parse(&[])), ErrorCode::InvalidRequest);
    assert_eq!(
        code_of(parse(&[
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials")
        ])),
        ErrorCode::InvalidRequest
    );
}
