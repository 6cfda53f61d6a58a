//! GitHub: plain OAuth 2 (no ID token) and its user API. The person is who `GET /user`
//! says the token belongs to; the e-mail address is the primary one of `GET /user/emails`,
//! verified as GitHub says. The endpoints and API base are configurable (tests point them
//! at a fake).

use openidconnect::PkceCodeChallenge;
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::http_client::UpstreamHttp;
use super::{AuthorizationStart, UpstreamFailure, UpstreamProfile, profile_from_claims};
use crate::auth::tokens::handles;
use crate::config::UpstreamConfig;

pub struct GithubProvider {
    config: UpstreamConfig,
    redirect_uri: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct EmailEntry {
    email: String,
    primary: bool,
    verified: bool,
}

impl GithubProvider {
    pub fn new(config: UpstreamConfig, redirect_uri: String) -> Self {
        GithubProvider {
            config,
            redirect_uri,
        }
    }

    fn endpoint(&self, url: &Option<String>) -> String {
        url.as_deref().unwrap_or_default().to_owned()
    }

    pub fn authorization(&self) -> Result<AuthorizationStart, UpstreamFailure> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = handles::new_handle();
        // Checked at start (`config::upstream`).
        let mut url = url::Url::parse(&self.endpoint(&self.config.authorization_url))
            .map_err(|e| UpstreamFailure::Unavailable(format!("authorization_url: {e}")))?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", &self.config.scopes().join(" "))
            .append_pair("state", &state)
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", "S256")
            .append_pair("allow_signup", "false");
        Ok(AuthorizationStart {
            url: url.to_string(),
            state,
            nonce: None,
            pkce_verifier: verifier.secret().clone(),
        })
    }

    pub async fn finish(
        &self,
        http: &UpstreamHttp,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<UpstreamProfile, UpstreamFailure> {
        let token_request = http
            .reqwest()
            .post(self.endpoint(&self.config.token_url))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("client_id", self.config.client_id.as_str()),
                ("client_secret", self.config.client_secret.expose_secret()),
                ("code", code),
                ("redirect_uri", &self.redirect_uri),
                ("code_verifier", pkce_verifier),
            ]);
        let answer: TokenAnswer = json(http, token_request, "token endpoint").await?;
        let token = match (answer.access_token, answer.error) {
            (Some(t), _) if !t.is_empty() => t,
            (_, error) => {
                return Err(UpstreamFailure::Refused(format!(
                    "token endpoint: {}",
                    error.unwrap_or_else(|| "no access_token".into())
                )));
            }
        };
        let api = self.endpoint(&self.config.api_base_url);
        let api = api.trim_end_matches('/');
        let get = |path: &str| {
            http.reqwest()
                .get(format!("{api}{path}"))
                .bearer_auth(&token)
                .header(reqwest::header::ACCEPT, "application/vnd.github+json")
        };
        let mut user: serde_json::Value = json(http, get("/user"), "user API").await?;
        let emails: Vec<EmailEntry> = json(http, get("/user/emails"), "user API").await?;
        // The primary address, with GitHub's word on whether it is verified; the public
        // profile's `email` is whatever the person typed and proves nothing.
        if let Some(obj) = user.as_object_mut() {
            let primary = emails.into_iter().find(|e| e.primary);
            obj.insert(
                "email".into(),
                primary.as_ref().map(|e| e.email.clone()).into(),
            );
            obj.insert(
                "email_verified".into(),
                primary.is_some_and(|e| e.verified).into(),
            );
            if obj.get("name").is_none_or(serde_json::Value::is_null) {
                let login = obj.get("login").cloned().unwrap_or_default();
                obj.insert("name".into(), login);
            }
        }
        let mut mapping = self.config.claims.clone();
        // What this module put there, whatever the mapping names for OIDC providers.
        mapping.email = Some("email".into());
        mapping.email_verified = Some("email_verified".into());
        profile_from_claims(&mapping, &user)
    }
}

/// A JSON answer: a 2xx with a body that parses, or the provider failing.
async fn json<T: serde::de::DeserializeOwned>(
    http: &UpstreamHttp,
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<T, UpstreamFailure> {
    let (status, _, body) = http
        .send(request)
        .await
        .map_err(|e| UpstreamFailure::Unavailable(format!("{what}: {e}")))?;
    if status.is_client_error() {
        return Err(UpstreamFailure::Refused(format!("{what}: {status}")));
    }
    if !status.is_success() {
        return Err(UpstreamFailure::Unavailable(format!("{what}: {status}")));
    }
    serde_json::from_slice(&body)
        .map_err(|e| UpstreamFailure::Unavailable(format!("{what} answer: {e}")))
}
