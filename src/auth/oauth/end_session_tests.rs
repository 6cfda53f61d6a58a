//! The logout decision: its table, then the whole request on a fixture.

use super::*;
use crate::auth::accounts::User;
use crate::auth::clients::service::{self, NewClient};
use crate::auth::clients::{ClientId, RedirectUri};
use crate::auth::oauth::session::{load_session, start_session};
use crate::auth::oidc::id_token::IdTokenRequest;
use crate::auth::testing::Fixture;

const ISSUER: &str = "https://id.example";
const RETURN: &str = "https://app.example/bye";

fn hint(sub: &str, aud: &[&str]) -> Hint {
    Hint {
        sub: sub.to_owned(),
        aud: aud.iter().map(|a| (*a).to_owned()).collect(),
    }
}

fn client(post_logout: &[&str]) -> Client {
    let uri = |u: &str| RedirectUri::parse(u, false).expect("a valid URI");
    Client {
        client_id: ClientId::parse("app").expect("a valid id"),
        name: "App".to_owned(),
        secret_hash: None,
        redirect_uris: vec![uri("https://app.example/cb")],
        post_logout_redirect_uris: post_logout.iter().map(|u| uri(u)).collect(),
        grant_types: Vec::new(),
        scopes: Vec::new(),
        access_token_alg: None,
        id_token_alg: None,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        require_par: false,
        client_keys: None,
        dpop_bound_access_tokens: false,
        provenance: Default::default(),
        display: Default::default(),
        created_at: 0,
    }
}

type Case<'a> = (
    Option<&'a str>,
    Option<&'a Hint>,
    Result<Option<&'a str>, Rejection>,
);

#[test]
fn the_client_is_client_id_else_the_hints_first_audience() {
    let both = hint("alice", &["app", "other"]);
    // (client_id, hint) → the client named, or why not
    let cases: [Case; 5] = [
        (None, None, Ok(None)),
        (Some("app"), None, Ok(Some("app"))),
        (None, Some(&both), Ok(Some("app"))),
        (Some("other"), Some(&both), Ok(Some("other"))),
        (Some("evil"), Some(&both), Err(Rejection::ClientMismatch)),
    ];
    for (client_id, hint, expected) in cases {
        assert_eq!(
            named_client(client_id, hint),
            expected,
            "client_id {client_id:?}, hint {hint:?}"
        );
    }
}

#[test]
fn a_hint_without_audience_names_no_client() {
    let empty = hint("alice", &[]);
    assert_eq!(named_client(None, Some(&empty)), Ok(None));
}

#[test]
fn only_a_registered_return_address_is_followed() {
    let registered = client(&[RETURN]);
    assert_eq!(
        return_address(Some(&registered), RETURN, Some("xyz"), ISSUER),
        Ok(format!(
            "{RETURN}?state=xyz&iss={}",
            "https%3A%2F%2Fid.example"
        ))
    );
    assert_eq!(
        return_address(Some(&registered), RETURN, None, ISSUER),
        Ok(format!("{RETURN}?iss=https%3A%2F%2Fid.example"))
    );
    for uri in ["https://evil.example/bye", "https://app.example/bye/", ""] {
        assert_eq!(
            return_address(Some(&registered), uri, None, ISSUER),
            Err(Rejection::UnregisteredReturnUri),
            "{uri}"
        );
    }
    assert_eq!(
        return_address(Some(&client(&[])), RETURN, None, ISSUER),
        Err(Rejection::UnregisteredReturnUri)
    );
    // No client named (no client_id, no hint), or an unknown one.
    assert_eq!(
        return_address(None, RETURN, None, ISSUER),
        Err(Rejection::UnregisteredReturnUri)
    );
}

#[test]
fn confirmation_is_asked_unless_confirmed_or_hinted_for_the_sessions_user() {
    let alice = hint("alice", &["app"]);
    let bob = hint("bob", &["app"]);
    // (hint, session user, confirmed) → must confirm
    let cases = [
        (None, "alice", false, true),
        (None, "alice", true, false),
        (Some(&alice), "alice", false, false),
        (Some(&bob), "alice", false, true),
        (Some(&bob), "alice", true, false),
    ];
    for (hint, user, confirmed, expected) in cases {
        assert_eq!(
            must_confirm(hint, user, confirmed),
            expected,
            "hint {hint:?}, session of {user}, confirmed {confirmed}"
        );
    }
}

// The whole request, on a real context: what it does to the session.

