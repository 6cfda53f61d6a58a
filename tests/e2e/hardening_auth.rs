//! Issue 11, the identity server's edge: each test is one finding, attacked over real HTTP
//! the way it was reported.

use reqwest::StatusCode;

use crate::support::TestAuth;
use crate::support::browser::Browser;

const PASSWORD: &str = "correct horse battery";

/// Argon2 at the cost it has in production (tens of milliseconds per hash) on one
/// thread, so a burst queues behind the hash as it does on a real server.
const REAL_HASHING: [(&str, &str); 3] = [
    ("BELF_PASSWORD__MEMORY_KIB", "19456"),
    ("BELF_PASSWORD__ITERATIONS", "2"),
    ("BELF_PASSWORD__MAX_CONCURRENT_HASHES", "1"),
];

/// `POST /login` from `ip` (X-Forwarded-For) with the browser's CSRF token.
async fn login_from(
    browser: &Browser,
    csrf: &str,
    ip: &str,
    username: &str,
    password: &str,
) -> StatusCode {
    browser
        .http
        .post(format!("{}/login", browser.base))
        .header("x-forwarded-for", ip)
        .form(&[
            ("csrf", csrf),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .expect("POST /login")
        .status()
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Finding 1: 300 parallel wrong passwords from one IP were all checked (the failure was
/// recorded only after Argon2), and the right one at position 250 signed in.
#[tokio::test]
async fn a_burst_of_logins_gets_the_answers_of_a_sequence() {
    let mut config = REAL_HASHING.to_vec();
    config.push(("BELF_THROTTLE__FREE_FAILURES", "3"));
    let server = TestAuth::spawn_with(&config).await;
    server.user("victim", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let csrf = browser.get("/login").await.input("csrf").unwrap();
    // Open the 300 connections first, so the burst itself arrives at once.
    let warm: Vec<_> = (0..300)
        .map(|_| tokio::spawn(browser.http.get(server.url("/healthz")).send()))
        .collect();
    for connection in warm {
        connection.await.unwrap().expect("GET /healthz");
    }
    let attempts: Vec<_> = (0..300)
        .map(|i| {
            let (http, url, csrf) = (browser.http.clone(), server.url("/login"), csrf.clone());
            let password = if i == 249 { PASSWORD } else { "wrong password" };
            tokio::spawn(async move {
                http.post(url)
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("username", "victim"),
                        ("password", password),
                    ])
                    .send()
                    .await
                    .expect("POST /login")
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    assert_eq!(
        statuses[249],
        StatusCode::TOO_MANY_REQUESTS,
        "the right password at position 250 is refused, as in a sequence"
    );
    assert_eq!(count(&statuses, StatusCode::FOUND), 0);
    // A sequence checks the free failures and one more, then one more each time its wait
    // (1 s, then 2 s…) is over; so does the burst. (It used to check all of them.)
    let checked = count(&statuses, StatusCode::UNAUTHORIZED);
    assert!((4..=5).contains(&checked), "{statuses:?}");
    assert_eq!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        300 - checked
    );
}

/// Finding 2: the throttle keyed on the name as typed while the lookup trimmed it, so
/// `"  victim\t"` was a fresh counter for the same account.
#[tokio::test]
async fn the_login_throttle_counts_an_account_however_its_name_is_typed() {
    let server = TestAuth::spawn_with(&[("BELF_THROTTLE__FREE_FAILURES", "2")]).await;
    server.user("victim", PASSWORD).await;
    let browser = Browser::new(&server.base);
    let csrf = browser.get("/login").await.input("csrf").unwrap();
    for _ in 0..3 {
        let status = login_from(&browser, &csrf, "", "victim", "wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The third failure started a wait (one second, as a sequence would), which every
    // spelling of the name now shares. Each spelling used to have two free failures of
    // its own; now at most one attempt gets through, if this machine is so slow that the
    // second has passed.
    let mut statuses = Vec::new();
    for spelling in ["  victim\t", "VICTIM", " Victim ", "victim\n"] {
        for _ in 0..2 {
            statuses.push(login_from(&browser, &csrf, "", spelling, "wrong password").await);
        }
    }
    assert!(
        count(&statuses, StatusCode::UNAUTHORIZED) <= 1,
        "{statuses:?}"
    );
    assert!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS) >= 7,
        "{statuses:?}"
    );
}
