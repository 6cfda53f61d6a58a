//! What a change to an account or a client does to what was already issued: a password
//! change or a disable ends sessions, refresh tokens and (at introspection and userinfo)
//! access tokens; re-enabling revives none of them; a removed client's tokens are inactive.

use crate::auth::accounts::users;
use crate::auth::clients::Client;
use crate::auth::oauth::grants::{TokenRequest, TokenResponse, token_endpoint};
use crate::auth::oauth::{authorize, code, introspection, session, userinfo};
use crate::auth::testing::{Fixture, params, pkce_pair};

/// Tokens for `username` through a code, with offline_access.
async fn tokens_for(fx: &Fixture, client: &Client, username: &str) -> TokenResponse {
    let user = fx.user(username).await;
    let (verifier, challenge) = pkce_pair();
    let p = params(&[
        ("client_id", client.client_id.as_str()),
        ("response_type", "code"),
        ("scope", "openid offline_access"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let (_, request) = authorize::parse(&fx.ctx, &p).await.expect("request");
    let code = code::issue(&fx.ctx, &request, &user.user_id, fx.now(), None, fx.now())
        .await
        .expect("code");
    let exchange = TokenRequest::AuthorizationCode {
        code,
        redirect_uri: None,
        code_verifier: Some(verifier),
        resource: vec![],
    };
    token_endpoint(&fx.ctx, client, exchange, None, fx.now())
        .await
        .expect("tokens")
}

async fn active(fx: &Fixture, caller: &Client, token: &str) -> bool {
    introspection::introspect(&fx.ctx, caller, token, fx.now())
        .await
        .expect("introspection answers")["active"]
        == true
}

async fn refreshes(fx: &Fixture, client: &Client, token: &str) -> bool {
    let request = TokenRequest::RefreshToken {
        refresh_token: token.to_owned(),
        scope: None,
        resource: vec![],
    };
    token_endpoint(&fx.ctx, client, request, None, fx.now())
        .await
        .is_ok()
}

#[tokio::test]
async fn a_password_change_ends_sessions_grants_and_access_tokens() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let tokens = tokens_for(&fx, &client, "dana").await;
    let user = users::lookup(&*fx.ctx.stores.users, "dana")
        .await
        .expect("user");
    let cookie = session::start_session(&fx.ctx, None, &user, fx.now())
        .await
        .expect("session")
        .0;
    assert!(active(&fx, &client, &tokens.access_token).await);
    let refresh = tokens.refresh_token.clone().expect("refresh token");
    assert!(active(&fx, &client, &refresh).await);

    fx.advance(5);
    users::set_password(
        &*fx.ctx.stores.users,
        &fx.ctx.passwords,
        "dana",
        "a new long password".into(),
        fx.clock.now_millis(),
    )
    .await
    .expect("password changed");

    let found = session::load_session(&fx.ctx, Some(&cookie))
        .await
        .expect("load");
    assert!(found.is_none(), "the old browser session is over");
    assert!(!active(&fx, &client, &tokens.access_token).await);
    assert!(!active(&fx, &client, &refresh).await);
    assert!(!refreshes(&fx, &client, &refresh).await);
    assert!(
        userinfo::userinfo(
            &fx.ctx,
            userinfo::Presented {
                token: &tokens.access_token,
                dpop_scheme: false,
                proofs: &[],
                method: "GET",
            },
            fx.now(),
        )
        .await
        .is_err()
    );

    // A session started after the change works.
    let user = users::lookup(&*fx.ctx.stores.users, "dana")
        .await
        .expect("user");
    let fresh = session::start_session(&fx.ctx, None, &user, fx.now())
        .await
        .expect("session")
        .0;
    assert!(
        session::load_session(&fx.ctx, Some(&fresh))
            .await
            .expect("load")
            .is_some()
    );
}

#[tokio::test]
async fn disabling_ends_everything_and_re_enabling_revives_nothing() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let tokens = tokens_for(&fx, &client, "eve").await;
    let user = users::lookup(&*fx.ctx.stores.users, "eve")
        .await
        .expect("user");
    let cookie = session::start_session(&fx.ctx, None, &user, fx.now())
        .await
        .expect("session")
        .0;
    let refresh = tokens.refresh_token.clone().expect("refresh token");
    let users_store = &*fx.ctx.stores.users;

    fx.advance(5);
    users_store
        .set_user_disabled(&user.user_id, true, fx.clock.now_millis())
        .await
        .expect("disabled");
    assert!(!active(&fx, &client, &tokens.access_token).await);
    fx.advance(5);
    users_store
        .set_user_disabled(&user.user_id, false, fx.clock.now_millis())
        .await
        .expect("enabled");

    assert!(
        session::load_session(&fx.ctx, Some(&cookie))
            .await
            .expect("load")
            .is_none()
    );
    assert!(!active(&fx, &client, &tokens.access_token).await);
    assert!(!refreshes(&fx, &client, &refresh).await);
}

#[tokio::test]
async fn a_removed_clients_tokens_are_inactive() {
    let fx = Fixture::new().await;
    let (client, _) = fx.client(false, &[]).await;
    let (resource, _) = fx.client(false, &["client_credentials"]).await;
    let tokens = tokens_for(&fx, &client, "finn").await;
    let refresh = tokens.refresh_token.clone().expect("refresh token");
    assert!(active(&fx, &resource, &tokens.access_token).await);
    fx.ctx
        .stores
        .clients
        .delete_client(&client.client_id)
        .await
        .expect("removed");
    assert!(!active(&fx, &resource, &tokens.access_token).await);
    assert!(!active(&fx, &resource, &refresh).await);
}
