//! Self-service for people on their own account (issue 13, part `account`): the profile,
//! the password, connected apps, active sessions, deleting the account. No HTTP here: the
//! pages in `http/pages/account/` extract, call one function, and render.

pub mod apps;
pub mod deletion;
pub mod device;
pub mod password;
pub mod profile;
pub mod reauth;
pub mod sessions;
