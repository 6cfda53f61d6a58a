//! The Belf web app under test, with the real identity server and todo service beside it
//! (each on port 0, each on a fresh database), and a browser for it: a cookie jar that
//! follows redirects through the identity server's login and consent pages, filling them
//! in as a person would.

use std::sync::Arc;

use belf::auth::clients::service::NewClient;
use belf::clock::Clock;
use belf::web::session::SessionStore;
use belf::web::session::redis::RedisSessions;
use belf::web::session::sql::SqlSessions;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use super::browser::Page;
use super::database::fresh_database_url;
use super::proxy::Proxy;
use super::{PASSWORD, TestAuth, TodoApp};

pub struct TestWeb {
    pub base: String,
    pub auth: TestAuth,
    pub todo: TodoApp,
    /// Between the web app and the todo service: `down()` plays a todo outage.
    pub todo_proxy: Proxy,
    pub sessions: Arc<dyn SessionStore>,
    pub clock: Clock,
    pub client_id: String,
    pub client_secret: String,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Sessions as the mode under test keeps them: Redis in production mode, else SQL.
pub async fn session_store(dir: &std::path::Path) -> Arc<dyn SessionStore> {
    match std::env::var("BELF_TEST_REDIS_URL") {
        Ok(url) => {
            let prefix = format!("belfwebtest{}", uuid::Uuid::new_v4().simple());
            Arc::new(
                RedisSessions::connect(&url, &prefix)
                    .await
                    .expect("redis sessions"),
            )
        }
        Err(_) => {
            let url = fresh_database_url(dir, "web").await;
            Arc::new(SqlSessions::connect(&url).await.expect("sql sessions"))
        }
    }
}

impl TestWeb {
    pub async fn spawn() -> TestWeb {
        Self::spawn_on(TestAuth::spawn().await).await
    }

    /// Web app and identity server share a clock the test moves (token expiry).
    pub async fn spawn_on_manual_clock() -> TestWeb {
        Self::spawn_on(TestAuth::spawn_on_manual_clock(&[]).await).await
    }

    pub async fn spawn_on(auth: TestAuth) -> TestWeb {
        Self::spawn_with_issuer(auth, None).await
    }

    /// `issuer`: another issuer URL than the identity server's (a dead one plays an
    /// identity server that is down).
    pub async fn spawn_with_issuer(auth: TestAuth, issuer: Option<&str>) -> TestWeb {
        let dir = tempfile::tempdir().expect("tempdir");
        let todo = TodoApp::spawn(&auth.base).await;
        let todo_addr = todo
            .base
            .trim_start_matches("http://")
            .parse()
            .expect("todo addr");
        let todo_proxy = Proxy::start(todo_addr).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let (client_id, secret) = auth
            .client(NewClient {
                name: "Belf web (test)".into(),
                redirect_uris: vec![format!("{base}/callback")],
                post_logout_redirect_uris: vec![format!("{base}/")],
                backchannel_logout_uri: Some(format!("{base}/backchannel-logout")),
                backchannel_logout_session_required: true,
                ..Default::default()
            })
            .await;
        let mut cfg = auth.config.web.clone();
        cfg.public_url = base.parse().expect("url");
        cfg.issuer = issuer.unwrap_or(&auth.base).to_owned();
        cfg.todo_url = format!("http://127.0.0.1:{}", todo_proxy.port)
            .parse()
            .expect("url");
        cfg.client_id = client_id.clone();
        let client_secret = secret.expect("confidential");
        cfg.client_secret = client_secret.clone().into();
        let sessions = session_store(dir.path()).await;
        let clock = auth.clock.clone();
        let server =
            belf::web::WebServer::build_on(&cfg, listener, sessions.clone(), clock.clone())
                .await
                .expect("web app builds");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run_until(async move {
            let _ = stopped.await;
        }));
        TestWeb {
            base,
            auth,
            todo,
            todo_proxy,
            sessions,
            clock,
            client_id,
            client_secret,
            _dir: dir,
            _stop: stop,
        }
    }

    pub fn browser(&self) -> WebBrowser {
        WebBrowser::new(&self.base)
    }

    /// A new person (`username`, [`PASSWORD`]) signed in, on their Today page.
    pub async fn signed_in(&self, username: &str) -> WebBrowser {
        self.auth.user(username, PASSWORD).await;
        let b = self.browser();
        let (page, url) = b.sign_in("/today", username, PASSWORD).await;
        assert_eq!(page.status, StatusCode::OK, "{url}: {}", page.body);
        assert!(url.ends_with("/today"), "{url}");
        b
    }
}

