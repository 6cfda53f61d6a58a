//! Sign-in with another provider when the provider (a fake) misbehaves: ID tokens with a
//! bad signature, the wrong audience, nonce or issuer, expired, or unsigned (`alg: none`);
//! the person saying no; a replayed, missing or other browser's `state`; a provider that
//! cannot be reached. Each is a readable page (never a 500) and nobody is signed in.
//! And GitHub, plain OAuth 2 and its user API, against the same fake.

use serde_json::json;

use crate::support::TestAuth;
use crate::support::browser::{Browser, param, query_of};
use crate::support::upstream::{PROVIDER, spawn_idp};
use crate::support::upstream_fake::{FAKE_CLIENT, FakeProvider};

async fn idp_at(fake: &FakeProvider) -> TestAuth {
    let entry = json!({
        "issuer": fake.url,
        "client_id": FAKE_CLIENT,
        "client_secret": "fake-secret",
        "claims": {"name": "nickname"},
    });
    spawn_idp(entry, &[]).await
}

/// Presses the provider's button on the login page: the `state` and `nonce` the browser
/// was sent to the provider with.
async fn start(browser: &Browser, provider: &str, provider_url: &str) -> (String, String) {
    let login = browser.get("/login").await;
    let csrf = login.input("csrf").expect("csrf");
    let to = browser
        .post(
            &format!("/upstream/{provider}/start"),
            &[("csrf", &csrf), ("interaction", "")],
        )
        .await;
    assert_eq!(to.status, 302, "{}", to.body);
    assert!(to.location().starts_with(provider_url), "{}", to.location());
    let q = query_of(to.location());
    assert_eq!(param(&q, "code_challenge_method"), Some("S256"), "PKCE");
    let state = param(&q, "state").expect("state").to_owned();
    (state, param(&q, "nonce").unwrap_or_default().to_owned())
}

fn callback(provider: &str, query: &str) -> String {
    format!("/upstream/{provider}/callback?{query}")
}

async fn signed_in(browser: &Browser) -> bool {
    browser.get("/").await.body.contains("/logout")
}

#[tokio::test]
async fn bad_id_tokens_are_refused_with_a_readable_page() {
    let fake = FakeProvider::start().await;
    let idp = idp_at(&fake).await;
    for scenario in [
        "bad-signature",
        "wrong-aud",
        "wrong-nonce",
        "expired",
        "wrong-iss",
        "alg-none",
    ] {
        let browser = Browser::new(&idp.base);
        let (state, nonce) = start(&browser, PROVIDER, &fake.url).await;
        let page = browser
            .get(&callback(
                PROVIDER,
                &format!("state={state}&code={scenario}.{nonce}"),
            ))
            .await;
        assert_eq!(page.status, 502, "{scenario}: {}", page.body);
        assert!(page.body.contains("could not be verified"), "{scenario}");
        assert!(page.body.contains("Back</a>"), "a way back");
        assert!(!signed_in(&browser).await, "{scenario}");
    }
    assert!(idp.ctx.stores.users.list_users().await.unwrap().is_empty());

    // The fake is sound: its good token signs the person in, named by the mapping.
    let browser = Browser::new(&idp.base);
    let (state, nonce) = start(&browser, PROVIDER, &fake.url).await;
    let good = callback(PROVIDER, &format!("state={state}&code=good.{nonce}"));
    let page = browser.get(&good).await;
    assert_eq!(page.location(), "/", "{}", page.body);
    assert!(signed_in(&browser).await);
    let users = idp.ctx.stores.users.list_users().await.unwrap();
    assert_eq!(users[0].name.as_deref(), Some("Fake Person"));

    // The state was used once: a replay is refused.
    let replay = browser.get(&good).await;
    assert_eq!(replay.status, 400);
    assert!(replay.body.contains("already used"), "{}", replay.body);
}

