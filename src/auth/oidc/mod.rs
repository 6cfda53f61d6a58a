//! OpenID Connect on top of OAuth: ID tokens, claims, discovery metadata.

pub mod amr;
pub mod backchannel_logout;
pub mod backchannel_queue;
pub mod claims;
pub mod id_token;
pub mod metadata;
