//! The Belf web app in a real browser: headless Chromium driven over the DevTools
//! protocol (`chromiumoxide`), against the same three real parts the other web tests
//! spawn (identity server, todo service, web app; port 0, fresh databases).
//!
//! What a cookie-jar client cannot show: that the pages work as a person uses them —
//! links and buttons where the tests click, forms a browser really submits (multipart
//! included), the keyboard path through sign-in, two viewports, and a console with no
//! errors (the Content-Security-Policy is enforced by the browser, so a page that broke
//! it would show up here). Screenshots of each step go to `target/screenshots/` for a
//! person to look at; `docs/screenshots/` keeps a few of them for the README.
//!
//! Without Chromium these tests fail under CI and are skipped (with a notice) elsewhere.
//! The launcher and the tab are shared with the identity server's suite
//! (`crate::support::chromium`).

mod journey;
mod keyboard;
