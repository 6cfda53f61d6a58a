//! People: accounts and their passwords.

pub mod password;
pub mod throttle;
pub mod users;
