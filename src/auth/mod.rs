//! ROOM 1 — the identity server: OAuth 2.0 / OpenID Connect provider.

pub mod accounts;
pub mod clients;
pub mod context;
pub mod http;
pub mod maintenance;
pub mod oauth;
pub mod oidc;
pub mod self_service;
pub mod store;
pub mod tokens;

#[cfg(test)]
pub(crate) mod testing;

pub use http::AuthServer;
