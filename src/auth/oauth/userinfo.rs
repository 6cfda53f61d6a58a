//! The UserInfo endpoint's logic (OIDC Core §5.3): a valid, unrevoked access token with the
//! `openid` scope yields the claims its scopes (and its `claims` request) release.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::deny_list::{is_access_token_revoked, issued_before};
use super::error::{ErrorCode, OAuthError, OAuthResult};
use super::scope::Scopes;
use crate::auth::context::AuthContext;
use crate::auth::oidc::claims::{picture_released, user_claims};
use crate::auth::self_service::profile::add_picture_claim;
use crate::auth::store::Namespace;

/// The access token as the request presented it.
pub struct Presented<'a> {
    pub token: &'a str,
    /// `Authorization: DPoP` rather than `Bearer`.
    pub dpop_scheme: bool,
    /// Every `DPoP` header value.
    pub proofs: &'a [&'a str],
    pub method: &'a str,
}

/// A refused userinfo request; `dpop`: challenge with the DPoP scheme (RFC 9449 §7.1).
#[derive(Debug)]
pub struct Refusal {
    pub error: OAuthError,
    pub dpop: bool,
}

impl From<OAuthError> for Refusal {
    fn from(error: OAuthError) -> Self {
        Refusal { error, dpop: false }
    }
}

impl From<crate::auth::store::StoreError> for Refusal {
    fn from(e: crate::auth::store::StoreError) -> Self {
        OAuthError::from(e).into()
    }
}

pub async fn userinfo(
    ctx: &AuthContext,
    presented: Presented<'_>,
    now: i64,
) -> Result<Map<String, Value>, Refusal> {
    let token = presented.token;
    let claims = ctx
        .access_tokens
        .verify(token, now)
        .map_err(|e| OAuthError::invalid_token(e.to_string()))?;
    // RFC 9449 §7: a bound token only as DPoP with a proof for this request; an unbound
    // one only as Bearer.
    let dpop_refusal = |why: &'static str| Refusal {
        error: OAuthError::invalid_token(why),
        dpop: true,
    };
    match (&claims.cnf, presented.dpop_scheme) {
        (Some(_), false) => {
            return Err(dpop_refusal(
                "a DPoP-bound token must be sent with the DPoP scheme and a proof",
            ));
        }
        (None, true) => {
            return Err(dpop_refusal(
                "the token is not DPoP-bound; send it as Bearer",
            ));
        }
        (None, false) => {}
        (Some(cnf), true) => {
            let url = format!(
                "{}{}",
                ctx.issuer,
                crate::auth::oidc::metadata::paths::USERINFO
            );
            super::dpop::resource_request_proof(
                ctx,
                super::dpop::ProofRequest {
                    proofs: presented.proofs,
                    method: presented.method,
                    url: &url,
                    access_token: Some(token),
                },
                &cnf.jkt,
                now,
            )
            .await
            .map_err(|error| Refusal { error, dpop: true })?;
        }
    }
    if is_access_token_revoked(ctx, &claims).await? {
        return Err(OAuthError::invalid_token("the access token was revoked").into());
    }
    let scopes = Scopes::from_list(claims.scopes());
    if !scopes.contains("openid") || !claims.has_user() {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token lacks the openid scope",
        )
        .into());
    }
    let user = match ctx.stores.users.get_user(&claims.sub).await? {
        Some(u) if !u.disabled && !issued_before(claims.iat, u.sessions_not_before_ms) => u,
        _ => return Err(OAuthError::invalid_token("the user is no longer active").into()),
    };
    let requested: BTreeSet<String> = match &claims.gid {
        Some(gid) => ctx
            .stores
            .ephemeral
            .get(Namespace::GrantClaims, gid)
            .await?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
        None => BTreeSet::new(),
    };
    let mut claims = user_claims(&user, &scopes, &requested);
    let picture = picture_released(&scopes, &requested);
    add_picture_claim(ctx, &user.user_id, picture, &mut claims).await?;
    Ok(claims)
}

/// Remembers the userinfo claims requested through the `claims` parameter for this grant
/// (only written when such a request was made).
pub async fn remember_requested_claims(
    ctx: &AuthContext,
    grant_id: &str,
    claims: &crate::auth::oidc::claims::ClaimsRequest,
    ttl: u64,
) -> OAuthResult<()> {
    if claims.userinfo.is_empty() {
        return Ok(());
    }
    let json = serde_json::to_string(&claims.userinfo).map_err(|e| OAuthError::unavailable(&e))?;
    ctx.stores
        .ephemeral
        .put(Namespace::GrantClaims, grant_id, &json, ttl)
        .await?;
    Ok(())
}
