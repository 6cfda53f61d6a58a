//! The real Belf identity server as a [`TokenSource`]: tokens come from its `/token`
//! endpoint (client credentials, and authorization code + PKCE after a login in a
//! cookie-jar browser), exactly as a client would get them — so any todo test written
//! against the fake issuer can run against the real one.

use std::collections::HashSet;
use std::future::Future;

use serde_json::Value;

use super::authorize::code_for;
use super::browser::Browser;
use super::token::{client_credentials, exchange_code};
use super::{PASSWORD, REDIRECT, TestAuth, TokenSource};

/// The real identity server, with a web client (code flow with PKCE) and a service client
/// (client credentials) registered, handing out the tokens a todo test asks for. Users are
/// registered on first use with [`PASSWORD`].
pub struct RealIssuer {
    pub auth: TestAuth,
    web: (String, String),
    machine: (String, String),
    users: tokio::sync::Mutex<HashSet<String>>,
}

impl RealIssuer {
    pub async fn spawn() -> RealIssuer {
        let auth = TestAuth::spawn().await;
        let web = auth.web_client(REDIRECT).await;
        let machine = auth.service_client().await;
        RealIssuer {
            auth,
            web,
            machine,
            users: tokio::sync::Mutex::new(HashSet::new()),
        }
    }

    /// An access token for `name` with `scope` (plus `openid`), after a login and consent.
    pub async fn user_token(&self, name: &str, scope: &str) -> String {
        self.user_tokens(name, scope).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// The whole token response of a login (access, ID and maybe refresh token).
    pub async fn user_tokens(&self, name: &str, scope: &str) -> Value {
        {
            let mut users = self.users.lock().await;
            if users.insert(name.to_owned()) {
                self.auth.user(name, PASSWORD).await;
            }
        }
        let browser = Browser::new(&self.auth.base);
        let (web_id, web_secret) = (&self.web.0, &self.web.1);
        let (code, verifier) = code_for(&browser, web_id, &format!("openid {scope}"), name).await;
        exchange_code(
            &self.auth.base,
            (web_id, web_secret),
            &code,
            Some(&verifier),
        )
        .await
        .ok()
    }
}

impl TokenSource for RealIssuer {
    fn token(&self, user: Option<&str>, scopes: &[&str]) -> impl Future<Output = String> + Send {
        let scope = scopes.join(" ");
        let user = user.map(str::to_owned);
        async move {
            match user {
                Some(name) => self.user_token(&name, &scope).await,
                None => {
                    let (id, secret) = (&self.machine.0, &self.machine.1);
                    client_credentials(&self.auth.base, (id, secret), Some(&scope))
                        .await
                        .access_token()
                }
            }
        }
    }
}
