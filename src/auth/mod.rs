//! ROOM 1 — the identity server: OAuth 2.0 / OpenID Connect provider.

pub mod accounts;
pub mod audit;
pub mod clients;
pub mod context;
pub mod email_links;
pub mod http;
pub mod mail;
pub mod maintenance;
pub mod oauth;
pub mod oidc;
pub mod self_service;
pub mod store;
pub mod tokens;
pub mod upstream;

#[cfg(test)]
pub(crate) mod testing;

pub use http::AuthServer;