/// A browser on the web app: a cookie jar, redirects looked at hop by hop.
pub struct WebBrowser {
    pub http: reqwest::Client,
    pub base: String,
    pub jar: Arc<reqwest::cookie::Jar>,
}

impl WebBrowser {
    pub fn new(base: &str) -> WebBrowser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        WebBrowser {
            http: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_owned(),
            jar,
        }
    }

    fn abs(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        }
    }

    async fn page(res: reqwest::Response) -> Page {
        let status = res.status();
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
        }
    }

    pub async fn get(&self, url: &str) -> Page {
        Self::page(self.http.get(self.abs(url)).send().await.expect("GET")).await
    }

    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .post(self.abs(url))
                .form(form)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// Posts a form the way a browser submits it from `page`: its CSRF token added.
    pub async fn submit(&self, from: &Page, url: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = from
            .input("csrf")
            .expect("the page has a form with a CSRF token");
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        form.extend_from_slice(fields);
        self.post(url, &form).await
    }

    /// Submits a form as `multipart/form-data` (as the check-off form is), with its CSRF
    /// token and an optional file.
    pub async fn submit_multipart(
        &self,
        from: &Page,
        url: &str,
        fields: &[(&str, &str)],
        file: Option<belf::web::multipart::FilePart>,
    ) -> Page {
        let csrf = from
            .input("csrf")
            .expect("the page has a form with a CSRF token");
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        all.extend_from_slice(fields);
        let (kind, body) = belf::web::multipart::encode(&all, file.as_ref());
        let res = self
            .http
            .post(self.abs(url))
            .header("content-type", kind)
            .body(body)
            .send()
            .await
            .expect("POST");
        Self::page(res).await
    }

    /// Follows redirects from `page` (reached at `url`) until one that is not; returns it
    /// and its URL. Relative `Location`s resolve against the hop they came from.
    pub async fn follow(&self, mut page: Page, mut url: String) -> (Page, String) {
        for _ in 0..12 {
            if !page.status.is_redirection() {
                return (page, url);
            }
            let next = url::Url::parse(&url)
                .expect("url")
                .join(page.location())
                .expect("location")
                .to_string();
            page = self.get(&next).await;
            url = next;
        }
        panic!("too many redirects");
    }

    pub async fn visit(&self, path: &str) -> (Page, String) {
        let url = self.abs(path);
        let page = self.get(&url).await;
        self.follow(page, url).await
    }

    /// Starts at `path` and signs in at the identity server when sent there (login, then
    /// consent when asked); returns the page it lands on and its URL.
    pub async fn sign_in(&self, path: &str, username: &str, password: &str) -> (Page, String) {
        let (mut page, mut url) = self.visit(path).await;
        for _ in 0..4 {
            let parsed = url::Url::parse(&url).expect("url");
            let origin = parsed.origin().ascii_serialization();
            let action = match parsed.path() {
                "/login" if page.body.contains("name=\"password\"") => {
                    let csrf = page.input("csrf").expect("login csrf");
                    let interaction = page.input("interaction").unwrap_or_default();
                    self.post(
                        &format!("{origin}/login"),
                        &[
                            ("csrf", &csrf),
                            ("interaction", &interaction),
                            ("username", username),
                            ("password", password),
                        ],
                    )
                    .await
                }
                "/consent" => {
                    let csrf = page.input("csrf").expect("consent csrf");
                    let interaction = page.input("interaction").expect("consent interaction");
                    self.post(
                        &format!("{origin}/consent"),
                        &[
                            ("csrf", &csrf),
                            ("interaction", &interaction),
                            ("decision", "allow"),
                        ],
                    )
                    .await
                }
                _ => return (page, url),
            };
            (page, url) = self.follow(action, url).await;
        }
        (page, url)
    }

    /// The session this browser's cookie names, as the web app keeps it.
    pub async fn session(&self, web: &TestWeb) -> Option<belf::web::session::SessionData> {
        let id = belf::web::session::SessionId::from_cookie(&self.session_cookie()?)?;
        web.sessions
            .load(&id, web.clock.now())
            .await
            .expect("session store")
    }

    /// The web app's session cookie (`belf_web`), if the jar holds one.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = url::Url::parse(&self.base).expect("base url");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix("belf_web="))
            .map(str::to_owned)
    }
}
