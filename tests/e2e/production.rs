//! Production mode: several instances on one PostgreSQL + Redis behave as one; a dead
//! dependency gives fast 503s and the server recovers by itself; operations endpoints.
//! Tests that need shared Redis/PostgreSQL run when `.ci/run` provides them
//! (`BELF_TEST_REDIS_URL`, `BELF_TEST_DATABASE_URL`) and say so when skipped.

use base64::Engine;
use sha2::Digest;

use crate::support::browser::{Browser, param};
use crate::support::proxy::Proxy;
use crate::support::{REDIRECT, TestAuth, test_config};

fn redis_url() -> Option<String> {
    let url = std::env::var("BELF_TEST_REDIS_URL").ok();
    if url.is_none() {
        eprintln!("skipped: needs BELF_TEST_REDIS_URL (production mode; .ci/run sets it)");
    }
    url
}

fn pkce() -> (String, String) {
    let verifier = belf::auth::tokens::handles::new_handle();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn authorize_url(base: &str, client_id: &str, challenge: &str) -> String {
    format!(
        "{base}/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20offline_access&state=s1&code_challenge={challenge}&code_challenge_method=S256",
        urlencode(REDIRECT)
    )
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn token(
    base: &str,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}/token"))
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .expect("token request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

async fn introspect(base: &str, id: &str, secret: &str, tok: &str) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{base}/introspect"))
        .basic_auth(id, Some(secret))
        .form(&[("token", tok)])
        .send()
        .await
        .expect("introspect")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn two_instances_behave_as_one() {
    if redis_url().is_none() {
        return;
    }
    let a = TestAuth::spawn().await;
    let b = a.spawn_replica().await;
    let (id, secret) = a.web_client(REDIRECT).await;
    a.user("carol", "carol's long password").await;

    // Log in on A.
    let on_a = Browser::new(&a.base);
    let (verifier1, challenge1) = pkce();
    let q = on_a
        .authorize(
            &authorize_url(&a.base, &id, &challenge1),
            "carol",
            "carol's long password",
        )
        .await;
    let code1 = param(&q, "code").expect("code from A").to_owned();

    // Authorize on B with A's session (Redis) and consent (database): straight to a code.
    let on_b = Browser {
        http: on_a.http.clone(),
        base: b.base.clone(),
    };
    let (verifier2, challenge2) = pkce();
    let page = on_b.get(&authorize_url(&b.base, &id, &challenge2)).await;
    assert_eq!(page.status, 302);
    assert!(
        page.location().starts_with(REDIRECT),
        "B sees A's session: {}",
        page.location()
    );
    let code2 = param(&crate::support::browser::query_of(page.location()), "code")
        .expect("code")
        .to_owned();

    // Exchange B's code on A.
    let (s, tokens) = token(
        &a.base,
        &id,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code2),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier2),
        ],
    )
    .await;
    assert_eq!(s, 200, "{tokens}");
    // A's first code: exchanged on A, replayed on B → refused.
    let (s, _) = token(
        &a.base,
        &id,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code1),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier1),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let (s, err) = token(
        &b.base,
        &id,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code1),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier1),
        ],
    )
    .await;
    assert_eq!(
        (s, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "code reuse across instances"
    );

    // Refresh on B.
    let rt = tokens["refresh_token"].as_str().expect("refresh token");
    let (s, refreshed) = token(
        &b.base,
        &id,
        &secret,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await;
    assert_eq!(s, 200, "{refreshed}");
    let at = refreshed["access_token"].as_str().unwrap();
    assert_eq!(introspect(&b.base, &id, &secret, at).await["active"], true);

    // Revoke on A, introspect on B: inactive.
    let rt2 = refreshed["refresh_token"].as_str().unwrap();
    let res = reqwest::Client::new()
        .post(format!("{}/revoke", a.base))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", rt2)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(introspect(&b.base, &id, &secret, at).await["active"], false);
    assert_eq!(
        introspect(&b.base, &id, &secret, rt2).await["active"],
        false
    );
}

#[tokio::test]
async fn login_throttling_counts_across_instances() {
    if redis_url().is_none() {
        return;
    }
    let a = TestAuth::spawn_with(&[("BELF_THROTTLE__FREE_FAILURES", "3")]).await;
    let b = a.spawn_replica().await;
    a.user("dave", "dave's long password").await;
    let on_a = Browser::new(&a.base);
    for _ in 0..4 {
        let login = on_a.get("/login").await;
        let res = on_a.submit_login(&login, "dave", "wrong password").await;
        assert!(res.status == 401 || res.status == 429, "{}", res.status);
    }
    // B now refuses even the right password for a while, and says how long.
    let on_b = Browser {
        http: on_a.http.clone(),
        base: b.base.clone(),
    };
    let login = on_b.get("/login").await;
    let res = on_b
        .submit_login(&login, "dave", "dave's long password")
        .await;
    assert_eq!(res.status, 429, "throttled on the other instance");
}

#[tokio::test]
async fn redis_outage_gives_503_and_recovers() {
    let Some(redis) = redis_url() else { return };
    let target = url::Url::parse(&redis).unwrap();
    let addr = format!(
        "{}:{}",
        target.host_str().unwrap(),
        target.port().unwrap_or(6379)
    )
    .parse()
    .unwrap();
    let proxy = Proxy::start(addr).await;
    let dir = tempfile::tempdir().unwrap();
    let proxied = format!("redis://127.0.0.1:{}", proxy.port);
    let config = test_config(dir.path(), &[("BELF_REDIS__URL", &proxied)]).await;
    let server = TestAuth::spawn_in(dir, config).await;
    let (id, secret) = m2m_client(&server).await;
    let cc = [("grant_type", "client_credentials")];
    assert_eq!(token(&server.base, &id, &secret, &cc).await.0, 200);

    proxy.down();
    let started = std::time::Instant::now();
    let (s, body) = token(&server.base, &id, &secret, &cc).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (503, Some("temporarily_unavailable"))
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "fails fast, never hangs"
    );
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    let page = reqwest::get(server.url("/login")).await.unwrap();
    assert!(
        page.status() == 200 || page.status() == 503,
        "pages stay readable"
    );

    proxy.up();
    let mut ok = false;
    for _ in 0..40 {
        if token(&server.base, &id, &secret, &cc).await.0 == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ok, "recovers by itself when Redis is back");
    assert_eq!(
        reqwest::get(server.url("/readyz")).await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn database_outage_gives_503_and_recovers() {
    let Ok(pg) = std::env::var("BELF_TEST_DATABASE_URL") else {
        eprintln!("skipped: needs BELF_TEST_DATABASE_URL (production mode; .ci/run sets it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let real = crate::support::fresh_database_url(dir.path(), "outage").await;
    let target = url::Url::parse(&pg).unwrap();
    let addr = format!(
        "{}:{}",
        target.host_str().unwrap(),
        target.port().unwrap_or(5432)
    )
    .parse()
    .unwrap();
    let proxy = Proxy::start(addr).await;
    let mut proxied = url::Url::parse(&real).unwrap();
    proxied.set_port(Some(proxy.port)).unwrap();
    let config = test_config(dir.path(), &[("BELF_DATABASE__URL", proxied.as_str())]).await;
    let server = TestAuth::spawn_in(dir, config).await;
    let (id, secret) = m2m_client(&server).await;
    let cc = [("grant_type", "client_credentials")];
    assert_eq!(token(&server.base, &id, &secret, &cc).await.0, 200);

    proxy.down();
    // The client is served from the per-process cache for clients.cache_ttl_secs (1 s);
    // after that the server must reach the database again.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let started = std::time::Instant::now();
    let (s, body) = token(&server.base, &id, &secret, &cc).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (503, Some("temporarily_unavailable")),
        "{body}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "fails fast"
    );
    assert_eq!(
        reqwest::get(server.url("/readyz")).await.unwrap().status(),
        503
    );

    proxy.up();
    let mut ok = false;
    for _ in 0..40 {
        if token(&server.base, &id, &secret, &cc).await.0 == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ok, "recovers by itself when PostgreSQL is back");
}

async fn m2m_client(server: &TestAuth) -> (String, String) {
    let (id, secret) = server
        .client(belf::auth::clients::service::NewClient {
            name: "m2m".into(),
            grant_types: vec!["client_credentials".into()],
            ..Default::default()
        })
        .await;
    (id, secret.unwrap())
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let server = TestAuth::spawn().await;
    assert_eq!(
        reqwest::get(server.url("/healthz")).await.unwrap().status(),
        200
    );
    assert_eq!(
        reqwest::get(server.url("/readyz")).await.unwrap().status(),
        200
    );
    let (id, secret) = m2m_client(&server).await;
    assert_eq!(
        token(
            &server.base,
            &id,
            &secret,
            &[("grant_type", "client_credentials")]
        )
        .await
        .0,
        200
    );
    assert_eq!(
        token(
            &server.base,
            &id,
            "wrong",
            &[("grant_type", "client_credentials")]
        )
        .await
        .0,
        401
    );
    // Served on the management listener (hardening_auth tests it); read directly here.
    let text = server.ctx.metrics.render();
    assert!(
        text.contains(r#"belf_auth_tokens_issued_total{grant_type="client_credentials"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("belf_auth_client_auth_failures_total 1"),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/token""#) && text.contains(r#"status="401""#),
        "{text}"
    );
    assert!(
        text.contains("belf_auth_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("belf_auth_password_hash_queue"), "{text}");
}
