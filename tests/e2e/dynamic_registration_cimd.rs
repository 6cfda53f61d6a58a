//! Client ID Metadata Documents: a `client_id` that is a URL names a JSON document the
//! server fetches. A document server on 127.0.0.1 (allowed by the development switch)
//! serves it; it counts fetches, and can be slow, large or wrong.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::authorize::{authorize_url, code_for};
use crate::support::browser::Browser;
use crate::support::pkce::Pkce;
use crate::support::token::post_token;
use crate::support::{PASSWORD, REDIRECT, TestAuth};

/// What the document server answers, and how often it was asked.
#[derive(Clone)]
struct Served {
    body: Arc<std::sync::Mutex<String>>,
    cache_control: &'static str,
    delay: Duration,
    hits: Arc<AtomicUsize>,
}

struct DocumentServer {
    url: String,
    served: Served,
}

impl DocumentServer {
    async fn start(cache_control: &'static str, delay: Duration) -> DocumentServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/client.json", listener.local_addr().unwrap());
        let served = Served {
            body: Arc::new(std::sync::Mutex::new(String::new())),
            cache_control,
            delay,
            hits: Arc::new(AtomicUsize::new(0)),
        };
        let s = served.clone();
        let app = Router::new().route(
            "/client.json",
            get(move || {
                let s = s.clone();
                async move {
                    s.hits.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(s.delay).await;
                    let body = s.body.lock().unwrap().clone();
                    (
                        [
                            ("content-type", "application/json"),
                            ("cache-control", s.cache_control),
                        ],
                        body,
                    )
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        DocumentServer { url, served }
    }

    fn serve(&self, doc: &Value) {
        *self.served.body.lock().unwrap() = doc.to_string();
    }

    fn hits(&self) -> usize {
        self.served.hits.load(Ordering::SeqCst)
    }

    /// A valid document for this URL.
    fn document(&self) -> Value {
        json!({
            "client_id": self.url,
            "client_name": "MCP tool",
            "redirect_uris": [REDIRECT],
        })
    }
}

const ON: (&str, &str) = ("BELF_CLIENT_METADATA_DOCUMENTS__ENABLED", "true");
const LOOPBACK: (&str, &str) = (
    "BELF_CLIENT_METADATA_DOCUMENTS__ALLOW_PRIVATE_ADDRESSES",
    "true",
);

/// The authorize request of `client_id` did not redirect anywhere (an error page).
async fn no_redirect(auth: &TestAuth, client_id: &str, redirect_uri: &str) {
    let browser = Browser::new(&auth.base);
    let pkce = Pkce::random();
    let mut extra = vec![("redirect_uri", redirect_uri)];
    extra.extend(pkce.challenge_params());
    let page = browser
        .get(&authorize_url(&auth.base, client_id, &extra))
        .await;
    assert_ne!(page.status, StatusCode::FOUND, "{}", page.body);
    assert!(page.status.is_client_error(), "{}", page.status);
}

#[tokio::test]
async fn a_document_client_signs_in_and_is_fetched_once_within_max_age() {
    let docs = DocumentServer::start("public, max-age=300", Duration::ZERO).await;
    docs.serve(&docs.document());
    let auth = TestAuth::spawn_with(&[ON, LOOPBACK]).await;
    auth.user("alice", PASSWORD).await;
    let discovery: Value = reqwest::get(auth.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["client_id_metadata_document_supported"], true);

    let browser = Browser::new(&auth.base);
    let (code, verifier) = code_for(&browser, &docs.url, "openid", "alice").await;
    let tokens = post_token(
        &auth.base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &docs.url),
            ("code_verifier", &verifier),
        ],
        None,
    )
    .await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let (again, _) = code_for(&browser, &docs.url, "openid", "alice").await;
    assert!(!again.is_empty());
    assert_eq!(docs.hits(), 1, "the document is reused within its max-age");

    let listed = auth.cli_json(&["client", "list"], None).await;
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == docs.url.as_str())
        .expect("the document client is listed");
    assert_eq!(entry["created_by"], "metadata_document");
    assert_eq!(entry["public"], true);

    // A redirect URI the document does not list gets no redirect.
    no_redirect(&auth, &docs.url, "http://127.0.0.1:9/elsewhere").await;
}

/// What a document server serves, made from its own URL.
type DocumentBody = Box<dyn Fn(&DocumentServer) -> String>;

#[tokio::test]
async fn wrong_large_slow_or_secret_documents_are_refused() {
    let cases: Vec<(&str, DocumentBody, Duration)> = vec![
        (
            "client_id member is another URL",
            Box::new(|d: &DocumentServer| {
                let mut doc = d.document();
                doc["client_id"] = "https://evil.example/client.json".into();
                doc.to_string()
            }),
            Duration::ZERO,
        ),
        (
            "larger than max_bytes",
            Box::new(|d: &DocumentServer| {
                let mut doc = d.document();
                doc["client_name"] = "x".repeat(8000).into();
                doc.to_string()
            }),
            Duration::ZERO,
        ),
        (
            "shared-secret auth",
            Box::new(|d: &DocumentServer| {
                let mut doc = d.document();
                doc["token_endpoint_auth_method"] = "client_secret_basic".into();
                doc.to_string()
            }),
            Duration::ZERO,
        ),
        (
            "no redirect_uris",
            Box::new(|d: &DocumentServer| json!({ "client_id": d.url }).to_string()),
            Duration::ZERO,
        ),
        (
            "slower than fetch_timeout_ms",
            Box::new(|d: &DocumentServer| d.document().to_string()),
            Duration::from_secs(10),
        ),
    ];
    for (why, body, delay) in cases {
        let docs = DocumentServer::start("max-age=300", delay).await;
        *docs.served.body.lock().unwrap() = body(&docs);
        // The slow document meets a short timeout; the others a long one, so that on a
        // loaded machine they are refused for what they say, not for being late.
        let slow = !delay.is_zero();
        let timeout_ms = if slow { "300" } else { "5000" };
        let auth = TestAuth::spawn_with(&[
            ON,
            LOOPBACK,
            (
                "BELF_CLIENT_METADATA_DOCUMENTS__FETCH_TIMEOUT_MS",
                timeout_ms,
            ),
        ])
        .await;
        let started = std::time::Instant::now();
        no_redirect(&auth, &docs.url, REDIRECT).await;
        if slow {
            // Cut short: answered well before the document server's 10 s delay.
            assert!(
                started.elapsed() < Duration::from_secs(8),
                "{why}: the fetch was not cut short"
            );
        }
        // A refusal is remembered too: asking again does not fetch again.
        no_redirect(&auth, &docs.url, REDIRECT).await;
        assert_eq!(docs.hits(), 1, "{why}");
    }
}

#[tokio::test]
async fn document_urls_on_internal_addresses_or_with_the_switch_off_are_not_fetched() {
    let docs = DocumentServer::start("max-age=300", Duration::ZERO).await;
    docs.serve(&docs.document());
    // Off (the default): a URL is just an unknown client id.
    let off = TestAuth::spawn().await;
    no_redirect(&off, &docs.url, REDIRECT).await;
    // On, without the loopback switch: http is refused, and so is https to 127.0.0.1
    // (the address is checked before any connection).
    let on = TestAuth::spawn_with(&[ON]).await;
    no_redirect(&on, &docs.url, REDIRECT).await;
    let https = docs.url.replacen("http://", "https://", 1);
    no_redirect(&on, &https, REDIRECT).await;
    assert_eq!(docs.hits(), 0);
}
