//! Belf: an OAuth 2.0 / OpenID Connect identity server (`auth`), the Belf todo/course
//! service (`todo`) that trusts its tokens only through `validator`, and the Belf web app
//! (`web`), a relying party of the first and a client of the second, over HTTP only.
//!
//! The two rooms meet only at the token: `todo` and `validator` never name `crate::auth`
//! (a test in `tests/e2e` checks this).

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
#[doc(hidden)]
pub mod fuzz_harness;
pub mod locale;
pub mod metrics;
pub mod serve;
pub mod telemetry;
pub mod todo;
pub mod validator;
pub mod web;