#[tokio::test]
async fn denial_and_state_mismatch_are_readable_pages() {
    let fake = FakeProvider::start().await;
    let idp = idp_at(&fake).await;

    // The person says no at the provider.
    let browser = Browser::new(&idp.base);
    let (state, _) = start(&browser, PROVIDER, &fake.url).await;
    let denied = browser
        .get(&callback(
            PROVIDER,
            &format!("state={state}&error=access_denied"),
        ))
        .await;
    assert_eq!(denied.status, 403);
    assert!(denied.body.contains("You cancelled"), "{}", denied.body);

    // Another browser brings back this browser's state: refused (and the state is spent).
    let (state, nonce) = start(&browser, PROVIDER, &fake.url).await;
    let thief = Browser::new(&idp.base);
    let query = format!("state={state}&code=good.{nonce}");
    let stolen = thief.get(&callback(PROVIDER, &query)).await;
    assert_eq!(stolen.status, 400);
    assert!(!signed_in(&thief).await);
    assert_eq!(browser.get(&callback(PROVIDER, &query)).await.status, 400);

    // No state, a made-up one, an unknown provider.
    let none = browser.get(&callback(PROVIDER, "code=good.x")).await;
    assert_eq!(none.status, 400);
    let made_up = browser
        .get(&callback(PROVIDER, "state=abc&code=good.x"))
        .await;
    assert_eq!(made_up.status, 400);
    assert_eq!(
        browser.get(&callback("nope", "state=abc")).await.status,
        404
    );

    // The button's form is CSRF-checked.
    let forged = browser
        .post(
            &format!("/upstream/{PROVIDER}/start"),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(idp.ctx.stores.users.list_users().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_provider_is_a_readable_page_in_both_languages() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let entry = json!({
        "issuer": format!("http://127.0.0.1:{port}"),
        "client_id": "c",
        "client_secret": "s",
    });
    let idp = spawn_idp(entry, &[("BELF_UPSTREAM_LOGIN__TIMEOUT_SECS", "2")]).await;
    let browser = Browser::new(&idp.base);
    let login = browser.get("/login").await;
    let csrf = login.input("csrf").unwrap();
    let start = format!("/upstream/{PROVIDER}/start");
    let down = browser.post(&start, &[("csrf", &csrf)]).await;
    assert_eq!(down.status, 503, "{}", down.body);
    assert!(down.body.contains("cannot be reached"), "{}", down.body);

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_static("ko"),
    );
    let korean = Browser {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap(),
        base: idp.base.clone(),
    };
    let login = korean.get("/login").await;
    assert!(
        login.body.contains("다른 서비스로 로그인"),
        "{}",
        login.body
    );
    let csrf = login.input("csrf").unwrap();
    let down = korean.post(&start, &[("csrf", &csrf)]).await;
    assert_eq!(down.status, 503);
    assert!(down.body.contains("연결할 수 없습니다"), "{}", down.body);
}

#[tokio::test]
async fn github_signs_in_with_its_user_api_and_primary_verified_address() {
    let fake = FakeProvider::start().await;
    let entry = json!({
        "id": "github",
        "preset": "github",
        "client_id": "gh-client",
        "client_secret": "gh-secret",
        "authorization_url": format!("{}/login/oauth/authorize", fake.url),
        "token_url": format!("{}/login/oauth/access_token", fake.url),
        "api_base_url": fake.url,
    });
    let idp = spawn_idp(entry, &[]).await;
    let browser = Browser::new(&idp.base);
    let login = browser.get("/login").await;
    assert!(
        login.body.contains("Continue with GitHub"),
        "the preset's name"
    );
    let authorize = format!("{}/login/oauth/authorize", fake.url);
    let (state, _) = start(&browser, "github", &authorize).await;
    let back = browser
        .get(&callback("github", &format!("state={state}&code=any")))
        .await;
    assert_eq!(back.location(), "/", "{}", back.body);
    let link = idp
        .ctx
        .stores
        .upstream_identities
        .find_identity("github", "4242")
        .await
        .unwrap()
        .expect("linked by GitHub's numeric id");
    let user = idp
        .ctx
        .stores
        .users
        .get_user(&link.user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        user.email, "octo@example.com",
        "the primary address, not the typed one"
    );
    assert!(user.email_verified);
    assert_eq!(
        user.name.as_deref(),
        Some("octo"),
        "the login when no name is set"
    );
}
