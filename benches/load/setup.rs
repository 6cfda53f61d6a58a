//! Registration through the real `belf` CLI (`--json`), and a browser login through the
//! real pages (authorize → login → consent → code → token), as `scripts/login.sh` does.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use hyper::header::{self, HeaderName};

use crate::http::{Conn, Resp, basic_auth, enc, hidden_input, pkce, query_param};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
/// The web app's session cookie over http (`belf::web::http::SESSION_COOKIE`).
pub const WEB_SESSION_COOKIE: &str = "belf_web";
pub const USER_SCOPE: &str = "openid profile email offline_access courses:read courses:write";

/// Everything the scenarios need, registered once per driver run.
pub struct Setup {
    /// Identity-server instances (production mode runs two on one database and Redis);
    /// each new connection goes to the next one in turn ([`Setup::auth`]).
    pub auths: Vec<SocketAddr>,
    next_auth: std::sync::atomic::AtomicUsize,
    pub todo: SocketAddr,
    /// The web app (`belf serve` runs it beside the other two).
    pub web: SocketAddr,
    pub username: String,
    pub password: String,
    /// Confidential web client: authorization_code + refresh_token, RS256 ID tokens (the
    /// OIDC default).
    pub web_id: String,
    pub web_secret: String,
    /// The same kind of client registered with `--id-token-alg ES256`
    /// (`id_token_signed_response_alg`), for `code-flow-es256` and `refresh-es256`.
    pub web_es256: WebClient,
    /// Client-credentials clients by access-token algorithm.
    pub cc: Vec<(String, String, String)>,
    /// Whether the web scenarios' courses and todos exist (seeded by the first of them).
    pub web_seeded: std::sync::atomic::AtomicBool,
}

/// A confidential client of the code and refresh scenarios.
#[derive(Clone)]
pub struct WebClient {
    pub id: String,
    pub secret: String,
}

fn cli(belf: &Path, dir: &Path, args: &[&str], stdin: Option<&str>) -> serde_json::Value {
    use std::io::Write;
    let mut cmd = Command::new(belf);
    cmd.current_dir(dir)
        .arg("--json")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd.spawn().expect("belf CLI runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("belf CLI finishes");
    assert!(out.status.success(), "belf {args:?} failed");
    serde_json::from_slice(&out.stdout).expect("belf --json prints JSON")
}

fn field(v: &serde_json::Value, name: &str) -> String {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("CLI output has no {name}: {v}"))
        .to_owned()
}

impl Setup {
    /// Registers one user, one web client and three client-credentials clients (ES256,
    /// EdDSA, RS256) with `belf` run in `dir`, where the server keeps its database.
    pub fn register(
        belf: &Path,
        dir: &Path,
        auths: Vec<SocketAddr>,
        todo: SocketAddr,
        web: SocketAddr,
    ) -> Setup {
        assert!(!auths.is_empty(), "at least one --auth address");
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let username = format!("bench{tag}");
        let password = "bench password correct horse".to_owned();
        cli(
            belf,
            dir,
            &[
                "user",
                "add",
                "--username",
                &username,
                "--email",
                &format!("{username}@example.com"),
                "--name",
                "Bench User",
                "--password-stdin",
            ],
            Some(&format!("{password}\n")),
        );
        let web_client = cli(
            belf,
            dir,
            &[
                "client",
                "add",
                "--name",
                &format!("bench-web-{tag}"),
                "--redirect-uri",
                REDIRECT,
            ],
            None,
        );
        let web_es256 = cli(
            belf,
            dir,
            &[
                "client",
                "add",
                "--name",
                &format!("bench-web-es256-{tag}"),
                "--redirect-uri",
                REDIRECT,
                "--id-token-alg",
                "ES256",
            ],
            None,
        );
        let mut cc = Vec::new();
        for alg in ["ES256", "EdDSA", "RS256"] {
            let c = cli(
                belf,
                dir,
                &[
                    "client",
                    "add",
                    "--name",
                    &format!("bench-cc-{alg}-{tag}"),
                    "--grant-type",
                    "client_credentials",
                    "--scope",
                    "courses:read",
                    "--access-token-alg",
                    alg,
                ],
                None,
            );
            cc.push((
                alg.to_owned(),
                field(&c, "client_id"),
                field(&c, "client_secret"),
            ));
        }
        Setup {
            auths,
            next_auth: Default::default(),
            todo,
            web,
            username,
            password,
            web_id: field(&web_client, "client_id"),
            web_secret: field(&web_client, "client_secret"),
            web_es256: WebClient {
                id: field(&web_es256, "client_id"),
                secret: field(&web_es256, "client_secret"),
            },
            cc,
            web_seeded: Default::default(),
        }
    }

    /// The identity-server instance for a new connection: round-robin over `auths`.
    pub fn auth(&self) -> SocketAddr {
        let n = self
            .next_auth
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.auths[n % self.auths.len()]
    }

    /// The identity-server instance after `addr` (itself when there is one): where a flow
    /// begun on `addr` continues, so a code or refresh token crosses instances.
    pub fn auth_after(&self, addr: SocketAddr) -> SocketAddr {
        let i = self.auths.iter().position(|a| *a == addr).unwrap_or(0);
        self.auths[(i + 1) % self.auths.len()]
    }

