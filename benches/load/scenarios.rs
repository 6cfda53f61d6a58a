//! What one worker does in one iteration ("op") of each scenario. An op is one request,
//! except `code-flow` (authorize + token exchange: 2 requests).

use bytes::Bytes;
use hyper::header::{self, HeaderName};

use crate::http::{Conn, basic_auth, hidden_input, pkce, query_param};
use crate::setup::{Setup, bearer};

/// Scenario names, in the order `all` runs them, with a one-line description.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "healthz",
        "GET /healthz (identity server): the ceiling of the stack",
    ),
    ("discovery", "GET /.well-known/openid-configuration"),
    ("jwks", "GET /jwks.json"),
    ("cc-es256", "client_credentials grant, ES256 access token"),
    ("cc-eddsa", "client_credentials grant, EdDSA access token"),
    ("cc-rs256", "client_credentials grant, RS256 access token"),
    (
        "refresh",
        "refresh_token grant with rotation (each worker its own chain)",
    ),
    (
        "code-flow",
        "logged-in browser: authorize (remembered consent) + code exchange with PKCE",
    ),
    (
        "refresh-es256",
        "refresh, as a client registered with id_token_signed_response_alg ES256",
    ),
    (
        "code-flow-es256",
        "code-flow, as a client registered with id_token_signed_response_alg ES256",
    ),
    (
        "introspect",
        "POST /introspect of a JWT access token by a confidential client",
    ),
    ("userinfo", "GET /userinfo with a Bearer token"),
    ("todo-get", "todo service: GET /api/courses/{id} (Bearer)"),
    (
        "todo-post",
        "todo service: POST /api/courses/{id}/todos (Bearer)",
    ),
    (
        "login",
        "POST /login with a reused csrf per cookie jar (Argon2id)",
    ),
    (
        "cc-during-logins",
        "cc-es256 at --probe-concurrency while --concurrency workers flood POST /login",
    ),
    (
        "web_today",
        "web app: GET /today signed in (a session cookie per worker); 20 todos due",
    ),
    (
        "web_explore",
        "web app: GET /explore signed in (a session cookie per worker); a page of 20 courses",
    ),
];

/// Scenarios of the web app (`scripts/bench.sh web` runs just these).
pub const WEB: &[&str] = &["web_today", "web_explore"];

/// What the web scenarios seed for the bench user: this many public courses, each with one
/// todo due every day, so Today lists `WEB_SEEDED` todos and Explore a full page (20).
pub const WEB_SEEDED: usize = 20;
/// Title prefixes of the seeded courses and todos: a page must show all `WEB_SEEDED`.
const WEB_COURSE: &str = "Bench web course";
const WEB_TODO: &str = "Bench web todo";

/// Scenarios whose workers share one user access token (and a course).
pub const NEEDS_USER_TOKEN: &[&str] = &["introspect", "userinfo", "todo-get", "todo-post"];

/// Data shared by the scenarios that need a logged-in user: one access token and a course;
/// for the web scenarios, web app session cookies (one per worker, handed out in turn).
#[derive(Default)]
pub struct Shared {
    pub user_token: String,
    pub course_id: String,
    pub web_cookies: Vec<String>,
    next_web_cookie: std::sync::atomic::AtomicUsize,
}

impl Shared {
    pub async fn create(setup: &Setup) -> Result<Shared, String> {
        let user_token = setup.user_token().await?;
        let mut conn = Conn::new(setup.todo, false);
        let (k, v) = bearer(&user_token);
        let course = conn
            .post_json(
                "/api/courses",
                &[(k, &v)],
                Bytes::from_static(
                    br#"{"title":"Bench course","colour":"blue","start_date":"2026-11-01","public":false}"#,
                ),
            )
            .await?
            .expect(&[200, 201])?
            .json()?;
        let course_id = match &course["id"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Ok(Shared {
            user_token,
            course_id,
            ..Shared::default()
        })
    }

    /// For the web scenarios: seeds the bench user's courses and todos through the todo
    /// API (once per driver run), then signs `sessions` web sessions in through the pages.
    pub async fn create_web(setup: &Setup, sessions: usize) -> Result<Shared, String> {
        if !setup
            .web_seeded
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            seed_web(setup).await?;
        }
        let mut auth_conn = Conn::new(setup.auth(), true);
        let mut web_cookies = Vec::with_capacity(sessions);
        for _ in 0..sessions {
            web_cookies.push(setup.web_sign_in(&mut auth_conn).await?);
        }
        Ok(Shared {
            web_cookies,
            ..Shared::default()
        })
    }

    fn web_cookie(&self) -> Result<String, String> {
        let n = self
            .next_web_cookie
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.web_cookies.is_empty() {
            return Err("no web session".into());
        }
        Ok(self.web_cookies[n % self.web_cookies.len()].clone())
    }
}

