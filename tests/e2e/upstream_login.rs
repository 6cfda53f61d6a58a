//! Sign-in with another provider, against a second Belf identity server as the upstream:
//! a person signs in at the first server through it (real pages on both), lands with a
//! just-in-time account and an ID token at a relying party of the first server; signs in
//! again to the same account; links and unlinks from /account/providers; and an existing
//! account's e-mail address is joined only when the provider says it is verified and the
//! configuration allows it.

use belf::auth::accounts::User;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    RedirectUrl, Scope, TokenResponse,
};
use serde_json::json;

use crate::support::browser::{Browser, param, query_of};
use crate::support::rp::http_client;
use crate::support::upstream::{Federation, PROVIDER};
use crate::support::{PASSWORD, REDIRECT, TestAuth};

/// A relying party of the idp signs the person in through the upstream; returns the
/// verified ID token's subject and whether it carried an `email`.
async fn rp_sign_in(fed: &Federation, browser: &Browser, upstream_user: &str) -> (String, bool) {
    let idp = &fed.idp;
    let (client_id, secret) = idp.web_client(REDIRECT).await;
    let http = http_client();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(idp.base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let first = browser.get(url.as_str()).await;
    assert!(first.location().starts_with("/login?interaction="));
    let login = browser.get(first.location()).await;
    assert!(
        login.body.contains("Continue with Belf Two"),
        "a button per provider: {}",
        login.body
    );
    let mut page = fed
        .sign_in_at_upstream(browser, &login, upstream_user)
        .await;
    if page.location().starts_with("/consent") {
        let consent = browser.get(page.location()).await;
        page = browser.submit_consent(&consent, true).await;
    }
    let q = query_of(page.location());
    let code = param(&q, "code").expect("a code for the RP").to_owned();
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("id_token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the ID token verifies");
    // RFC 8176: signed in through a provider, not by a password here.
    let amr: Vec<String> = claims
        .auth_method_refs()
        .map(|v| v.iter().map(|m| m.to_string()).collect())
        .unwrap_or_default();
    assert_eq!(amr, ["fed"], "amr of an upstream sign-in");
    (claims.subject().to_string(), claims.email().is_some())
}

#[tokio::test]
async fn first_sign_in_creates_an_account_and_the_next_one_finds_it() {
    let fed = Federation::spawn(json!({}), &[]).await;
    let alice = fed.upstream.user("alice", PASSWORD).await;

    let (sub, has_email) = rp_sign_in(&fed, &fed.browser(), "alice").await;
    let link = fed
        .idp
        .ctx
        .stores
        .upstream_identities
        .find_identity(PROVIDER, &alice.user_id)
        .await
        .unwrap()
        .expect("the upstream account is linked");
    assert_eq!(
        link.user_id, sub,
        "the ID token names the new local account"
    );
    let local = fed
        .idp
        .ctx
        .stores
        .users
        .get_user(&sub)
        .await
        .unwrap()
        .unwrap();
    assert!(local.username.starts_with("belf2-"), "{}", local.username);
    // The audit trail holds the new account and the sign-in, by the provider.
    let events = fed
        .idp
        .ctx
        .audit
        .store()
        .list(&belf::auth::audit::AuditQuery {
            user: Some(sub.clone()),
            kind: None,
            since_ms: None,
            limit: 50,
        })
        .await
        .expect("audit list");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"account_created"), "{kinds:?}");
    assert!(kinds.contains(&"sign_in_succeeded"), "{kinds:?}");
    assert!(
        events
            .iter()
            .filter(|e| e.kind != "consent_given")
            .all(|e| e.detail["method"] == "upstream" && e.ip.is_some()),
        "{events:?}"
    );
    assert_eq!(local.name.as_deref(), Some("alice tester"));
    assert!(
        !has_email && !local.email_verified,
        "the upstream did not vouch for the address: no email claim"
    );

    // Another browser, another sign-in: the same account, no second one.
    let (again, _) = rp_sign_in(&fed, &fed.browser(), "alice").await;
    assert_eq!(again, sub);
    assert_eq!(
        fed.idp.ctx.stores.users.list_users().await.unwrap().len(),
        1
    );

    // Its only way in cannot be disconnected.
    let browser = fed.browser();
    let login = browser.get("/login").await;
    let home = fed.sign_in_at_upstream(&browser, &login, "alice").await;
    assert_eq!(home.location(), "/");
    let providers = browser.get("/account/providers").await;
    assert!(providers.body.contains("Connected"), "{}", providers.body);
    let csrf = providers.input("csrf").unwrap();
    let refused = browser
        .post(
            "/account/providers/unlink",
            &[("csrf", &csrf), ("provider", PROVIDER)],
        )
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.body.contains("only way to sign in"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn a_signed_in_person_links_and_unlinks_a_provider() {
    let fed = Federation::spawn(json!({}), &[]).await;
    fed.upstream.user("carol", PASSWORD).await;
    let bob = fed.idp.user("bob", PASSWORD).await;
    let browser = fed.browser();

    // Not signed in: the page says to sign in first.
    let anonymous = browser.get("/account/providers").await;
    assert_eq!(anonymous.status, 401);

    assert_eq!(browser.log_in("bob", PASSWORD).await.status, 302);
    let page = browser.get("/account/providers").await;
    assert!(page.body.contains("Not connected"), "{}", page.body);
    assert!(
        page.body
            .replace("&#x2f;", "/")
            .contains("<a href=\"/account/providers\" aria-current=\"page\">"),
        "one of the account pages, marked in their nav: {}",
        page.body
    );
    let csrf = page.input("csrf").unwrap();
    let forged = browser
        .post(
            "/account/providers/link",
            &[("csrf", "x"), ("provider", PROVIDER)],
        )
        .await;
    assert_eq!(forged.status, 403, "CSRF checked");
    let unknown = browser
        .post(
            "/account/providers/link",
            &[("csrf", &csrf), ("provider", "nope")],
        )
        .await;
    assert_eq!(unknown.status, 404);
    let to_provider = browser
        .post(
            "/account/providers/link",
            &[("csrf", &csrf), ("provider", PROVIDER)],
        )
        .await;
    let back = fed.through_upstream(&browser, &to_provider, "carol").await;
    assert_eq!(
        back.location(),
        format!("/account/providers?linked={PROVIDER}")
    );
    let linked = browser.get(back.location()).await;
    assert!(linked.body.contains("Connected."), "{}", linked.body);

    // Signing in with carol's upstream account is now signing in as bob.
    let other = fed.browser();
    let login = other.get("/login").await;
    assert_eq!(
        fed.sign_in_at_upstream(&other, &login, "carol")
            .await
            .status,
        302
    );
    let home = other.get("/").await;
    assert!(home.body.contains("<strong>bob</strong>"), "{}", home.body);

    // bob has a password, so the provider may go.
    let unlinked = browser
        .post(
            "/account/providers/unlink",
            &[("csrf", &csrf), ("provider", PROVIDER)],
        )
        .await;
    assert_eq!(
        unlinked.location(),
        format!("/account/providers?unlinked={PROVIDER}")
    );
    let links = fed
        .idp
        .ctx
        .stores
        .upstream_identities
        .identities_of(&bob.user_id)
        .await
        .unwrap();
    assert!(links.is_empty());
}

/// An upstream person whose e-mail address the upstream has verified.
async fn verified_user(server: &TestAuth, username: &str) -> User {
    let now = server.ctx.clock.now();
    let user = User {
        user_id: uuid::Uuid::new_v4().to_string(),
        username: username.into(),
        email: format!("{username}@example.com"),
        email_verified: true,
        name: None,
        given_name: None,
        family_name: None,
        locale: None,
        phone_number: None,
        address: None,
        password_hash: server.ctx.passwords.hash(PASSWORD.into()).await.unwrap(),
        disabled: false,
        sessions_not_before_ms: 0,
        created_at: now,
        updated_at: now,
    };
    server.ctx.stores.users.insert_user(&user).await.unwrap();
    user
}

#[tokio::test]
async fn an_existing_address_is_joined_only_when_verified_and_allowed() {
    // Allowed, but the upstream does not say the address is verified: refused.
    let fed = Federation::spawn(json!({"link_by_verified_email": true}), &[]).await;
    fed.upstream.user("dana", PASSWORD).await;
    fed.idp.user("dana", PASSWORD).await;
    let browser = fed.browser();
    let login = browser.get("/login").await;
    let refused = fed.sign_in_at_upstream(&browser, &login, "dana").await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("already exists"), "{}", refused.body);
    assert!(refused.body.contains("Back</a>"), "a way back");

    // Verified now, and allowed: the sign-in joins the local account.
    verified_user(&fed.upstream, "erin").await;
    let erin = fed.idp.user("erin", PASSWORD).await;
    // A new browser: this one is still signed in as dana at the upstream.
    let browser = fed.browser();
    let login = browser.get("/login").await;
    let joined = fed.sign_in_at_upstream(&browser, &login, "erin").await;
    assert_eq!(joined.status, 302, "{}", joined.body);
    assert_eq!(joined.location(), "/");
    let home = browser.get("/").await;
    assert!(home.body.contains("<strong>erin</strong>"), "{}", home.body);
    let links = fed
        .idp
        .ctx
        .stores
        .upstream_identities
        .identities_of(&erin.user_id);
    assert_eq!(links.await.unwrap().len(), 1);

    // Verified, but the configuration does not allow it (the default): refused, in Korean.
    let strict = Federation::spawn(json!({}), &[]).await;
    verified_user(&strict.upstream, "fern").await;
    strict.idp.user("fern", PASSWORD).await;
    let korean = strict.korean_browser();
    let login = korean.get("/login").await;
    assert!(login.body.contains("벨프 둘"), "the Korean display name");
    let refused = strict.sign_in_at_upstream(&korean, &login, "fern").await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("이미 있습니다"), "{}", refused.body);
    assert_eq!(
        strict
            .idp
            .ctx
            .stores
            .users
            .list_users()
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_verified_address_of_nobody_here_becomes_the_new_accounts() {
    let fed = Federation::spawn(json!({}), &[]).await;
    let gus = verified_user(&fed.upstream, "gus").await;
    let (sub, has_email) = rp_sign_in(&fed, &fed.browser(), "gus").await;
    assert!(has_email, "the upstream vouched for it");
    let local = fed
        .idp
        .ctx
        .stores
        .users
        .get_user(&sub)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(local.email, gus.email);
    assert!(local.email_verified);
}

#[tokio::test]
async fn without_just_in_time_accounts_an_unlinked_sign_in_is_refused() {
    let env = [("BELF_UPSTREAM_LOGIN__CREATE_ACCOUNTS", "false")];
    let fed = Federation::spawn(json!({}), &env).await;
    fed.upstream.user("hana", PASSWORD).await;
    let browser = fed.browser();
    let login = browser.get("/login").await;
    let refused = fed.sign_in_at_upstream(&browser, &login, "hana").await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("No account is connected"),
        "{}",
        refused.body
    );
    assert!(
        fed.idp
            .ctx
            .stores
            .users
            .list_users()
            .await
            .unwrap()
            .is_empty()
    );
}