    pub fn cc_client(&self, alg: &str) -> (&str, &str) {
        let (_, id, secret) = self
            .cc
            .iter()
            .find(|(a, _, _)| a == alg)
            .expect("cc client registered");
        (id, secret)
    }

    /// The web client a code or refresh scenario runs as: `*-es256` the ES256 one.
    pub fn web_client(&self, scenario: &str) -> WebClient {
        if scenario.ends_with("-es256") {
            self.web_es256.clone()
        } else {
            WebClient {
                id: self.web_id.clone(),
                secret: self.web_secret.clone(),
            }
        }
    }

    pub fn authorize_path(&self, client: &WebClient, challenge: &str) -> String {
        format!(
            "/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state=bench&nonce=bench&code_challenge={challenge}&code_challenge_method=S256",
            enc(&client.id),
            enc(REDIRECT),
            enc(USER_SCOPE),
        )
    }

    /// Exchanges `code` at the token endpoint as `client`.
    pub async fn exchange(
        &self,
        conn: &mut Conn,
        client: &WebClient,
        code: &str,
        verifier: &str,
    ) -> Result<serde_json::Value, String> {
        let auth = basic_auth(&client.id, &client.secret);
        let res = conn
            .post_form(
                "/token",
                &[(header::AUTHORIZATION, &auth)],
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", verifier),
                ],
            )
            .await?
            .expect(&[200])?;
        res.json()
    }

    /// Logs in through the pages with `conn`'s cookie jar (consenting if asked) as
    /// `client` and returns the token response. Afterwards the jar holds a logged-in session.
    pub async fn browser_login(
        &self,
        conn: &mut Conn,
        client: &WebClient,
    ) -> Result<serde_json::Value, String> {
        let (verifier, challenge) = pkce();
        let res = conn
            .get(&self.authorize_path(client, &challenge), &[])
            .await?;
        let loc = self.through_pages(conn, res).await?;
        let code = query_param(&loc, "code").ok_or_else(|| format!("no code in {loc}"))?;
        self.exchange(conn, client, &code, &verifier).await
    }

    /// Follows the identity server's login and consent pages from `res` (an answer of
    /// /authorize) with `conn`'s cookie jar, and returns where it finally sends the browser
    /// (the client's redirect URI with a code).
    async fn through_pages(&self, conn: &mut Conn, mut res: Resp) -> Result<String, String> {
        for _ in 0..6 {
            let loc = res
                .location
                .clone()
                .ok_or_else(|| format!("expected a redirect, got {}", res.status))?;
            if !(loc.starts_with("/login") || loc.starts_with("/consent")) {
                return Ok(loc);
            }
            let page = conn.get(&loc, &[]).await?.expect(&[200])?.text();
            let csrf = hidden_input(&page, "csrf").ok_or("page without csrf")?;
            let interaction = hidden_input(&page, "interaction").unwrap_or_default();
            res = if loc.starts_with("/login") {
                conn.post_form(
                    "/login",
                    &[],
                    &[
                        ("csrf", &csrf),
                        ("interaction", &interaction),
                        ("username", &self.username),
                        ("password", &self.password),
                    ],
                )
                .await?
            } else {
                conn.post_form(
                    "/consent",
                    &[],
                    &[
                        ("csrf", &csrf),
                        ("interaction", &interaction),
                        ("decision", "allow"),
                    ],
                )
                .await?
            };
        }
        Err("too many redirects".into())
    }

    /// Signs in to the web app at `self.web` through its real pages (web /login → identity
    /// server /authorize, login and consent with `auth_conn`'s jar → web /callback) and
    /// returns the web app's session cookie (`name=value`). Once `auth_conn` is logged in,
    /// further sign-ins cost no password check: each gives a new web session.
    pub async fn web_sign_in(&self, auth_conn: &mut Conn) -> Result<String, String> {
        let mut web = Conn::new(self.web, true);
        let start = web
            .get("/login?return_to=/today", &[])
            .await?
            .expect(&[302, 303])?;
        let authorize = start.location.ok_or("web /login did not redirect")?;
        let res = auth_conn.get(&path_of(&authorize)?, &[]).await?;
        let callback = self.through_pages(auth_conn, res).await?;
        let landed = web
            .get(&path_of(&callback)?, &[])
            .await?
            .expect(&[302, 303])?;
        if landed.location.as_deref() != Some("/today") {
            return Err(format!("web sign-in went to {:?}", landed.location));
        }
        let jar = web.jar.as_ref().ok_or("no cookie jar")?;
        jar.get(WEB_SESSION_COOKIE)
            .map(|v| format!("{WEB_SESSION_COOKIE}={v}"))
            .ok_or_else(|| "the web app set no session cookie".to_owned())
    }

    /// A user access token (all user scopes) from a fresh browser login.
    pub async fn user_token(&self) -> Result<String, String> {
        let mut conn = Conn::new(self.auth(), true);
        let tokens = self.browser_login(&mut conn, &self.web_client("")).await?;
        Ok(tokens["access_token"]
            .as_str()
            .ok_or("no access_token")?
            .to_owned())
    }
}

pub fn bearer(token: &str) -> (HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

/// The path and query of an absolute or relative URL (the driver's connections are to one
/// server each, so the host part only tells which).
fn path_of(url: &str) -> Result<String, String> {
    if url.starts_with('/') {
        return Ok(url.to_owned());
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("bad redirect {url}: {e}"))?;
    Ok(match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    })
}
