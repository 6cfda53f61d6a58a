//! The Belf todo/course service: a resource server that trusts Belf tokens only
//! through [`crate::validator`].

pub mod domain;
pub mod store;
