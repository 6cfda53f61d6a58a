//! Session ids (`sid`) across sign-ins, and which session ends tell which clients.

use super::*;
use crate::auth::clients::service::{self, NewClient};
use crate::auth::oidc::backchannel_logout;
use crate::auth::store::SessionClient;
use crate::auth::testing::Fixture;

/// A fixture whose back-channel deliveries fail at once (nothing listens at the client's
/// URI, one attempt), so each session end that reaches a client shows as one failure.
async fn fixture() -> (Fixture, String) {
    let fx = Fixture::with(&[("BELF_BACKCHANNEL_LOGOUT__MAX_ATTEMPTS", "1")]).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let uri = format!("http://{}/bcl", closed.local_addr().expect("addr"));
    drop(closed);
    let (client, _) = service::register(
        &*fx.ctx.stores.clients,
        &fx.ctx.known_scopes,
        NewClient {
            name: "told app".into(),
            redirect_uris: vec!["https://app.example/cb".into()],
            backchannel_logout_uri: Some(uri),
            ..Default::default()
        },
        fx.now(),
    )
    .await
    .expect("client");
    (fx, client.client_id.to_string())
}

async fn took_part(fx: &Fixture, session: &Session, client_id: &str) {
    fx.ctx
        .stores
        .session_clients
        .remember_session_client(
            &SessionClient {
                sid: session.sid.clone(),
                client_id: client_id.to_owned(),
                user_id: session.user_id.clone(),
            },
            session.started_at_ms,
            fx.now() + 3600,
        )
        .await
        .expect("remembered");
}

#[tokio::test]
async fn the_same_person_signing_in_again_keeps_the_sid_and_another_person_ends_the_session() {
    let (fx, client_id) = fixture().await;
    let worker = backchannel_logout::spawn_worker(fx.ctx.clone()).expect("worker");
    let (alice, bob) = (fx.user("alice").await, fx.user("bob").await);
    let (c1, first) = start_session(&fx.ctx, None, &alice, fx.now())
        .await
        .unwrap();
    assert!(first.sid().is_some());
    took_part(&fx, &first, &client_id).await;

    let (c2, again) = start_session(&fx.ctx, Some(&c1), &alice, fx.now())
        .await
        .unwrap();
    assert_ne!(c1, c2, "the cookie changes at every sign-in");
    assert_eq!(again.sid, first.sid, "the session's id does not");
    assert!(load_session(&fx.ctx, Some(&c1)).await.unwrap().is_none());
    fx.ctx.backchannel.flush().await;
    assert_eq!(
        fx.ctx.metrics.backchannel_logout_failed.get(),
        0,
        "nobody told"
    );

    // Bob signs in on Alice's browser: Alice's session ends, and its client is told.
    let (c3, bobs) = start_session(&fx.ctx, Some(&c2), &bob, fx.now())
        .await
        .unwrap();
    assert_ne!(bobs.sid, first.sid);
    fx.ctx.backchannel.flush().await;
    assert_eq!(fx.ctx.metrics.backchannel_logout_failed.get(), 1);
    let left = fx
        .ctx
        .stores
        .session_clients
        .take_session_clients(&first.sid);
    assert!(left.await.unwrap().is_empty(), "taken by the delivery");

    // Logging out ends Bob's session; it had no clients, so nobody is told.
    end_session(&fx.ctx, Some(&c3)).await.unwrap();
    fx.ctx.backchannel.flush().await;
    assert_eq!(fx.ctx.metrics.backchannel_logout_failed.get(), 1);
    assert!(load_session(&fx.ctx, Some(&c3)).await.unwrap().is_none());
    worker.abort();
}

#[tokio::test]
async fn a_person_s_sessions_are_taken_by_start_time_and_purged_when_expired() {
    let (fx, client_id) = fixture().await;
    let store = &fx.ctx.stores.session_clients;
    let row = |sid: &str, user: &str| SessionClient {
        sid: sid.into(),
        client_id: client_id.clone(),
        user_id: user.into(),
    };
    let now = fx.now();
    store
        .remember_session_client(&row("old", "u1"), 100, now + 60)
        .await
        .unwrap();
    // Idempotent: the same client in the same session again.
    store
        .remember_session_client(&row("old", "u1"), 100, now + 90)
        .await
        .unwrap();
    store
        .remember_session_client(&row("new", "u1"), 300, now + 60)
        .await
        .unwrap();
    store
        .remember_session_client(&row("other", "u2"), 100, now + 60)
        .await
        .unwrap();
    let taken = store.take_user_session_clients("u1", 200).await.unwrap();
    assert_eq!(taken, vec![row("old", "u1")]);
    assert!(
        store
            .take_user_session_clients("u1", 200)
            .await
            .unwrap()
            .is_empty()
    );
    fx.advance(61);
    assert_eq!(
        crate::auth::maintenance::purge_expired(&fx.ctx, 10)
            .await
            .unwrap(),
        2
    );
    assert!(store.take_session_clients("new").await.unwrap().is_empty());
}

#[tokio::test]
async fn nothing_is_queued_when_back_channel_logout_is_off() {
    let fx = Fixture::with(&[("BELF_BACKCHANNEL_LOGOUT__ENABLED", "false")]).await;
    assert!(backchannel_logout::spawn_worker(fx.ctx.clone()).is_none());
    let alice = fx.user("alice").await;
    let (cookie, _) = start_session(&fx.ctx, None, &alice, fx.now())
        .await
        .unwrap();
    end_session(&fx.ctx, Some(&cookie)).await.unwrap();
    assert_eq!(fx.ctx.metrics.backchannel_logout_failed.get(), 0);
}
