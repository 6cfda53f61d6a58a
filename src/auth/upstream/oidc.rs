//! An OpenID provider upstream, with the `openidconnect` crate as the relying party:
//! discovery (cached for `upstream_login.discovery_ttl_secs`, fetched again early at most
//! every [`REFETCH_SECS`] when an ID token names a key the cache lacks), the authorization
//! URL (code, PKCE S256, state, nonce), the code exchange, and the ID token verified
//! (signature by a key of the issuer's JWKS with an asymmetric algorithm, `iss`, `aud`,
//! `exp`, `nonce`).
//!
//! The claim mapping then reads the verified token's payload as JSON, so a provider's own
//! claim names (Kakao's `nickname`) work without a type per provider.

use std::sync::{Arc, RwLock};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope, TokenResponse,
};
use secrecy::ExposeSecret;

use super::http_client::UpstreamHttp;
use super::{AuthorizationStart, UpstreamFailure, UpstreamProfile, profile_from_claims};
use crate::clock::Clock;
use crate::config::UpstreamConfig;

/// At most one early discovery (for an unknown signing key) per this many seconds.
pub const REFETCH_SECS: i64 = 30;

/// Every asymmetric algorithm: the key in the issuer's JWKS decides which one verifies.
/// Never `none`, never HMAC (a secret-keyed token proves nothing about the issuer).
const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 10] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EcdsaP521Sha512,
    CoreJwsSigningAlgorithm::EdDsa,
];

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
    fetched_at: i64,
}

pub struct OidcProvider {
    config: UpstreamConfig,
    redirect_uri: String,
    ttl_secs: i64,
    clock: Clock,
    discovered: RwLock<Option<Arc<Discovered>>>,
    /// One discovery at a time; holds when the last early one started.
    discovering: tokio::sync::Mutex<i64>,
}

impl OidcProvider {
    pub fn new(config: UpstreamConfig, redirect_uri: String, ttl_secs: u64, clock: Clock) -> Self {
        OidcProvider {
            config,
            redirect_uri,
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX),
            clock,
            discovered: RwLock::new(None),
            discovering: tokio::sync::Mutex::new(i64::MIN / 2),
        }
    }

    fn cached(&self) -> Option<Arc<Discovered>> {
        self.discovered.read().ok().and_then(|d| d.clone())
    }

    /// The provider's metadata: cached while fresh; `early` asks for a fetch before the
    /// TTL (an unknown key), granted at most every [`REFETCH_SECS`].
    async fn provider(
        &self,
        http: &UpstreamHttp,
        early: bool,
    ) -> Result<Arc<Discovered>, UpstreamFailure> {
        let now = self.clock.now();
        let fresh = |d: &Discovered| now - d.fetched_at < self.ttl_secs;
        if let Some(d) = self.cached()
            && !early
            && fresh(&d)
        {
            return Ok(d);
        }
        let mut last_early = self.discovering.lock().await;
        if let Some(d) = self.cached() {
            let refused_early = early && (now - *last_early < REFETCH_SECS || d.fetched_at >= now);
            if (!early && fresh(&d)) || refused_early {
                return Ok(d);
            }
        }
        if early {
            *last_early = now;
        }
        match self.discover(http, now).await {
            Ok(d) => {
                let d = Arc::new(d);
                if let Ok(mut slot) = self.discovered.write() {
                    *slot = Some(d.clone());
                }
                Ok(d)
            }
            Err(e) => match self.cached() {
                // Stale metadata beats none while the provider's discovery is down.
                Some(d) => {
                    tracing::warn!(provider = %self.config.id, reason = e.kind(), detail = e.detail(),
                        "upstream discovery failed; using the metadata fetched before");
                    Ok(d)
                }
                None => Err(e),
            },
        }
    }

    async fn discover(&self, http: &UpstreamHttp, now: i64) -> Result<Discovered, UpstreamFailure> {
        let issuer = IssuerUrl::new(self.config.issuer.trim_end_matches('/').to_owned())
            .map_err(|e| UpstreamFailure::Unavailable(format!("issuer: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|e| UpstreamFailure::Unavailable(format!("discovery: {e}")))?;
        let redirect = RedirectUrl::new(self.redirect_uri.clone())
            .map_err(|e| UpstreamFailure::Unavailable(format!("redirect uri: {e}")))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(redirect);
        tracing::info!(provider = %self.config.id, issuer = %self.config.issuer, "upstream provider discovered");
        Ok(Discovered {
            client,
            fetched_at: now,
        })
    }

    /// Where to send the browser, with the state, nonce and PKCE verifier to keep.
    pub async fn authorization(
        &self,
        http: &UpstreamHttp,
        ui_locale: &str,
    ) -> Result<AuthorizationStart, UpstreamFailure> {
        let d = self.provider(http, false).await?;
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
        for scope in self.config.scopes().iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(AuthorizationStart {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: Some(nonce.secret().clone()),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code and verifies the ID token; the person as the token says.
    pub async fn finish(
        &self,
        http: &UpstreamHttp,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<UpstreamProfile, UpstreamFailure> {
        let d = self.provider(http, false).await?;
        let response = d
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| UpstreamFailure::Unavailable(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(http)
            .await
            .map_err(token_error)?;
        let id_token = response.id_token().ok_or_else(|| {
            UpstreamFailure::InvalidToken("no id_token in the token response".into())
        })?;
        let nonce = Nonce::new(nonce.to_owned());
        if let Err(first) = self.verify(&d, id_token, &nonce) {
            // Perhaps a key the cached JWKS does not have yet (the provider rotated).
            let again = self.provider(http, true).await?;
            if Arc::ptr_eq(&again, &d) {
                return Err(first);
            }
            self.verify(&again, id_token, &nonce)?;
        }
        let claims = payload(&id_token.to_string())
            .ok_or_else(|| UpstreamFailure::InvalidToken("unreadable payload".into()))?;
        profile_from_claims(&self.config.claims, &claims)
    }

    fn verify(
        &self,
        d: &Discovered,
        id_token: &CoreIdToken,
        nonce: &Nonce,
    ) -> Result<(), UpstreamFailure> {
        let clock = self.clock.clone();
        let verifier = d
            .client
            .id_token_verifier()
            .set_allowed_algs(ALLOWED_ALGS)
            .set_time_fn(move || {
                chrono::DateTime::from_timestamp_millis(clock.now_millis()).unwrap_or_default()
            });
        id_token
            .claims(&verifier, nonce)
            .map(|_| ())
            .map_err(|e| UpstreamFailure::InvalidToken(format!("id_token: {e}")))
    }
}

/// The payload of a JWT whose signature was verified already.
fn payload(jwt: &str) -> Option<serde_json::Value> {
    use base64::Engine;
    let part = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// An OAuth error answer refuses the code (spent, wrong verifier); anything else is the
/// provider failing (down, timeout, garbage).
fn token_error<E: std::error::Error + 'static>(
    e: RequestTokenError<
        E,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> UpstreamFailure {
    match e {
        RequestTokenError::ServerResponse(r) => {
            UpstreamFailure::Refused(format!("token endpoint: {}", r.error()))
        }
        RequestTokenError::Request(e) => {
            UpstreamFailure::Unavailable(format!("token endpoint: {e}"))
        }
        RequestTokenError::Parse(e, _) => {
            UpstreamFailure::InvalidToken(format!("token endpoint answer: {e}"))
        }
        RequestTokenError::Other(e) => UpstreamFailure::Unavailable(format!("token endpoint: {e}")),
    }
}
