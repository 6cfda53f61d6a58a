//! Belf: an OAuth 2.0 / OpenID Connect identity server (`auth`) and the Belf todo/course
//! service (`todo`) that trusts its tokens only through `validator`.
//!
//! The two rooms meet only at the token: `todo` and `validator` never name `crate::auth`
//! (a test in `tests/e2e` checks this).

pub mod config;
pub mod todo;
pub mod validator;
