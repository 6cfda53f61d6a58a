//! Bad input never becomes a 500: odd bodies, queries and paths against every route.

use reqwest::Method;
use serde_json::json;

use crate::support::todo_world::{create_course, world};

#[tokio::test]
async fn odd_input_is_a_4xx_never_a_5xx() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Target", true).await;
    let (_, todo) = w
        .app
        .post(
            &format!("/api/courses/{course}/todos"),
            &w.alice,
            json!({"title": "t", "active_date": "2026-01-01"}),
        )
        .await;
    let todo = todo["id"].as_str().expect("todo id").to_owned();

    let bodies = [
        json!(null),
        json!([]),
        json!("string"),
        json!(42),
        json!({}),
        json!({"title": null, "colour": null, "start_date": null}),
        json!({"title": ["a"], "colour": {"x": 1}, "start_date": 20260101}),
        json!({"title": "x", "colour": "blue", "start_date": "2026-01-01", "extra": 1}),
        json!({"title": "🦀".repeat(60), "colour": "blue", "start_date": "9999-99-99"}),
        json!({"title": "t", "active_date": "2026-01-01", "recurrence": "daily"}),
        json!({"title": "t", "active_date": "2026-01-01", "recurrence": {"type": "every", "days": -1}}),
        json!({"title": "t", "active_date": "2026-01-01", "recurrence": {"type": "every", "days": 1e9}}),
        json!({"title": "t", "active_date": "2026-01-01", "recurrence": {"type": "weekly", "days": "mon"}}),
        json!({"date": "2026-01-01", "content": "x".repeat(5000)}),
        json!({"end_date": null, "tags": [null]}),
        json!({"title": "nul\u{0}", "colour": "blue", "start_date": "2026-01-01"}),
        json!({"title": "t", "explanation": "nul\u{0}", "colour": "blue",
               "start_date": "2026-01-01", "active_date": "2026-01-01"}),
        json!({"date": "2026-01-02", "title": "t", "content": "nul\u{0}"}),
        json!({"tags": ["nul\u{0}"]}),
        json!({"tags": vec!["a"; 11]}),
    ];
    let write_paths = [
        (Method::POST, "/api/courses".to_owned()),
        (Method::PATCH, format!("/api/courses/{course}")),
        (Method::POST, format!("/api/courses/{course}/todos")),
        (Method::PATCH, format!("/api/courses/{course}/todos/{todo}")),
        (
            Method::POST,
            format!("/api/courses/{course}/todos/{todo}/done"),
        ),
    ];
    for (method, path) in &write_paths {
        for body in &bodies {
            let (s, b) = w
                .app
                .call(method.clone(), path, Some(&w.alice), Some(body.clone()))
                .await;
            assert!(
                (400..500).contains(&s) || s < 300,
                "{method} {path} {body}: {s} {b}"
            );
            if s >= 400 {
                assert!(b["error"].is_string(), "{method} {path} {body}: {b}");
                assert_own_words(&b);
            }
        }
    }

    let queries = [
        "/api/courses/search?limit=abc",
        "/api/courses/search?limit=99999999999999999999",
        "/api/courses/search?offset=1e3",
        "/api/courses/search?q=%00%27%22;--",
        "/api/courses/search?tag=%F0%9F%A6%80",
        "/api/courses/search?q=%FF",
        "/api/today?date=%FF",
        "/api/today?date=2026-1-1",
        "/api/done?from=0000-00-00&to=9999-12-31",
        "/api/courses/%FF",
        "/api/courses/..%2F..%2Fetc",
        "/api/courses/00000000-0000-0000-0000-000000000000/todos/%00",
        "/api/nowhere",
    ];
    for path in queries {
        let (s, b) = w.app.get(path, &w.alice).await;
        assert!(s < 500, "{path}: {s} {b}");
        if s >= 400 {
            assert!(b["error"].is_string(), "{path}: {b}");
            assert_own_words(&b);
        }
    }

    // A body over the limit is refused without being read to the end.
    let huge = json!({"title": "t", "colour": "blue", "start_date": "2026-01-01",
                      "explanation": "x".repeat(200_000)});
    let (s, b) = w.app.post("/api/courses", &w.alice, huge).await;
    assert_eq!((s, b["error"].clone()), (413, json!("payload_too_large")));
}

/// Error messages are ours, never a library's: no serde or axum wording, no Rust type
/// names, and a 422 names its field in the message too (issue 11, finding 5).
fn assert_own_words(body: &serde_json::Value) {
    let message = body["message"].as_str().unwrap_or_default();
    for library_words in [
        "invalid type",
        "missing field",
        "unknown field",
        "expected ",
        "at line",
        "EOF",
        "deserialize",
        "Failed to",
        "target type",
    ] {
        assert!(
            !message.contains(library_words),
            "{library_words:?} in {body}"
        );
    }
    if body["error"] == "invalid_field" {
        let field = body["field"].as_str().unwrap_or_default();
        assert!(
            !field.is_empty() && message.starts_with(&format!("{field}: ")),
            "{body}"
        );
    }
}

/// A todo written into a course deleted at the same moment (the handler checked the course,
/// then the owner deleted it) is refused by the database's foreign keys as `Gone`, which
/// the API answers with 404, instead of leaving an orphan row or failing with a 500.
#[tokio::test]
async fn a_write_into_a_deleted_course_is_gone_not_an_orphan() {
    use belf::todo::store::{NewTodo, SqlStore as Store, StoreError, TodoStore};
    let dir = tempfile::tempdir().expect("tempdir");
    let url = crate::support::fresh_database_url(dir.path(), "todo").await;
    let store = Store::connect(&url).await.expect("store");
    let result = store
        .create_todo(NewTodo {
            course_id: format!("deleted-course-{}", uuid::Uuid::new_v4()),
            title: "Read".into(),
            explanation: String::new(),
            active_date: "2026-11-27".into(),
            recurrence: "daily".into(),
        })
        .await;
    assert!(
        matches!(result, Err(StoreError::Gone)),
        "got {:?}",
        result.map(|t| t.id)
    );
    let http: belf::todo::http::ApiError = StoreError::Gone.into();
    assert_eq!(
        axum::response::IntoResponse::into_response(http).status(),
        404
    );
}
