//! `POST /token` (RFC 6749 §3.2), with DPoP proofs (RFC 9449 §5).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::client_authn::AuthenticatedClient;
use super::error::{ApiError, no_store};
use crate::auth::oauth::dpop::{self, ProofRequest};
use crate::auth::oauth::error::{ErrorCode, OAuthError};
use crate::auth::oauth::grants::{TokenRequest, token_endpoint};
use crate::auth::oidc::metadata::paths;

pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    AuthenticatedClient { client, params }: AuthenticatedClient,
) -> Response {
    let ctx = &state.ctx;
    let proofs: Vec<&str> = headers
        .get_all("dpop")
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .collect();
    let result = async {
        let request = TokenRequest::parse(&params)?;
        let now = ctx.clock.now();
        let url = format!("{}{}", ctx.issuer, paths::TOKEN);
        let proof = dpop::token_request_proof(
            ctx,
            ProofRequest {
                proofs: &proofs,
                method: "POST",
                url: &url,
                access_token: None,
            },
            now,
        )
        .await
        .inspect_err(|e| {
            tracing::warn!(client_id = %client.client_id, error = %e, "DPoP proof refused at the token endpoint");
        })?;
        let jkt = proof.as_ref().map(|p| p.jkt.as_str());
        let grant_type = request.grant_type();
        let response = token_endpoint(ctx, &client, request, jkt, now).await?;
        ctx.metrics.token_issued(grant_type);
        tracing::info!(
            grant_type,
            client_id = %client.client_id,
            sub = %response.subject,
            refresh_token = response.refresh_token.is_some(),
            token_type = response.token_type,
            jkt = jkt.unwrap_or(""),
            "token issued"
        );
        Ok::<_, OAuthError>(response)
    }
    .await;
    let (mut res, wants_nonce) = match result {
        Ok(response) => {
            let mut res = Json(response).into_response();
            no_store(res.headers_mut());
            (res, !proofs.is_empty())
        }
        Err(e) => {
            let nonce_error = e.code == ErrorCode::UseDpopNonce;
            (ApiError::from(e).into_response(), nonce_error)
        }
    };
    // RFC 9449 §8: the next nonce travels with every answer to a DPoP request.
    if wants_nonce && ctx.config.dpop.require_nonce {
        match dpop::issue_nonce(ctx).await {
            Ok(nonce) => {
                if let Ok(v) = HeaderValue::from_str(&nonce) {
                    res.headers_mut().insert("dpop-nonce", v);
                }
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    res
}
