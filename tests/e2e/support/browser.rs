//! A browser: cookie jar, no automatic redirects (tests look at each hop), form posts,
//! and the identity server's login and consent forms filled in the way a person would.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of a hidden input, e.g. `csrf` or `interaction`.
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(
            self.body[start..end]
                .replace("&#x2f;", "/")
                .replace("&amp;", "&"),
        )
    }

    pub fn location(&self) -> &str {
        self.location.as_deref().expect("response has a Location")
    }
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_owned(),
        }
    }

    /// The same browser (one cookie jar) talking to another server, e.g. a replica behind
    /// the same load balancer.
    pub fn with_base(&self, base: &str) -> Browser {
        Browser {
            http: self.http.clone(),
            base: base.to_owned(),
        }
    }

    fn abs(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{}", self.base, url)
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

    /// From a login page, submits credentials. Returns the response to the POST.
    pub async fn submit_login(&self, login_page: &Page, username: &str, password: &str) -> Page {
        let csrf = login_page.input("csrf").expect("login form has csrf");
        let interaction = login_page.input("interaction").unwrap_or_default();
        let mut form = vec![
            ("csrf", csrf),
            ("interaction", interaction),
            ("username", username.to_owned()),
            ("password", password.to_owned()),
        ];
        // Every hidden input goes back, as a browser sends it (a device confirmation).
        if let Some(device) = login_page.input("device") {
            form.push(("device", device));
        }
        if let Some(next) = login_page.input("next") {
            form.push(("next", next));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post("/login", &form).await
    }

    /// Logs in on the bare login page (no pending authorization). Returns the response to
    /// the POST: a redirect when the login succeeded.
    pub async fn log_in(&self, username: &str, password: &str) -> Page {
        let login = self.get("/login").await;
        self.submit_login(&login, username, password).await
    }

    /// From a consent page, allows or denies.
    pub async fn submit_consent(&self, consent_page: &Page, allow: bool) -> Page {
        let csrf = consent_page.input("csrf").expect("consent form has csrf");
        let interaction = consent_page
            .input("interaction")
            .expect("consent interaction");
        self.post(
            "/consent",
            &[
                ("csrf", &csrf),
                ("interaction", &interaction),
                ("decision", if allow { "allow" } else { "deny" }),
            ],
        )
        .await
    }

    /// Drives authorize → (login) → (consent) until the redirect back to the client and
    /// returns that final URL's query parameters.
    pub async fn authorize(
        &self,
        authorize_url: &str,
        username: &str,
        password: &str,
    ) -> Vec<(String, String)> {
        let mut page = self.get(authorize_url).await;
        for _ in 0..6 {
            assert_eq!(
                page.status,
                StatusCode::FOUND,
                "expected a redirect, got {}: {}",
                page.status,
                page.body
            );
            let loc = page.location().to_owned();
            if loc.starts_with("/login") {
                let login = self.get(&loc).await;
                page = self.submit_login(&login, username, password).await;
            } else if loc.starts_with("/consent") {
                let consent = self.get(&loc).await;
                page = self.submit_consent(&consent, true).await;
            } else {
                return query_of(&loc);
            }
        }
        panic!("too many hops");
    }
}

pub fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .expect("absolute URL")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}
