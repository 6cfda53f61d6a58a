//! Registration through the real `belf` CLI (`--json`), and a browser login through the
//! real pages (authorize → login → consent → code → token), as `scripts/login.sh` does.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use hyper::header::{self, HeaderName};

use crate::http::{Conn, basic_auth, enc, hidden_input, pkce, query_param};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const USER_SCOPE: &str = "openid profile email offline_access courses:read courses:write";

/// Everything the scenarios need, registered once per driver run.
pub struct Setup {
    pub auth: SocketAddr,
    pub todo: SocketAddr,
    pub username: String,
    pub password: String,
    /// Confidential web client: authorization_code + refresh_token.
    pub web_id: String,
    pub web_secret: String,
    /// Client-credentials clients by access-token algorithm.
    pub cc: Vec<(String, String, String)>,
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
    pub fn register(belf: &Path, dir: &Path, auth: SocketAddr, todo: SocketAddr) -> Setup {
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
        let web = cli(
            belf,
            dir,
            &[
                "client",
                "add",
                "--name",
                "bench-web",
                "--redirect-uri",
                REDIRECT,
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
                    &format!("bench-cc-{alg}"),
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
            auth,
            todo,
            username,
            password,
            web_id: field(&web, "client_id"),
            web_secret: field(&web, "client_secret"),
            cc,
        }
    }

    pub fn cc_client(&self, alg: &str) -> (&str, &str) {
        let (_, id, secret) = self
            .cc
            .iter()
            .find(|(a, _, _)| a == alg)
            .expect("cc client registered");
        (id, secret)
    }

    pub fn authorize_path(&self, challenge: &str) -> String {
        format!(
            "/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state=bench&nonce=bench&code_challenge={challenge}&code_challenge_method=S256",
            enc(&self.web_id),
            enc(REDIRECT),
            enc(USER_SCOPE),
        )
    }

    /// Exchanges `code` at the token endpoint as the web client.
    pub async fn exchange(
        &self,
        conn: &mut Conn,
        code: &str,
        verifier: &str,
    ) -> Result<serde_json::Value, String> {
        let auth = basic_auth(&self.web_id, &self.web_secret);
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

    /// Logs in through the pages with `conn`'s cookie jar (consenting if asked) and returns
    /// the token response. Afterwards the jar holds a logged-in session.
    pub async fn browser_login(&self, conn: &mut Conn) -> Result<serde_json::Value, String> {
        let (verifier, challenge) = pkce();
        let mut res = conn.get(&self.authorize_path(&challenge), &[]).await?;
        for _ in 0..6 {
            let loc = res
                .location
                .clone()
                .ok_or_else(|| format!("expected a redirect, got {}", res.status))?;
            if loc.starts_with("/login") || loc.starts_with("/consent") {
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
            } else {
                let code = query_param(&loc, "code").ok_or_else(|| format!("no code in {loc}"))?;
                return self.exchange(conn, &code, &verifier).await;
            }
        }
        Err("too many redirects".into())
    }

    /// A user access token (all user scopes) from a fresh browser login.
    pub async fn user_token(&self) -> Result<String, String> {
        let mut conn = Conn::new(self.auth, true);
        let tokens = self.browser_login(&mut conn).await?;
        Ok(tokens["access_token"]
            .as_str()
            .ok_or("no access_token")?
            .to_owned())
    }
}

pub fn bearer(token: &str) -> (HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}
