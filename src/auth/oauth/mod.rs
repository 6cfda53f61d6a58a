//! The OAuth 2.0 / OIDC protocol core: request types, grants, the interaction state
//! machine. No axum, sqlx or redis in these signatures: handlers call in with parsed
//! parameters and `now`, storage is reached through the traits in `auth::store`.
//!
//! oxide-auth supplies PKCE and scope grammar (`pkce.rs`, `scope.rs`). Its endpoint/flow
//! machinery is not used: it has no OIDC (ID token, nonce, discovery, userinfo), no
//! introspection or revocation, renders failures as 500s in its axum adapter, keeps grants
//! in a non-serialisable `Grant`, and has no refresh-token families with reuse detection.
//! Wrapping all of that around it would be more code than the grants themselves (see
//! `grants/`), each of which is one small function.

pub mod authorization_request;
pub mod authorize;
pub mod client_assertion;
pub mod client_auth;
pub mod code;
pub mod deny_list;
pub mod device;
pub mod dpop;
pub mod end_session;
pub mod error;
pub mod grants;
pub mod interaction;
pub mod introspection;
pub mod issue;
pub mod par;
pub mod params;
pub mod pkce;
pub mod pushed_request;
pub mod refresh_successor;
pub mod resource;
pub mod revocation;
pub mod scope;
pub mod session;
pub mod token_response;
pub mod userinfo;

#[cfg(test)]
mod account_change_tests;
