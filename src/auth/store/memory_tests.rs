use super::*;

fn caps(n: usize) -> MemoryStoreConfig {
    MemoryStoreConfig {
        sessions: n,
        interactions: n,
        authorization_codes: n,
        spent_codes: n,
        revoked_access_tokens: n,
        revoked_grants: n,
        grant_claims: n,
        refresh_successors: n,
        throttle: n,
        device_codes: n,
        pushed_requests: n,
        dpop_proofs: n,
        client_assertions: n,
    }
}

#[tokio::test]
async fn take_is_single_use_and_ttl_expires() {
    let store = MemoryStore::new();
    store
        .put(Namespace::AuthorizationCode, "k", "v", 60)
        .await
        .unwrap();
    assert_eq!(
        store
            .get(Namespace::AuthorizationCode, "k")
            .await
            .unwrap()
            .as_deref(),
        Some("v")
    );
    // Namespaces do not collide.
    assert_eq!(store.get(Namespace::Session, "k").await.unwrap(), None);
    assert_eq!(
        store
            .take(Namespace::AuthorizationCode, "k")
            .await
            .unwrap()
            .as_deref(),
        Some("v")
    );
    assert_eq!(
        store.take(Namespace::AuthorizationCode, "k").await.unwrap(),
        None
    );
    store.put(Namespace::Session, "e", "v", 0).await.unwrap();
    assert_eq!(store.get(Namespace::Session, "e").await.unwrap(), None);
}

#[tokio::test]
async fn a_full_interaction_space_pushes_out_its_oldest() {
    let store = MemoryStore::with_limits(&caps(10));
    for n in 0..25 {
        store
            .put(Namespace::Interaction, &format!("ia{n}"), "pending", 600)
            .await
            .unwrap();
        assert!(store.len(Namespace::Interaction) <= 10);
    }
    assert_eq!(
        store.get(Namespace::Interaction, "ia14").await.unwrap(),
        None
    );
    for n in 15..25 {
        let key = format!("ia{n}");
        assert!(
            store
                .get(Namespace::Interaction, &key)
                .await
                .unwrap()
                .is_some(),
            "{key}"
        );
    }
    // Replacing an entry does not push anything out.
    store
        .put(Namespace::Interaction, "ia15", "again", 600)
        .await
        .unwrap();
    assert!(
        store
            .get(Namespace::Interaction, "ia16")
            .await
            .unwrap()
            .is_some()
    );
    // Other namespaces are not affected by this one's cap.
    store.put(Namespace::Session, "s", "v", 600).await.unwrap();
    assert_eq!(store.len(Namespace::Interaction), 10);
}

#[tokio::test]
async fn a_full_security_space_refuses_rather_than_forgets() {
    let store = MemoryStore::with_limits(&caps(3));
    for n in 0..3 {
        store
            .put(Namespace::RevokedJti, &format!("jti{n}"), "1", 600)
            .await
            .unwrap();
        store
            .incr(Namespace::Throttle, &format!("fail:{n}"), 600)
            .await
            .unwrap();
    }
    assert!(matches!(
        store.put(Namespace::RevokedJti, "jti3", "1", 600).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(
        store
            .incr(Namespace::Throttle, "fail:3", 600)
            .await
            .is_err()
    );
    // Every revocation is still there; existing counters still count.
    for n in 0..3 {
        assert!(
            store
                .get(Namespace::RevokedJti, &format!("jti{n}"))
                .await
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(
        store
            .incr(Namespace::Throttle, "fail:0", 600)
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn expired_entries_make_room_without_a_full_sweep() {
    let store = MemoryStore::with_limits(&caps(5));
    // Entries that expire at once never fill a space, however many come.
    for n in 0..1000 {
        store
            .put(Namespace::RevokedJti, &format!("gone{n}"), "1", 0)
            .await
            .unwrap();
        assert!(store.len(Namespace::RevokedJti) <= 5);
    }
    // And expired ones go before anything is refused.
    for n in 0..5 {
        store
            .put(Namespace::RevokedJti, &format!("kept{n}"), "1", 600)
            .await
            .unwrap();
    }
    assert_eq!(store.len(Namespace::RevokedJti), 5);
}

#[tokio::test]
async fn counters_keep_their_window_and_restart_after_it() {
    let store = MemoryStore::new();
    assert_eq!(store.incr(Namespace::Throttle, "c", 600).await.unwrap(), 1);
    assert_eq!(store.incr(Namespace::Throttle, "c", 1).await.unwrap(), 2);
    assert_eq!(store.incr(Namespace::Throttle, "gone", 0).await.unwrap(), 1);
    assert_eq!(store.incr(Namespace::Throttle, "gone", 0).await.unwrap(), 1);
}
