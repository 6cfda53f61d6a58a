//! Two-step login required: of one person (`belf user require-two-step`) or of everyone
//! (`[two_step] required`). A person without a method sets one up right after the
//! password; the last method of a person who must use one cannot be removed.

use std::process::Command;

use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;

use super::{
    MFA_ACR, amr, code_now, id_token_after, recovery_codes_on, secret_on, signed_in, submit_code,
};
use crate::support::authorize::authorize_url;
use crate::support::browser::{Browser, Page};
use crate::support::{PASSWORD, REDIRECT, TestAuth};

/// `belf args… --json` against the server's database; its JSON answer.
fn belf_json(server: &TestAuth, args: &[&str]) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_belf"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("BELF_")) {
        cmd.env_remove(k);
    }
    let out = cmd
        .args(args)
        .arg("--json")
        .env(
            "BELF_DATABASE__URL",
            server.config.database.url.expose_secret(),
        )
        .env("BELF_KEYS__DIR", &server.config.keys.dir)
        .env("BELF_MANAGEMENT__BIND", "")
        .env("BELF_LOG", "warn")
        .output()
        .expect("belf runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// From the enrolment page of a login, sets up an app and continues; returns the answer
/// to "continue" and the key.
async fn enrol_during_login(server: &TestAuth, browser: &Browser, enrol: &Page) -> (Page, String) {
    assert!(enrol.body.contains("needs two-step"), "{}", enrol.body);
    let wrong = submit_code(browser, enrol, "abcdef").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "a wrong first code");
    let secret = secret_on(&wrong);
    assert_eq!(secret, secret_on(enrol), "the same key, to try again");
    let shown = submit_code(browser, &wrong, &code_now(server, &secret)).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(recovery_codes_on(&shown).len(), 10);
    let go_on = browser
        .post(
            "/login/second-step",
            &[
                ("csrf", &shown.input("csrf").unwrap()),
                ("step", &shown.input("step").unwrap()),
            ],
        )
        .await;
    (go_on, secret)
}

async fn remove_first_method(browser: &Browser) -> Page {
    let page = browser.get("/account/two-step").await;
    let method = page.input("method").expect("a method listed");
    browser
        .post(
            "/account/two-step/remove",
            &[("csrf", &page.input("csrf").unwrap()), ("method", &method)],
        )
        .await
}

#[tokio::test]
async fn an_administrator_requires_two_step_of_one_person() {
    let server = TestAuth::spawn_on_manual_clock(&[]).await;
    server.user("rex", PASSWORD).await;
    server.user("other", PASSWORD).await;
    let answer = belf_json(&server, &["user", "require-two-step", "rex"]);
    assert_eq!(answer["two_step_required"], true);
    assert_eq!(answer["methods"], 0);

    let browser = Browser::new(&server.base);
    let after = browser.log_in("rex", PASSWORD).await;
    assert!(after.location().starts_with("/login/second-step?step="));
    assert!(
        !browser.get("/").await.body.contains("rex"),
        "no session yet"
    );
    let enrol = browser.get(after.location()).await;
    let (go_on, _) = enrol_during_login(&server, &browser, &enrol).await;
    assert_eq!(go_on.location(), "/");
    assert!(browser.get("/").await.body.contains("rex"), "signed in");
    // Someone else is not asked.
    signed_in(&server, "other").await;

    let kept = remove_first_method(&browser).await;
    assert_eq!(kept.status, StatusCode::CONFLICT);
    assert!(kept.body.contains("last method"), "{}", kept.body);

    let answer = belf_json(&server, &["user", "require-two-step", "rex", "--off"]);
    assert_eq!(answer["two_step_required"], false);
    assert_eq!(answer["methods"], 1);
    let removed = remove_first_method(&browser).await;
    assert_eq!(removed.location(), "/account/two-step");
    assert!(
        browser
            .get("/account/two-step")
            .await
            .body
            .contains("is off")
    );
}

#[tokio::test]
async fn everyone_sets_up_two_step_when_the_config_requires_it() {
    let server = TestAuth::spawn_on_manual_clock(&[("BELF_TWO_STEP__REQUIRED", "true")]).await;
    let (client_id, client_secret) = server.web_client(REDIRECT).await;
    server.user("gail", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let first = browser
        .get(&authorize_url(&server.base, &client_id, &[]))
        .await;
    let login = browser.get(first.location()).await;
    let after = browser.submit_login(&login, "gail", PASSWORD).await;
    let enrol = browser.get(after.location()).await;
    let (go_on, _) = enrol_during_login(&server, &browser, &enrol).await;
    let client = (client_id.as_str(), client_secret.as_str());
    let (claims, _) = id_token_after(&server, &browser, client, go_on).await;
    assert_eq!(amr(&claims), ["pwd", "otp", "mfa"]);
    assert_eq!(claims["acr"], MFA_ACR);
    let kept = remove_first_method(&browser).await;
    assert_eq!(kept.status, StatusCode::CONFLICT);
}
