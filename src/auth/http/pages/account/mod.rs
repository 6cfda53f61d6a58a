//! The `/account` pages, one file per page.

// Two-step login (issue 13, part `twostep`).
pub mod two_step;
