//! Two identity servers for sign-in with another provider: `upstream`, a second Belf that
//! people sign in at, and `idp`, configured with an `[[upstream]]` entry at it (a client
//! registered on the upstream with the idp's callback). The idp answers under `localhost`
//! and the upstream under `127.0.0.1`, so one browser keeps the two servers' cookies apart.

use belf::config::UpstreamConfig;
use serde_json::{Value, json};

use super::browser::{Browser, Page};
use super::identity_server::test_config;
use super::{PASSWORD, TestAuth};

/// The provider id of the upstream Belf in the idp's configuration.
pub const PROVIDER: &str = "belf2";

pub struct Federation {
    pub upstream: TestAuth,
    pub idp: TestAuth,
}

/// An idp on `localhost`, bound before it is configured (its callback URL is needed
/// first), with one `[[upstream]]` entry: `entry` plus `id` and `display_name`.
pub async fn spawn_idp(entry: Value, env: &[(&str, &str)]) -> TestAuth {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind idp");
    let port = listener.local_addr().expect("addr").port();
    let base = format!("http://localhost:{port}");
    spawn_idp_on(listener, base, entry, env).await
}

pub async fn spawn_idp_on(
    listener: tokio::net::TcpListener,
    base: String,
    mut entry: Value,
    env: &[(&str, &str)],
) -> TestAuth {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = test_config(dir.path(), env).await;
    if let Some(obj) = entry.as_object_mut() {
        obj.entry("id").or_insert_with(|| PROVIDER.into());
        if !obj.contains_key("preset") {
            obj.entry("display_name")
                .or_insert_with(|| json!({"en": "Belf Two", "ko": "벨프 둘"}));
        }
    }
    let entry: UpstreamConfig = serde_json::from_value(entry).expect("upstream entry");
    config
        .push_upstream(entry)
        .expect("upstream entry is valid");
    TestAuth::spawn_on(dir, config, listener, base).await
}

impl Federation {
    /// `entry` adds to (or overrides) the idp's `[[upstream]]` entry for the upstream Belf.
    pub async fn spawn(entry: Value, env: &[(&str, &str)]) -> Federation {
        let upstream = TestAuth::spawn().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind idp");
        let port = listener.local_addr().expect("addr").port();
        let base = format!("http://localhost:{port}");
        let callback = format!("{base}/upstream/{PROVIDER}/callback");
        let (client_id, secret) = upstream.web_client(&callback).await;
        let mut full = json!({
            "issuer": upstream.base,
            "client_id": client_id,
            "client_secret": secret,
        });
        if let (Some(full), Some(extra)) = (full.as_object_mut(), entry.as_object()) {
            full.extend(extra.clone());
        }
        let idp = spawn_idp_on(listener, base, full, env).await;
        Federation { upstream, idp }
    }

    /// A browser at the idp (it reaches the upstream with the same cookie jar).
    pub fn browser(&self) -> Browser {
        Browser::new(&self.idp.base)
    }

    /// A browser that asks for Korean pages.
    pub fn korean_browser(&self) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_static("ko-KR,ko;q=0.9"),
        );
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(headers)
                .build()
                .expect("client"),
            base: self.idp.base.clone(),
        }
    }

    /// From a page of the idp with the provider's button (the login page), presses it;
    /// at the upstream, signs in as `username` and consents; returns the idp's answer to
    /// the provider's redirect back (the callback).
    pub async fn sign_in_at_upstream(
        &self,
        browser: &Browser,
        page: &Page,
        username: &str,
    ) -> Page {
        let csrf = page.input("csrf").expect("page has csrf");
        let interaction = page.input("interaction").unwrap_or_default();
        let to_provider = browser
            .post(
                &format!("/upstream/{PROVIDER}/start"),
                &[("csrf", &csrf), ("interaction", &interaction)],
            )
            .await;
        self.through_upstream(browser, &to_provider, username).await
    }

    /// Follows a redirect to the upstream's `/authorize` through its login and consent
    /// pages, and returns the idp's answer to the redirect back.
    pub async fn through_upstream(
        &self,
        browser: &Browser,
        to_provider: &Page,
        username: &str,
    ) -> Page {
        assert_eq!(to_provider.status, 302, "{}", to_provider.body);
        let to = to_provider.location().to_owned();
        assert!(
            to.starts_with(&format!("{}/authorize?", self.upstream.base)),
            "{to}"
        );
        let at_upstream = browser.with_base(&self.upstream.base);
        let mut page = at_upstream.get(&to).await;
        for _ in 0..6 {
            assert_eq!(page.status, 302, "{}", page.body);
            let loc = page.location().to_owned();
            if loc.starts_with("/login") {
                let login = at_upstream.get(&loc).await;
                page = at_upstream.submit_login(&login, username, PASSWORD).await;
            } else if loc.starts_with("/consent") {
                let consent = at_upstream.get(&loc).await;
                page = at_upstream.submit_consent(&consent, true).await;
            } else {
                assert!(loc.starts_with(&self.idp.base), "back to the idp: {loc}");
                return browser.get(&loc).await;
            }
        }
        panic!("too many hops at the upstream");
    }
}
