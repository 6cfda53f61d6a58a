//! Everything that is signed or handed out as a bearer: keys, access tokens, opaque handles.

pub mod access_token;
pub mod handles;
pub mod key_schedule;
pub mod keys;
