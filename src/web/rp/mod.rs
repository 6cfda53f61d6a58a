//! The web app as a relying party of the identity server, with the `openidconnect`
//! crate, from discovery: authorization code + PKCE (S256) + `state` + `nonce` as a
//! confidential client, the ID token verified (signature from the issuer's JWKS, `iss`,
//! `aud`, `exp`, `nonce`, `at_hash`), the access token refreshed before it expires, the
//! RP-initiated logout URL, and back-channel logout tokens ([`logout_token`]).
//!
//! Discovery is lazy and cached: a web app started before its identity server (or
//! while it is down) starts anyway and shows the outage page until the issuer answers.
//! The metadata (with the JWKS) is fetched again when older than [`MAX_AGE`] or when a
//! token is signed by a key it does not know (rotation), at most once per [`REFETCH`].

mod http_client;
pub mod logout_token;

use std::sync::{Arc, RwLock};

use base64::Engine;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient,
    CoreClientAuthMethod, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalProviderMetadata, AuthorizationCode, ClientId,
    ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl,
    RefreshToken, RequestTokenError, Scope, TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

pub use http_client::RpHttp;
pub use logout_token::{LogoutSubject, LogoutTokenError};

use super::session::{PendingLogin, Secret, SignedIn};
use crate::clock::Clock;

/// Metadata older than this is fetched again on next use, in seconds.
const MAX_AGE: i64 = 300;
/// At most one forced refetch (unknown key) per this many seconds.
const REFETCH: i64 = 30;
/// The scopes the web app asks for: who you are, and your courses.
pub const SCOPES: [&str; 5] = [
    "profile",
    "email",
    "offline_access",
    "courses:read",
    "courses:write",
];

/// Fields `openidconnect` does not model: RP-initiated logout's endpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogoutMetadata {
    pub end_session_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
}

impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

struct Discovered {
    client: Client,
    end_session: Option<String>,
    revocation: Option<String>,
    /// The same keys for `jsonwebtoken` (logout tokens).
    jwks: jsonwebtoken::jwk::JwkSet,
    fetched_at: i64,
}

/// What went wrong talking to the identity server.
#[derive(Debug, thiserror::Error)]
pub enum RpError {
    /// Not reachable, or answering 5xx: the outage page.
    #[error("identity server unavailable: {0}")]
    Unavailable(String),
    /// The grant is gone (refresh token revoked or expired, code spent): sign in again.
    #[error("the identity server refused: {0}")]
    Refused(String),
    /// The answer does not verify (ID token, state): refused, logged.
    #[error("invalid response: {0}")]
    Invalid(String),
}

/// Where to send the browser to sign in, and what to remember until it comes back.
pub struct LoginStart {
    pub url: String,
    pub pending: PendingLogin,
}

/// Claims from the userinfo endpoint the profile page shows.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub name: Option<String>,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub picture: Option<String>,
}

pub struct RelyingParty {
    http: RpHttp,
    issuer: String,
    client_id: String,
    client_secret: SecretString,
    redirect_uri: String,
    post_logout_uri: String,
    clock: Clock,
    discovered: RwLock<Option<Arc<Discovered>>>,
    /// One discovery at a time; remembers when the last forced one started.
    discovering: tokio::sync::Mutex<i64>,
}

