//! One integration-test binary (one link step instead of one per file). Every test spawns
//! real servers on port 0 with their own fresh database and keys.

mod support;

mod account_pages;
mod account_schema;
mod account_security;
mod backchannel_logout;
mod boundary;
mod cli;
mod crash_restart;
mod dependency_restart;
mod device_flow;
mod dpop;
mod dynamic_registration;
mod dynamic_registration_cimd;
mod dynamic_registration_security;
mod fuzz_corpus;
mod hardening_auth;
mod key_rotation;
mod listener_limits;
mod mailaudit_audit;
mod mailaudit_registration;
mod mailaudit_reset;
mod mailaudit_verify;
mod oidc_flow;
mod private_key_jwt;
mod production;
mod protocol_rules;
mod protocol_rules_tokens;
mod pushed_requests;
mod query_plans;
mod resource_indicators;
mod todo_api;
mod todo_authorization;
mod todo_openapi;
mod todo_pages;
mod todo_photos;
mod todo_readiness;
mod todo_real_issuer;
mod todo_robustness;
mod todo_schedule;
mod todo_social;
mod todo_telemetry;
mod todo_web_api;
mod upstream_errors;
mod upstream_login;
// Issue 13, part `twostep`.
mod two_step;
mod validator;
mod web_browser;
mod web_lists;
mod web_pages;
mod web_photos;
mod web_security;
mod web_sessions;
mod web_sign_in;
