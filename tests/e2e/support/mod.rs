//! Test support, one idea per file.
//!
//! Servers on port 0, each on a fresh database from [`database`]: [`identity_server`]
//! (the real Belf identity server), [`todo`] (the todo service) and [`fake_issuer`]
//! (discovery + JWKS for [`keys`] generated here). [`real_issuer`] makes the identity
//! server a token source for the todo tests; [`todo_world`] is where most of them start.
//!
//! How clients talk to them: [`browser`] (a cookie jar, one hop at a time), [`authorize`]
//! (authorization requests up to the code), [`chromium`] (headless Chromium for the
//! browser suites), [`token`] (the token, introspection and
//! revocation endpoints), [`pkce`], [`jwt`], and [`rp`] (the `openidconnect` crate as a
//! relying party). [`proxy`] is a TCP proxy a test cuts to play a dependency outage;
//! [`images`] builds the photos the upload tests send.
//!
//! The names most test files need are re-exported here.

#![allow(dead_code)] // each test module uses a different part

pub mod account;
pub mod authorize;
pub mod browser;
pub mod chromium;
pub mod database;
pub mod dpop;
pub mod fake_issuer;
pub mod identity_server;
pub mod images;
pub mod jwt;
pub mod keys;
pub mod logout_receiver;
pub mod outbox;
pub mod passkey;
pub mod pkce;
pub mod proxy;
pub mod real_issuer;
pub mod registration;
pub mod rp;
pub mod server_cli;
pub mod todo;
pub mod todo_world;
pub mod token;
pub mod upstream;
pub mod upstream_fake;
pub mod web;

pub use database::fresh_database_url;
pub use fake_issuer::{AUDIENCE, FakeIssuer, now};
pub use identity_server::{TestAuth, test_config};
pub use keys::{TestKey, test_keys};
pub use todo::{Form, TodoApp, TokenSource};

/// The redirect URI of every test client. Nothing listens there: the tests read each
/// redirect's `Location` instead of following it.
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
/// The post-logout redirect URI of every test web client.
pub const LOGGED_OUT: &str = "http://127.0.0.1:9/logged-out";
/// The password of every test user, unless a test needs one of its own.
pub const PASSWORD: &str = "correct horse battery";
