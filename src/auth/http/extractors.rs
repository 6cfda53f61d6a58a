//! Request extractors whose rejections are RFC-shaped instead of axum's plain-text ones.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};

use super::error::ApiError;
use crate::auth::oauth::error::OAuthError;
use crate::auth::oauth::params::Params;

/// `application/x-www-form-urlencoded` body parameters (token, revoke, introspect).
pub struct OAuthForm(pub Params);

impl<S: Send + Sync> FromRequest<S> for OAuthForm {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.method() != Method::POST {
            return Err(OAuthError::invalid_request("use POST").into());
        }
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            )
            .into());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| OAuthError::invalid_request("the body could not be read (too large?)"))?;
        Ok(OAuthForm(parse_pairs(&bytes)?))
    }
}

pub fn parse_pairs(bytes: &[u8]) -> Result<Params, OAuthError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
        .map_err(|_| OAuthError::invalid_request("the body is not valid form encoding"))?;
    Ok(Params::from_pairs(pairs))
}

/// Query (GET) or form body (POST) parameters, for endpoints that accept both
/// (authorize, userinfo, end_session). Never rejects: bad input becomes empty params and
/// the endpoint's own checks answer.
pub struct QueryOrForm(pub Params);

impl<S: Send + Sync> FromRequest<S> for QueryOrForm {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.method() == Method::POST {
            let bytes = Bytes::from_request(req, state).await.unwrap_or_default();
            Ok(QueryOrForm(parse_pairs(&bytes).unwrap_or_default()))
        } else {
            let q = req.uri().query().unwrap_or("");
            Ok(QueryOrForm(parse_pairs(q.as_bytes()).unwrap_or_default()))
        }
    }
}

/// The raw `Authorization` header, if any.
pub struct AuthorizationHeader(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for AuthorizationHeader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(AuthorizationHeader(
            parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ))
    }
}

/// The client's IP address (see `throttle::client_ip` for the X-Forwarded-For rule).
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<super::AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &super::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let xff = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientIp(crate::auth::accounts::throttle::client_ip(
            peer,
            xff,
            state.ctx.throttle.trusted_proxies(),
        )))
    }
}
