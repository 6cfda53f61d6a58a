//! Discovery (OIDC Discovery 1.0 and RFC 8414), built with `openidconnect`'s
//! `ProviderMetadata` and serialised once at start.

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthUrl, AuthenticationContextClass, IssuerUrl, JsonWebKeySetUrl,
    LanguageTag, ProviderMetadata, RegistrationUrl, ResponseTypes, Scope, TokenUrl, UserInfoUrl,
};
use serde::{Deserialize, Serialize};

use super::id_token::{ACR_PASSWORD, oidc_alg};
use crate::config::{Config, SigningAlg};

/// Endpoints every route module and the metadata agree on.
pub mod paths {
    pub const DISCOVERY: &str = "/.well-known/openid-configuration";
    pub const AS_METADATA: &str = "/.well-known/oauth-authorization-server";
    pub const JWKS: &str = "/jwks.json";
    pub const AUTHORIZE: &str = "/authorize";
    pub const TOKEN: &str = "/token";
    pub const USERINFO: &str = "/userinfo";
    pub const REVOKE: &str = "/revoke";
    pub const INTROSPECT: &str = "/introspect";
    pub const END_SESSION: &str = "/logout";
    pub const DEVICE_AUTHORIZATION: &str = "/device_authorization";
    pub const DEVICE_VERIFICATION: &str = "/device";
    pub const PAR: &str = "/par";
    /// RFC 7591; the client configuration endpoint (RFC 7592) is `{REGISTRATION}/{id}`.
    /// Not `/register`: that is the page where people create accounts.
    pub const REGISTRATION: &str = "/oauth/register";
}

/// Fields `openidconnect` does not model: RFC 7009/7662 endpoints, RP-initiated logout,
/// PKCE methods (RFC 7636 §6.2), RFC 9207.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExtraMetadata {
    pub end_session_endpoint: String,
    pub revocation_endpoint: String,
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    pub introspection_endpoint: String,
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
    pub authorization_response_iss_parameter_supported: bool,
    /// OIDC Back-Channel Logout 1.0 §2.1.
    pub backchannel_logout_supported: bool,
    pub backchannel_logout_session_supported: bool,
    /// RFC 8628 §4, when `[device] enabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    /// RFC 9126 §5, when `[par] enabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<String>,
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// RFC 9449 §5.1, when `[dpop] enabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    /// Client ID Metadata Documents (IETF draft), when `[client_metadata_documents]
    /// enabled`.
    #[serde(default)]
    pub client_id_metadata_document_supported: bool,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

pub type BelfProviderMetadata = ProviderMetadata<
    ExtraMetadata,
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

/// The discovery document as JSON.
pub fn discovery_json(config: &Config) -> anyhow::Result<String> {
    let issuer = config.issuer();
    let url = |p: &str| format!("{issuer}{p}");
    let auth_methods = vec![
        "client_secret_basic".to_owned(),
        "client_secret_post".to_owned(),
        "private_key_jwt".to_owned(),
    ];
    let extra = ExtraMetadata {
        end_session_endpoint: url(paths::END_SESSION),
        revocation_endpoint: url(paths::REVOKE),
        revocation_endpoint_auth_methods_supported: {
            let mut m = auth_methods.clone();
            m.push("none".into());
            m
        },
        introspection_endpoint: url(paths::INTROSPECT),
        introspection_endpoint_auth_methods_supported: auth_methods,
        code_challenge_methods_supported: vec!["S256".into()],
        authorization_response_iss_parameter_supported: true,
        backchannel_logout_supported: config.backchannel_logout.enabled,
        backchannel_logout_session_supported: config.backchannel_logout.enabled,
        device_authorization_endpoint: config
            .device
            .enabled
            .then(|| url(paths::DEVICE_AUTHORIZATION)),
        pushed_authorization_request_endpoint: config.par.enabled.then(|| url(paths::PAR)),
        require_pushed_authorization_requests: config.par.enabled && config.par.required,
        dpop_signing_alg_values_supported: config.dpop.enabled.then(|| {
            crate::validator::dpop::ALGS
                .iter()
                .map(|a| (*a).to_owned())
                .collect()
        }),
        client_id_metadata_document_supported: config.client_metadata_documents.enabled,
    };
    let metadata = BelfProviderMetadata::new(
        IssuerUrl::new(issuer.clone())?,
        AuthUrl::new(url(paths::AUTHORIZE))?,
        JsonWebKeySetUrl::new(url(paths::JWKS))?,
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![CoreSubjectIdentifierType::Public],
        // ID tokens: a client's `id_token_signed_response_alg` picks one. The key ring
        // holds a key of every algorithm (generated at start when missing).
        SigningAlg::ALL.into_iter().map(oidc_alg).collect(),
        extra,
    )
    .set_token_endpoint(Some(TokenUrl::new(url(paths::TOKEN))?))
    .set_userinfo_endpoint(Some(UserInfoUrl::new(url(paths::USERINFO))?))
    .set_registration_endpoint(if config.client_registration.enabled {
        Some(RegistrationUrl::new(url(paths::REGISTRATION))?)
    } else {
        None
    })
    .set_scopes_supported(Some(
        crate::auth::oauth::scope::known_scopes(config)
            .into_iter()
            .map(Scope::new)
            .collect(),
    ))
    .set_response_modes_supported(Some(vec![CoreResponseMode::Query]))
    .set_grant_types_supported(Some({
        let mut grants = vec![
            CoreGrantType::AuthorizationCode,
            CoreGrantType::RefreshToken,
            CoreGrantType::ClientCredentials,
        ];
        if config.device.enabled {
            grants.push(CoreGrantType::DeviceCode);
        }
        grants
    }))
    .set_acr_values_supported(Some(vec![
        AuthenticationContextClass::new(ACR_PASSWORD.into()),
        AuthenticationContextClass::new(config.two_step.mfa_acr.clone()),
    ]))
    .set_token_endpoint_auth_methods_supported(Some(vec![
        CoreClientAuthMethod::ClientSecretBasic,
        CoreClientAuthMethod::ClientSecretPost,
        CoreClientAuthMethod::PrivateKeyJwt,
        CoreClientAuthMethod::None,
    ]))
    // RFC 7523 / OIDC Discovery: what `private_key_jwt` assertions may be signed with.
    .set_token_endpoint_auth_signing_alg_values_supported(Some(
        SigningAlg::ALL.into_iter().map(oidc_alg).collect(),
    ))
    .set_display_values_supported(Some(vec![CoreAuthDisplay::Page]))
    .set_claim_types_supported(Some(vec![CoreClaimType::Normal]))
    .set_claims_supported(Some(
        [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "azp",
            "at_hash",
            "sid",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "locale",
            "updated_at",
            "email",
            "email_verified",
            "address",
            "phone_number",
            "phone_number_verified",
        ]
        .into_iter()
        .map(|c| CoreClaimName::new(c.to_owned()))
        .collect(),
    ))
    .set_ui_locales_supported(Some(vec![
        LanguageTag::new("en".into()),
        LanguageTag::new("ko".into()),
    ]))
    .set_claims_parameter_supported(Some(true))
    .set_request_parameter_supported(Some(false))
    .set_request_uri_parameter_supported(Some(false));
    Ok(serde_json::to_string(&metadata)?)
}
