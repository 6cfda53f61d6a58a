use super::*;
use crate::auth::testing::Fixture;

async fn user(fx: &Fixture, name: &str) -> crate::auth::accounts::User {
    crate::auth::accounts::users::create_user(
        &*fx.ctx.stores.users,
        &fx.ctx.passwords,
        crate::auth::accounts::users::NewUser {
            username: name.into(),
            email: format!("{name}@example.com"),
            name: None,
            password: "correct horse battery".into(),
        },
        fx.now(),
    )
    .await
    .expect("user")
}

#[tokio::test]
async fn a_link_works_once_and_not_after_it_expires() {
    let fx = Fixture::new().await;
    // A link belongs to an account (it goes with it: the foreign key).
    let u1 = fx.user("linkowner").await.user_id;
    let links = &*fx.ctx.stores.email_links;
    let now = fx.now();
    let (token, link) = new_link(
        LinkPurpose::PasswordReset,
        Some(&u1),
        "a@example.com",
        now,
        60,
    );
    assert_ne!(link.token_hash, token, "only the digest is stored");
    links.insert_link(&link).await.expect("insert");
    let hash = presented_digest(&token).expect("plausible");
    // Another purpose does not find it.
    assert!(
        links
            .find_link(&hash, LinkPurpose::Verify, now)
            .await
            .expect("find")
            .is_none()
    );
    assert!(
        links
            .find_link(&hash, LinkPurpose::PasswordReset, now)
            .await
            .expect("find")
            .is_some()
    );
    assert!(
        links
            .take_link(&hash, LinkPurpose::PasswordReset, now)
            .await
            .expect("take")
            .is_some()
    );
    assert!(
        links
            .take_link(&hash, LinkPurpose::PasswordReset, now)
            .await
            .expect("take")
            .is_none()
    );

    let (token, link) = new_link(
        LinkPurpose::PasswordReset,
        Some(&u1),
        "a@example.com",
        now,
        60,
    );
    links.insert_link(&link).await.expect("insert");
    let hash = presented_digest(&token).expect("plausible");
    fx.advance(61);
    assert!(
        links
            .take_link(&hash, LinkPurpose::PasswordReset, fx.now())
            .await
            .expect("take")
            .is_none()
    );
    assert_eq!(links.purge_links(fx.now(), 10).await.expect("purge"), 2);
}

#[tokio::test]
async fn forged_tokens_cost_no_query_and_newer_links_void_older_ones() {
    for forged in [
        "",
        "short",
        "has spaces in it but is long enough",
        &"x".repeat(500),
    ] {
        assert!(presented_digest(forged).is_none(), "{forged}");
    }
    let fx = Fixture::new().await;
    let u1 = fx.user("linkowner").await.user_id;
    let links = &*fx.ctx.stores.email_links;
    let now = fx.now();
    let (old, link) = new_link(LinkPurpose::Verify, Some(&u1), "a@example.com", now, 60);
    links.insert_link(&link).await.expect("insert");
    assert_eq!(
        links
            .void_links(&u1, LinkPurpose::Verify, now)
            .await
            .expect("void"),
        1
    );
    let hash = presented_digest(&old).expect("plausible");
    assert!(
        links
            .find_link(&hash, LinkPurpose::Verify, now)
            .await
            .expect("find")
            .is_none()
    );
}

#[tokio::test]
async fn confirming_verifies_or_changes_the_address_and_refuses_a_taken_one() {
    let fx = Fixture::new().await;
    let links = &*fx.ctx.stores.email_links;
    let alice = user(&fx, "alice").await;
    user(&fx, "bob").await;
    let now = fx.now();

    let (t, l) = new_link(
        LinkPurpose::Verify,
        Some(&alice.user_id),
        &alice.email,
        now,
        60,
    );
    links.insert_link(&l).await.expect("insert");
    let got = links
        .confirm_email(&handles::digest(&t), now)
        .await
        .expect("confirm");
    assert_eq!(
        got,
        Some(EmailConfirmed::Verified {
            user_id: alice.user_id.clone()
        })
    );
    assert!(
        links
            .confirm_email(&handles::digest(&t), now)
            .await
            .expect("again")
            .is_none()
    );

    let (t, l) = new_link(
        LinkPurpose::ChangeEmail,
        Some(&alice.user_id),
        "bob@example.com",
        now,
        60,
    );
    links.insert_link(&l).await.expect("insert");
    let got = links
        .confirm_email(&handles::digest(&t), now)
        .await
        .expect("confirm");
    assert_eq!(got, Some(EmailConfirmed::Taken));
    assert!(
        links
            .confirm_email(&handles::digest(&t), now)
            .await
            .expect("spent")
            .is_none()
    );

    let (t, l) = new_link(
        LinkPurpose::ChangeEmail,
        Some(&alice.user_id),
        "alice@new.example",
        now,
        60,
    );
    links.insert_link(&l).await.expect("insert");
    let got = links
        .confirm_email(&handles::digest(&t), now)
        .await
        .expect("confirm");
    assert!(matches!(got, Some(EmailConfirmed::Changed { .. })));
    let stored = fx
        .ctx
        .stores
        .users
        .get_user(&alice.user_id)
        .await
        .expect("get")
        .expect("alice");
    assert_eq!(stored.email, "alice@new.example");
    assert!(stored.email_verified);
}