/// `WEB_SEEDED` public courses of the bench user, each with one todo due every day since
/// 2020 (so it is due today whatever the date and the web app's UTC offset).
async fn seed_web(setup: &Setup) -> Result<(), String> {
    let token = setup.user_token().await?;
    let mut conn = Conn::new(setup.todo, false);
    let (k, v) = bearer(&token);
    for n in 1..=WEB_SEEDED {
        let course = serde_json::json!({
            "title": format!("{WEB_COURSE} {n:02}"), "colour": "blue",
            "start_date": "2020-01-01", "public": true, "tags": ["bench"],
        });
        let created = conn
            .post_json(
                "/api/courses",
                &[(k.clone(), &v)],
                Bytes::from(course.to_string()),
            )
            .await?
            .expect(&[200, 201])?
            .json()?;
        let id = created["id"].as_str().ok_or("course without id")?;
        let todo = serde_json::json!({
            "title": format!("{WEB_TODO} {n:02}"), "active_date": "2020-01-01",
            "recurrence": { "type": "every", "days": 1 },
        });
        conn.post_json(
            &format!("/api/courses/{id}/todos"),
            &[(k.clone(), &v)],
            Bytes::from(todo.to_string()),
        )
        .await?
        .expect(&[200, 201])?;
    }
    Ok(())
}

/// How often `needle` occurs in `haystack`.
fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

pub enum Worker {
    Get {
        conn: Conn,
        path: String,
        headers: Vec<(HeaderName, String)>,
    },
    ClientCredentials {
        conn: Conn,
        auth: String,
    },
    Introspect {
        conn: Conn,
        auth: String,
        token: String,
    },
    Refresh {
        conn: Conn,
        auth: String,
        refresh_token: String,
    },
    CodeFlow {
        conn: Conn,
        token_conn: Conn,
        client: crate::setup::WebClient,
    },
    TodoPost {
        conn: Conn,
        path: String,
        auth: String,
    },
    Login {
        conn: Conn,
        csrf: String,
    },
    /// A signed-in page of the web app; the answer must be 200 and name every seeded item.
    WebPage {
        conn: Conn,
        path: &'static str,
        cookie: String,
        must_list: &'static str,
    },
}

impl Worker {
    /// Builds one worker of `scenario` (its own connection, logged in if it needs to be).
    pub async fn new(scenario: &str, setup: &Setup, shared: &Shared) -> Result<Worker, String> {
        let get = |addr, path: &str, headers: Vec<(HeaderName, String)>| Worker::Get {
            conn: Conn::new(addr, false),
            path: path.to_owned(),
            headers,
        };
        Ok(match scenario {
            "healthz" => get(setup.auth(), "/healthz", vec![]),
            "discovery" => get(setup.auth(), "/.well-known/openid-configuration", vec![]),
            "jwks" => get(setup.auth(), "/jwks.json", vec![]),
            "userinfo" => get(setup.auth(), "/userinfo", vec![bearer(&shared.user_token)]),
            "todo-get" => get(
                setup.todo,
                &format!("/api/courses/{}", shared.course_id),
                vec![bearer(&shared.user_token)],
            ),
            "cc-es256" | "cc-eddsa" | "cc-rs256" => {
                let alg = match scenario {
                    "cc-es256" => "ES256",
                    "cc-eddsa" => "EdDSA",
                    _ => "RS256",
                };
                let (id, secret) = setup.cc_client(alg);
                Worker::ClientCredentials {
                    conn: Conn::new(setup.auth(), false),
                    auth: basic_auth(id, secret),
                }
            }
            "introspect" => Worker::Introspect {
                conn: Conn::new(setup.auth(), false),
                auth: basic_auth(&setup.web_id, &setup.web_secret),
                token: shared.user_token.clone(),
            },
            "refresh" | "refresh-es256" => {
                let client = setup.web_client(scenario);
                // Logged in on one instance, the chain rotates on the next one.
                let mut login = Conn::new(setup.auth(), true);
                let tokens = setup.browser_login(&mut login, &client).await?;
                Worker::Refresh {
                    conn: Conn::new(setup.auth_after(login.addr()), false),
                    auth: basic_auth(&client.id, &client.secret),
                    refresh_token: tokens["refresh_token"]
                        .as_str()
                        .ok_or("no refresh_token")?
                        .to_owned(),
                }
            }
            "code-flow" | "code-flow-es256" => {
                let client = setup.web_client(scenario);
                // The browser authorizes on one instance, the client exchanges the code on
                // the next one (the same one when there is only one).
                let mut conn = Conn::new(setup.auth(), true);
                setup.browser_login(&mut conn, &client).await?;
                let token_conn = Conn::new(setup.auth_after(conn.addr()), false);
                Worker::CodeFlow {
                    conn,
                    token_conn,
                    client,
                }
            }
            "todo-post" => Worker::TodoPost {
                conn: Conn::new(setup.todo, false),
                path: format!("/api/courses/{}/todos", shared.course_id),
                auth: bearer(&shared.user_token).1,
            },
            "login" => {
                let mut conn = Conn::new(setup.auth(), true);
                let page = conn.get("/login", &[]).await?.expect(&[200])?.text();
                let csrf = hidden_input(&page, "csrf").ok_or("login page without csrf")?;
                Worker::Login { conn, csrf }
            }
            "web_today" | "web_explore" => {
                let (path, must_list) = if scenario == "web_today" {
                    ("/today", WEB_TODO)
                } else {
                    ("/explore", WEB_COURSE)
                };
                Worker::WebPage {
                    conn: Conn::new(setup.web, false),
                    path,
                    cookie: shared.web_cookie()?,
                    must_list,
                }
            }
            other => return Err(format!("unknown scenario {other}")),
        })
    }

