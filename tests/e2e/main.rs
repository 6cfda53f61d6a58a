//! The one integration-test binary (see DESIGN.md: one binary keeps build times sane).

mod todo_api;
mod todo_robustness;
mod todo_social;
mod todo_support;
mod validator;
