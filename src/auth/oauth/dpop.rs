//! DPoP (RFC 9449) at the identity server: proofs at the token endpoint (which bind the
//! issued tokens to the proof's key) and at userinfo (which accepts a bound token only
//! with a proof for that request). The proof itself is checked by the code resource
//! servers use too (`crate::validator::dpop`); replay and server nonces live here, in the
//! ephemeral store, so every instance sees them (Redis in production).

use super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;
use crate::validator::dpop::{self, ProofRequirements, VerifiedProof};

/// How a token request or resource request came with respect to DPoP.
#[derive(Debug, Clone, Copy)]
pub struct ProofRequest<'a> {
    /// The values of every `DPoP` header the request carried.
    pub proofs: &'a [&'a str],
    pub method: &'a str,
    /// The endpoint's URL as clients address it (issuer + path).
    pub url: &'a str,
    /// At a resource (userinfo): the access token the proof must hash (`ath`).
    pub access_token: Option<&'a str>,
}

fn invalid_proof(why: impl Into<std::borrow::Cow<'static, str>>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidDpopProof, why)
}

/// The proof of a token request, if one was sent: checked, its nonce (when the server
/// requires nonces) checked, and its `jti` spent. `None`: no `DPoP` header.
pub async fn token_request_proof(
    ctx: &AuthContext,
    req: ProofRequest<'_>,
    now: i64,
) -> OAuthResult<Option<VerifiedProof>> {
    let proof = match req.proofs {
        [] => return Ok(None),
        [one] => *one,
        _ => return Err(invalid_proof("more than one DPoP header")),
    };
    let cfg = &ctx.config.dpop;
    if !cfg.enabled {
        return Err(invalid_proof("DPoP is not enabled on this server"));
    }
    let verified = check(ctx, proof, &req, now)?;
    if cfg.require_nonce {
        let known = match verified.nonce.as_deref() {
            Some(n) if !n.is_empty() && n.len() <= 256 => ctx
                .stores
                .ephemeral
                .get(Namespace::DpopNonce, &handles::digest(n))
                .await?
                .is_some(),
            _ => false,
        };
        if !known {
            tracing::info!(jkt = %verified.jkt, "DPoP proof without a current server nonce");
            return Err(OAuthError::new(
                ErrorCode::UseDpopNonce,
                "the DPoP proof must carry the server's nonce (see the DPoP-Nonce header)",
            ));
        }
    }
    spend(ctx, &verified, now).await?;
    Ok(Some(verified))
}

/// A resource request (userinfo) with an access token bound to `jkt`: exactly one proof,
/// by that key, for this request, never seen before.
pub async fn resource_request_proof(
    ctx: &AuthContext,
    req: ProofRequest<'_>,
    jkt: &str,
    now: i64,
) -> OAuthResult<()> {
    let proof = match req.proofs {
        [one] => *one,
        [] => return Err(invalid_proof("DPoP proof missing")),
        _ => return Err(invalid_proof("more than one DPoP header")),
    };
    let verified = check(ctx, proof, &req, now)?;
    if verified.jkt != jkt {
        return Err(invalid_proof(
            "proof key is not the key the token is bound to",
        ));
    }
    spend(ctx, &verified, now).await
}

fn check(
    ctx: &AuthContext,
    proof: &str,
    req: &ProofRequest<'_>,
    now: i64,
) -> OAuthResult<VerifiedProof> {
    let cfg = &ctx.config.dpop;
    dpop::verify_proof(
        proof,
        &ProofRequirements {
            method: req.method,
            url: req.url,
            access_token: req.access_token,
            now,
            max_age_secs: cfg.proof_max_age_secs as i64,
            leeway_secs: cfg.proof_leeway_secs as i64,
        },
    )
    .map_err(|e| invalid_proof(e.0))
}

/// Each proof is accepted once: its `jti` (per key) is remembered for as long as its
/// `iat` would still pass.
async fn spend(ctx: &AuthContext, proof: &VerifiedProof, now: i64) -> OAuthResult<()> {
    let cfg = &ctx.config.dpop;
    let ttl = (proof.iat + cfg.proof_max_age_secs as i64 + cfg.proof_leeway_secs as i64 - now)
        .max(1) as u64;
    let uses = ctx
        .stores
        .ephemeral
        .incr(Namespace::DpopJti, &proof.replay_key(), ttl)
        .await?;
    if uses != 1 {
        tracing::warn!(jkt = %proof.jkt, "DPoP proof replayed");
        return Err(invalid_proof("DPoP proof was already used"));
    }
    Ok(())
}

/// A fresh server nonce (RFC 9449 §8), remembered for `dpop.nonce_ttl_secs`.
pub async fn issue_nonce(ctx: &AuthContext) -> OAuthResult<String> {
    let nonce = handles::new_handle();
    ctx.stores
        .ephemeral
        .put(
            Namespace::DpopNonce,
            &handles::digest(&nonce),
            "1",
            ctx.config.dpop.nonce_ttl_secs.max(1),
        )
        .await?;
    Ok(nonce)
}