    /// One op; returns how many HTTP requests it made.
    pub async fn step(&mut self, setup: &Setup) -> Result<u32, String> {
        match self {
            Worker::Get {
                conn,
                path,
                headers,
            } => {
                let h: Vec<(HeaderName, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str()))
                    .collect();
                conn.get(path, &h).await?.expect(&[200])?;
                Ok(1)
            }
            Worker::ClientCredentials { conn, auth } => {
                let res = conn
                    .post_form(
                        "/token",
                        &[(header::AUTHORIZATION, auth)],
                        &[("grant_type", "client_credentials")],
                    )
                    .await?
                    .expect(&[200])?;
                if !res.body.starts_with(b"{\"access_token\"") {
                    return Err(format!("unexpected token response: {}", res.text()));
                }
                Ok(1)
            }
            Worker::Introspect { conn, auth, token } => {
                let res = conn
                    .post_form(
                        "/introspect",
                        &[(header::AUTHORIZATION, auth)],
                        &[("token", token)],
                    )
                    .await?
                    .expect(&[200])?;
                if res.json()?["active"] != serde_json::Value::Bool(true) {
                    return Err(format!("token not active: {}", res.text()));
                }
                Ok(1)
            }
            Worker::Refresh {
                conn,
                auth,
                refresh_token,
            } => {
                let res = conn
                    .post_form(
                        "/token",
                        &[(header::AUTHORIZATION, auth)],
                        &[
                            ("grant_type", "refresh_token"),
                            ("refresh_token", refresh_token),
                        ],
                    )
                    .await?
                    .expect(&[200])?
                    .json()?;
                *refresh_token = res["refresh_token"]
                    .as_str()
                    .ok_or("no rotated refresh_token")?
                    .to_owned();
                Ok(1)
            }
            Worker::CodeFlow {
                conn,
                token_conn,
                client,
            } => {
                let (verifier, challenge) = pkce();
                let res = conn
                    .get(&setup.authorize_path(client, &challenge), &[])
                    .await?
                    .expect(&[302, 303])?;
                let loc = res.location.unwrap_or_default();
                let code = query_param(&loc, "code")
                    .ok_or_else(|| format!("authorize did not answer with a code: {loc}"))?;
                let tokens = setup.exchange(token_conn, client, &code, &verifier).await?;
                if tokens["id_token"].is_null() {
                    return Err("no id_token".into());
                }
                Ok(2)
            }
            Worker::TodoPost { conn, path, auth } => {
                conn.post_json(
                    path,
                    &[(header::AUTHORIZATION, auth)],
                    Bytes::from_static(br#"{"title":"t","active_date":"2026-11-01"}"#),
                )
                .await?
                .expect(&[200, 201])?;
                Ok(1)
            }
            Worker::Login { conn, csrf } => {
                let res = conn
                    .post_form(
                        "/login",
                        &[],
                        &[
                            ("csrf", csrf),
                            ("username", &setup.username),
                            ("password", &setup.password),
                        ],
                    )
                    .await?
                    .expect(&[302, 303])?;
                if res.location.as_deref() != Some("/") {
                    return Err(format!("login went to {:?}", res.location));
                }
                Ok(1)
            }
            Worker::WebPage {
                conn,
                path,
                cookie,
                must_list,
            } => {
                let res = conn
                    .get(path, &[(header::COOKIE, cookie)])
                    .await?
                    .expect(&[200])?;
                let listed = occurrences(&res.body, must_list.as_bytes());
                if listed < WEB_SEEDED {
                    return Err(format!(
                        "{path} lists {listed} of the {WEB_SEEDED} seeded items"
                    ));
                }
                Ok(1)
            }
        }
    }
}