impl RelyingParty {
    pub fn new(
        issuer: &str,
        client_id: &str,
        client_secret: SecretString,
        public_url: &str,
        clock: Clock,
    ) -> anyhow::Result<RelyingParty> {
        let public = public_url.trim_end_matches('/');
        Ok(RelyingParty {
            http: RpHttp::new()?,
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret,
            redirect_uri: format!("{public}/callback"),
            post_logout_uri: format!("{public}/"),
            clock,
            discovered: RwLock::new(None),
            discovering: tokio::sync::Mutex::new(i64::MIN / 2),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    fn cached(&self) -> Option<Arc<Discovered>> {
        self.discovered.read().ok().and_then(|d| d.clone())
    }

    /// The metadata: cached, or fetched when missing, stale or (`force`) after a key miss.
    async fn provider(&self, force: bool) -> Result<Arc<Discovered>, RpError> {
        let now = self.clock.now();
        if let Some(d) = self.cached()
            && !force
            && now - d.fetched_at < MAX_AGE
        {
            return Ok(d);
        }
        let mut last_forced = self.discovering.lock().await;
        // Someone else may have fetched while we waited.
        if let Some(d) = self.cached() {
            let fresh = now - d.fetched_at < MAX_AGE;
            if (!force && fresh) || (force && (now - *last_forced < REFETCH || d.fetched_at >= now))
            {
                return Ok(d);
            }
        }
        if force {
            *last_forced = now;
        }
        match self.discover(now).await {
            Ok(d) => {
                let d = Arc::new(d);
                if let Ok(mut slot) = self.discovered.write() {
                    *slot = Some(d.clone());
                }
                Ok(d)
            }
            // Stale metadata beats none while the issuer is down: sessions keep working
            // until a token must be refreshed.
            Err(e) => match self.cached() {
                Some(d) if !force => {
                    tracing::warn!(error = %e, "issuer discovery failed; using the metadata fetched before");
                    Ok(d)
                }
                _ => Err(e),
            },
        }
    }

    async fn discover(&self, now: i64) -> Result<Discovered, RpError> {
        let issuer =
            IssuerUrl::new(self.issuer.clone()).map_err(|e| RpError::Invalid(e.to_string()))?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| RpError::Unavailable(format!("discovery: {e}")))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let revocation = metadata.additional_metadata().revocation_endpoint.clone();
        let jwks = serde_json::to_value(metadata.jwks())
            .and_then(serde_json::from_value)
            .map_err(|e| RpError::Invalid(format!("jwks: {e}")))?;
        let redirect = RedirectUrl::new(self.redirect_uri.clone())
            .map_err(|e| RpError::Invalid(e.to_string()))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(
                self.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(redirect);
        tracing::info!(issuer = %self.issuer, "identity server discovered");
        Ok(Discovered {
            client,
            end_session,
            revocation,
            jwks,
            fetched_at: now,
        })
    }

    /// The authorization request (code flow, PKCE S256, fresh state and nonce).
    pub async fn start_login(
        &self,
        return_to: String,
        ui_locale: &str,
    ) -> Result<LoginStart, RpError> {
        let d = self.provider(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = d
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge)
            .add_ui_locale(openidconnect::LanguageTag::new(ui_locale.to_owned()));
        for scope in SCOPES {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        let (url, state, nonce) = request.url();
        Ok(LoginStart {
            url: url.to_string(),
            pending: PendingLogin {
                state: Secret::new(state.secret().clone()),
                nonce: Secret::new(nonce.secret().clone()),
                pkce_verifier: Secret::new(verifier.secret().clone()),
                return_to,
                started_at: self.clock.now(),
            },
        })
    }

    /// Exchanges the code and verifies the ID token against the pending sign-in.
    pub async fn finish_login(
        &self,
        code: &str,
        pending: &PendingLogin,
    ) -> Result<SignedIn, RpError> {
        let d = self.provider(false).await?;
        let response = d
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| RpError::Invalid(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(
                pending.pkce_verifier.expose().to_owned(),
            ))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = response
            .id_token()
            .ok_or_else(|| RpError::Invalid("no id_token in the token response".into()))?;
        let nonce = Nonce::new(pending.nonce.expose().to_owned());
        let claims = match self.verify_id_token(&d, id_token, &nonce, response.access_token()) {
            Ok(c) => c,
            // A key we have not seen: the issuer may have rotated; fetch its keys once more.
            Err(_) => {
                let d = self.provider(true).await?;
                self.verify_id_token(&d, id_token, &nonce, response.access_token())?
            }
        };
        let id_token_text = id_token.to_string();
        Ok(SignedIn {
            sub: claims.sub,
            sid: claims.sid,
            name: claims.name,
            email: claims.email,
            access_token: Secret::new(response.access_token().secret().clone()),
            access_expires_at: self.expires_at(response.expires_in()),
            refresh_token: response
                .refresh_token()
                .map(|r| Secret::new(r.secret().clone())),
            id_token: Secret::new(id_token_text),
        })
    }

    fn verify_id_token(
        &self,
        d: &Discovered,
        id_token: &openidconnect::core::CoreIdToken,
        nonce: &Nonce,
        access_token: &AccessToken,
    ) -> Result<VerifiedClaims, RpError> {
        let clock = self.clock.clone();
        let verifier = d.client.id_token_verifier().set_time_fn(move || {
            chrono::DateTime::from_timestamp_millis(clock.now_millis()).unwrap_or_default()
        });
        let claims = id_token
            .claims(&verifier, nonce)
            .map_err(|e| RpError::Invalid(format!("id_token: {e}")))?;
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(|e| RpError::Invalid(format!("id_token alg: {e}")))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| RpError::Invalid(format!("id_token key: {e}")))?;
            let actual = AccessTokenHash::from_token(access_token, alg, key)
                .map_err(|e| RpError::Invalid(format!("at_hash: {e}")))?;
            if actual != *expected {
                return Err(RpError::Invalid(
                    "at_hash does not match the access token".into(),
                ));
            }
        }
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string())
            .or_else(|| claims.preferred_username().map(|u| u.to_string()));
        Ok(VerifiedClaims {
            sub: claims.subject().to_string(),
            sid: sid_of(&id_token.to_string()),
            name,
            email: claims.email().map(|e| e.to_string()),
        })
    }

    fn expires_at(&self, expires_in: Option<std::time::Duration>) -> i64 {
        let secs = expires_in.map_or(300, |d| i64::try_from(d.as_secs()).unwrap_or(300));
        self.clock.now().saturating_add(secs)
    }

    /// A new access token (and rotated refresh token) for `user`.
    pub async fn refresh(&self, user: &SignedIn) -> Result<SignedIn, RpError> {
        let Some(refresh) = &user.refresh_token else {
            return Err(RpError::Refused("no refresh token".into()));
        };
        let d = self.provider(false).await?;
        let token = RefreshToken::new(refresh.expose().to_owned());
        let response = d
            .client
            .exchange_refresh_token(&token)
            .map_err(|e| RpError::Invalid(e.to_string()))?
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let mut next = user.clone();
        next.access_token = Secret::new(response.access_token().secret().clone());
        next.access_expires_at = self.expires_at(response.expires_in());
        if let Some(r) = response.refresh_token() {
            next.refresh_token = Some(Secret::new(r.secret().clone()));
        }
        if let Some(id) = response.id_token() {
            next.id_token = Secret::new(id.to_string());
        }
        Ok(next)
    }

    /// The userinfo claims for the profile page.
    pub async fn userinfo(&self, access_token: &str) -> Result<Profile, RpError> {
        let d = self.provider(false).await?;
        let info: CoreUserInfoClaims = d
            .client
            .user_info(AccessToken::new(access_token.to_owned()), None)
            .map_err(|e| RpError::Invalid(e.to_string()))?
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::UserInfoError::Response(status, _, _) if status.as_u16() == 401 => {
                    RpError::Refused("userinfo: 401".into())
                }
                other => RpError::Unavailable(format!("userinfo: {other}")),
            })?;
        Ok(Profile {
            name: info.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
            preferred_username: info.preferred_username().map(|u| u.to_string()),
            email: info.email().map(|e| e.to_string()),
            picture: info
                .picture()
                .and_then(|p| p.get(None))
                .map(|p| p.to_string()),
        })
    }

    /// Revokes a refresh token at sign-out (RFC 7009), so the grant ends with the session
    /// and not 30 days later. Best effort: a failure is logged, never shown.
    pub async fn revoke(&self, refresh_token: &str) {
        let Ok(d) = self.provider(false).await else {
            return;
        };
        let Some(endpoint) = d.revocation.as_deref() else {
            return;
        };
        let sent = self
            .http
            .reqwest()
            .post(endpoint)
            .basic_auth(
                form_urlencoded::byte_serialize(self.client_id.as_bytes()).collect::<String>(),
                Some(
                    form_urlencoded::byte_serialize(self.client_secret.expose_secret().as_bytes())
                        .collect::<String>(),
                ),
            )
            .form(&[
                ("token", refresh_token),
                ("token_type_hint", "refresh_token"),
            ])
            .send()
            .await;
        match sent {
            Ok(res) if res.status().is_success() => {
                tracing::info!("refresh token revoked at sign-out")
            }
            Ok(res) => {
                tracing::warn!(status = %res.status(), "revoking the refresh token at sign-out failed")
            }
            Err(e) => tracing::warn!(error = %e, "revoking the refresh token at sign-out failed"),
        }
    }

    /// RP-initiated logout: the identity server's end-session URL with `id_token_hint`,
    /// `client_id` and our post-logout return address. `None` when the issuer has none
    /// (or is down: signing out of the web app must still work).
    pub async fn logout_url(&self, id_token: &str, ui_locale: &str) -> Option<String> {
        let d = self.provider(false).await.ok()?;
        let mut url = url::Url::parse(d.end_session.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("client_id", &self.client_id)
            .append_pair("post_logout_redirect_uri", &self.post_logout_uri)
            .append_pair("ui_locales", ui_locale);
        Some(url.to_string())
    }

    /// Verifies a back-channel logout token; the issuer's keys are fetched again once if
    /// none of the known ones verifies it.
    pub async fn verify_logout_token(
        &self,
        token: &str,
    ) -> Result<Result<LogoutSubject, LogoutTokenError>, RpError> {
        let now = self.clock.now();
        let d = self.provider(false).await?;
        match logout_token::verify(token, &d.jwks, &self.issuer, &self.client_id, now) {
            Err(LogoutTokenError::Signature) => {
                let d = self.provider(true).await?;
                Ok(logout_token::verify(
                    token,
                    &d.jwks,
                    &self.issuer,
                    &self.client_id,
                    now,
                ))
            }
            other => Ok(other),
        }
    }
}

struct VerifiedClaims {
    sub: String,
    sid: Option<String>,
    name: Option<String>,
    email: Option<String>,
}

/// The `sid` claim of an ID token whose signature has been verified already.
fn sid_of(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("sid")?.as_str().map(str::to_owned)
}

/// Token endpoint failures: an OAuth error answer means the grant is refused (sign in
/// again); anything else (connection refused, 5xx, garbage) is an outage.
fn token_error<E: std::error::Error + 'static>(
    e: RequestTokenError<
        E,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> RpError {
    match e {
        RequestTokenError::ServerResponse(r) => RpError::Refused(r.error().to_string()),
        RequestTokenError::Request(e) => RpError::Unavailable(format!("token endpoint: {e}")),
        RequestTokenError::Parse(e, _) => {
            RpError::Unavailable(format!("token endpoint answer: {e}"))
        }
        RequestTokenError::Other(e) => RpError::Unavailable(format!("token endpoint: {e}")),
    }
}
