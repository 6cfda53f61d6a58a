//! `belf client registration-token` and the provenance column of `belf client list`.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{REDIRECT, TestAuth};

#[tokio::test]
async fn registration_tokens_from_the_cli_admit_their_uses_and_list_shows_provenance() {
    let auth = TestAuth::spawn().await;
    let issued = auth
        .cli_json(
            &[
                "client",
                "registration-token",
                "--expires-in",
                "600",
                "--max-uses",
                "2",
            ],
            None,
        )
        .await;
    let token = issued["initial_access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(issued["max_uses"], 2);
    let metadata = json!({ "client_name": "Dynamic one", "redirect_uris": [REDIRECT] });
    for _ in 0..2 {
        let r = auth.register(Some(&token), &metadata).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    assert_eq!(
        auth.register(Some(&token), &metadata).await.status,
        StatusCode::UNAUTHORIZED
    );

    let added = auth
        .cli_json(
            &[
                "client",
                "add",
                "--name",
                "Admin made",
                "--redirect-uri",
                REDIRECT,
            ],
            None,
        )
        .await;
    let listed = auth.cli_json(&["client", "list"], None).await;
    let by = |id: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["client_id"] == id)
            .map(|c| c["created_by"].clone())
    };
    assert_eq!(by(added["client_id"].as_str().unwrap()), Some(json!("cli")));
    let dynamic: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["created_by"] == "dynamic_registration")
        .collect();
    assert_eq!(dynamic.len(), 2, "{listed}");
    let text = auth.cli(&["client", "list"], None).await;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("dynamic_registration") && text.contains("cli"),
        "{text}"
    );

    // Only a digest is stored: the database never holds the token itself.
    let store = belf::auth::store::sql::SqlStore::connect(&auth.config.database)
        .await
        .unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM registration_initial_tokens")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(rows.iter().all(|(h,)| h != &token && h.len() == 64));
}

#[tokio::test]
async fn registration_token_refuses_zero_uses_or_lifetime() {
    let auth = TestAuth::spawn().await;
    for args in [
        ["client", "registration-token", "--max-uses", "0"],
        ["client", "registration-token", "--expires-in", "0"],
    ] {
        let out = auth.cli(&args, None).await;
        assert!(!out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("at least 1"));
    }
}
