//! Authorization codes (RFC 6749 §4.1.2): a typed put/take over the ephemeral store.
//!
//! A code is a random handle; only its SHA-256 is a key, so a read of the store yields no
//! usable code. Redemption *takes* the record atomically (of two concurrent exchanges
//! exactly one wins) and, before anything else, leaves a "spent" marker naming the grant the
//! exchange is about to create, so a replay racing the first exchange still finds it and
//! can revoke what the code produced (RFC 6749 §4.1.2, RFC 9700 §4.2).

use serde::{Deserialize, Serialize};

use super::authorize::AuthorizationRequest;
use super::error::{OAuthError, OAuthResult};
use super::scope::Scopes;
use crate::auth::clients::{ClientId, RedirectUri};
use crate::auth::context::AuthContext;
use crate::auth::oidc::claims::ClaimsRequest;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

/// Longer than any honest code (43 base64url characters); refused before hashing.
const MAX_CODE_LEN: usize = 256;

/// What a code stands for. Stored under the code's digest only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeRecord {
    pub client_id: ClientId,
    pub redirect_uri: RedirectUri,
    pub redirect_uri_sent: bool,
    pub user_id: String,
    pub scopes: Scopes,
    pub nonce: Option<String>,
    pub code_challenge: Option<super::pkce::CodeChallenge>,
    pub auth_time: i64,
    pub claims: ClaimsRequest,
    /// RFC 8707 resources named in the authorization request.
    #[serde(default)]
    pub resources: Vec<String>,
    pub expires_at: i64,
    /// The browser session the code was issued in (`sid` of its ID token).
    #[serde(default)]
    pub sid: Option<String>,
    /// How the person signed in (RFC 8176), for `amr`/`acr` in the ID token.
    #[serde(default)]
    pub amr: Vec<String>,
}

pub async fn issue(
    ctx: &AuthContext,
    req: &AuthorizationRequest,
    user_id: &str,
    auth_time: i64,
    sid: Option<&str>,
    now: i64,
) -> OAuthResult<String> {
    issue_with_amr(ctx, req, user_id, auth_time, sid, &[], now).await
}

/// [`issue`] for a session that signed in with `amr` (RFC 8176).
pub async fn issue_with_amr(
    ctx: &AuthContext,
    req: &AuthorizationRequest,
    user_id: &str,
    auth_time: i64,
    sid: Option<&str>,
    amr: &[String],
    now: i64,
) -> OAuthResult<String> {
    let ttl = ctx.config.tokens.authorization_code_ttl_secs;
    let record = CodeRecord {
        client_id: req.client_id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        redirect_uri_sent: req.redirect_uri_sent,
        user_id: user_id.to_owned(),
        scopes: req.scopes.clone(),
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        auth_time,
        claims: req.claims.clone(),
        resources: req.resources.clone(),
        expires_at: now + ttl as i64,
        sid: sid.map(str::to_owned),
        amr: amr.to_vec(),
    };
    let code = handles::new_handle();
    let json = serde_json::to_string(&record).map_err(|e| OAuthError::unavailable(&e))?;
    ctx.stores
        .ephemeral
        .put(
            Namespace::AuthorizationCode,
            &handles::digest(&code),
            &json,
            ttl,
        )
        .await?;
    Ok(code)
}

/// What presenting a code found.
#[derive(Debug)]
pub enum Redeemed {
    /// The code was live; it is now spent, and `grant_id` names the grant to create.
    Fresh {
        record: Box<CodeRecord>,
        grant_id: String,
    },
    /// The code was redeemed before, creating `grant_id`: a replay.
    Replayed { grant_id: String },
    /// Never issued, or expired from the store.
    Unknown,
}

/// Takes the code's record (single use) and marks the code spent.
pub async fn redeem(ctx: &AuthContext, code: &str) -> OAuthResult<Redeemed> {
    if code.len() > MAX_CODE_LEN {
        return Ok(Redeemed::Unknown);
    }
    let key = handles::digest(code);
    let eph = &ctx.stores.ephemeral;
    let Some(raw) = eph.take(Namespace::AuthorizationCode, &key).await? else {
        return Ok(match eph.get(Namespace::SpentCode, &key).await? {
            Some(grant_id) => Redeemed::Replayed { grant_id },
            None => Redeemed::Unknown,
        });
    };
    let record: CodeRecord = serde_json::from_str(&raw).map_err(|e| OAuthError::unavailable(&e))?;
    // The marker outlives every access token the grant can mint.
    let grant_id = handles::new_id();
    let spent_ttl = ctx.access_tokens.ttl() as u64 + ctx.config.tokens.authorization_code_ttl_secs;
    eph.put(Namespace::SpentCode, &key, &grant_id, spent_ttl)
        .await?;
    Ok(Redeemed::Fresh {
        record: Box::new(record),
        grant_id,
    })
}