/// A fixture with a client that registered `RETURN`, and alice signed in (her cookie).
async fn signed_in() -> (Fixture, Client, User, String) {
    let fx = Fixture::new().await;
    let (client, _) = service::register(
        &*fx.ctx.stores.clients,
        &fx.ctx.known_scopes,
        NewClient {
            name: "app".into(),
            redirect_uris: vec!["https://app.example/cb".into()],
            post_logout_redirect_uris: vec![RETURN.into()],
            ..Default::default()
        },
        fx.now(),
    )
    .await
    .expect("client registers");
    let alice = fx.user("alice").await;
    let cookie = start_session(&fx.ctx, None, &alice, fx.now())
        .await
        .expect("session")
        .0;
    (fx, client, alice, cookie)
}

fn id_token(fx: &Fixture, client: &Client, user: &User) -> String {
    let mut claims = serde_json::Map::new();
    claims.insert("sub".into(), user.user_id.clone().into());
    fx.ctx
        .id_tokens
        .mint(
            IdTokenRequest {
                client_id: client.client_id.as_str(),
                nonce: None,
                auth_time: fx.now(),
                claims,
                access_token: None,
                code: None,
                sid: None,
                amr: &[],
                alg: client.id_token_alg,
            },
            fx.now(),
        )
        .expect("id token")
}

async fn session_open(fx: &Fixture, cookie: &str) -> bool {
    load_session(&fx.ctx, Some(cookie))
        .await
        .expect("load")
        .is_some()
}

#[tokio::test]
async fn a_hint_for_the_sessions_user_ends_it_and_returns_to_the_registered_address() {
    let (fx, client, alice, cookie) = signed_in().await;
    let hint = id_token(&fx, &client, &alice);
    let request = LogoutRequest {
        id_token_hint: Some(&hint),
        post_logout_redirect_uri: Some(RETURN),
        state: Some("xyz"),
        ..Default::default()
    };
    let outcome = logout(&fx.ctx, &request, Some(&cookie))
        .await
        .expect("logout");
    let EndSession::Done {
        redirect: Some(url),
    } = outcome
    else {
        panic!("expected a redirect, got {outcome:?}");
    };
    assert!(
        url.starts_with(&format!("{RETURN}?state=xyz&iss=")),
        "{url}"
    );
    assert!(!session_open(&fx, &cookie).await);
}

#[tokio::test]
async fn without_a_hint_the_person_confirms_first() {
    let (fx, _, _, cookie) = signed_in().await;
    let ask = LogoutRequest::default();
    assert_eq!(
        logout(&fx.ctx, &ask, Some(&cookie)).await.expect("logout"),
        EndSession::Confirm {
            username: "alice".into()
        }
    );
    assert!(session_open(&fx, &cookie).await, "asking changes nothing");
    let confirmed = LogoutRequest {
        confirmed: true,
        ..Default::default()
    };
    assert_eq!(
        logout(&fx.ctx, &confirmed, Some(&cookie))
            .await
            .expect("logout"),
        EndSession::Done { redirect: None }
    );
    assert!(!session_open(&fx, &cookie).await);
}

#[tokio::test]
async fn a_refused_request_leaves_the_session_alone() {
    let (fx, client, alice, cookie) = signed_in().await;
    let hint = id_token(&fx, &client, &alice);
    let refused = [
        (
            LogoutRequest {
                id_token_hint: Some("not.a.token"),
                ..Default::default()
            },
            Rejection::InvalidHint,
        ),
        (
            LogoutRequest {
                id_token_hint: Some(&hint),
                client_id: Some("someone-else"),
                ..Default::default()
            },
            Rejection::ClientMismatch,
        ),
        (
            LogoutRequest {
                id_token_hint: Some(&hint),
                post_logout_redirect_uri: Some("https://evil.example/bye"),
                ..Default::default()
            },
            Rejection::UnregisteredReturnUri,
        ),
        (
            // No client named at all: no return address can be trusted.
            LogoutRequest {
                post_logout_redirect_uri: Some(RETURN),
                confirmed: true,
                ..Default::default()
            },
            Rejection::UnregisteredReturnUri,
        ),
    ];
    for (request, why) in refused {
        assert_eq!(
            logout(&fx.ctx, &request, Some(&cookie))
                .await
                .expect("logout"),
            EndSession::Reject(why)
        );
        assert!(session_open(&fx, &cookie).await, "{why:?}");
    }
}

#[tokio::test]
async fn without_a_session_there_is_nothing_to_confirm() {
    let fx = Fixture::new().await;
    assert_eq!(
        logout(&fx.ctx, &LogoutRequest::default(), None)
            .await
            .expect("logout"),
        EndSession::Done { redirect: None }
    );
}
