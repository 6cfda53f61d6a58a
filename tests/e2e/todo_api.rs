//! The todo/course API end to end over HTTP, with tokens from a [`TokenSource`].

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::todo_world::{READ_ONLY, READ_WRITE, course, create_course, world};
use crate::support::{FakeIssuer, TodoApp, TokenSource};

#[tokio::test]
async fn health_openapi_palette_and_missing_token() {
    let w = world().await;
    let (status, _) = w.app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, 200);
    let (status, doc) = w.app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let (status, p) = w.app.call(Method::GET, "/api/palette", None, None).await;
    assert_eq!(status, 200);
    assert!(p["colours"].as_array().is_some_and(|c| !c.is_empty()));

    let resp = w
        .app
        .http
        .get(format!("{}/api/courses", w.app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"].to_str().expect("ascii");
    assert!(challenge.starts_with("Bearer realm="), "{challenge}");

    let resp = w
        .app
        .http
        .get(format!("{}/api/courses", w.app.base))
        .bearer_auth("garbage")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"].to_str().expect("ascii");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test]
async fn course_todos_today_and_done_log() {
    let w = world().await;
    let id = create_course(&w, &w.alice, "Rust every day", false).await;
    let (_, c) = w.app.get(&format!("/api/courses/{id}"), &w.alice).await;
    assert_eq!(c["tags"], json!(["daily", "rust"]));
    assert_eq!(c["owner"], "alice");

    let todos = format!("/api/courses/{id}/todos");
    let (s, weekly) = w
        .app
        .post(
            &todos,
            &w.alice,
            json!({"title": "Read a chapter", "active_date": "2026-01-05",
                   "recurrence": {"type": "weekly", "days": ["mon", "thu"]}}),
        )
        .await;
    assert_eq!(s, 201, "{weekly}");
    let (s, every) = w
        .app
        .post(
            &todos,
            &w.alice,
            json!({"title": "Exercise", "active_date": "2026-01-05",
                   "recurrence": {"type": "every", "days": 2}}),
        )
        .await;
    assert_eq!(s, 201, "{every}");
    let (s, once) = w
        .app
        .post(
            &todos,
            &w.alice,
            json!({"title": "Set up", "active_date": "2026-01-06"}),
        )
        .await;
    assert_eq!(s, 201, "{once}");

    let titles = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["title"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Monday 2026-01-05: weekly (mon) and every-2-days (start).
    let (s, today) = w.app.get("/api/today?date=2026-01-05", &w.alice).await;
    assert_eq!(s, 200, "{today}");
    let mut t = titles(&today);
    t.sort();
    assert_eq!(t, ["Exercise", "Read a chapter"]);
    // Tuesday: only the one-off.
    let (_, today) = w.app.get("/api/today?date=2026-01-06", &w.alice).await;
    assert_eq!(titles(&today), ["Set up"]);
    // Wednesday: every 2 days again.
    let (_, today) = w.app.get("/api/today?date=2026-01-07", &w.alice).await;
    assert_eq!(titles(&today), ["Exercise"]);
    // Bob has nothing to do.
    let (_, today) = w.app.get("/api/today?date=2026-01-05", &w.bob).await;
    assert!(titles(&today).is_empty());

    // Done log.
    let weekly_id = weekly["id"].as_str().expect("id");
    let done = format!("/api/courses/{id}/todos/{weekly_id}/done");
    let (s, d) = w
        .app
        .post(
            &done,
            &w.alice,
            json!({"date": "2026-01-05", "title": "Ch. 1", "content": "ok"}),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let (s, _) = w
        .app
        .post(&done, &w.alice, json!({"date": "2026-01-05"}))
        .await;
    assert_eq!(s, 409);
    let (s, _) = w
        .app
        .post(&done, &w.alice, json!({"date": "2026-01-08"}))
        .await;
    assert_eq!(s, 201);
    let (_, today) = w.app.get("/api/today?date=2026-01-05", &w.alice).await;
    let read = today["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == weekly["id"]).cloned())
        .expect("weekly todo due");
    assert_eq!(read["done"], true);

    let (s, log) = w
        .app
        .get(
            &format!("/api/courses/{id}/done?from=2026-01-01&to=2026-01-06"),
            &w.alice,
        )
        .await;
    assert_eq!(s, 200, "{log}");
    assert_eq!(titles(&log), ["Ch. 1"]);
    let (_, log) = w
        .app
        .get("/api/done?from=2026-01-01&to=2026-01-31", &w.alice)
        .await;
    assert_eq!(titles(&log), ["Ch. 1", "Read a chapter"]);

    // Soft delete: gone from lists and today, the done log stays.
    let (s, _) = w
        .app
        .delete(&format!("{todos}/{weekly_id}"), &w.alice)
        .await;
    assert_eq!(s, 204);
    let (_, list) = w.app.get(&todos, &w.alice).await;
    assert_eq!(titles(&list).len(), 2);
    let (_, today) = w.app.get("/api/today?date=2026-01-05", &w.alice).await;
    assert_eq!(titles(&today), ["Exercise"]);
    let (_, log) = w
        .app
        .get("/api/done?from=2026-01-01&to=2026-01-31", &w.alice)
        .await;
    assert_eq!(titles(&log).len(), 2);
}

#[tokio::test]
async fn ownership_and_private_courses() {
    let w = world().await;
    let private = create_course(&w, &w.alice, "Secret plan", false).await;
    let public = create_course(&w, &w.alice, "Open plan", true).await;

    // Someone else's private course does not exist for them.
    for (method, path) in [
        (Method::GET, format!("/api/courses/{private}")),
        (Method::GET, format!("/api/courses/{private}/todos")),
        (Method::PATCH, format!("/api/courses/{private}")),
        (Method::DELETE, format!("/api/courses/{private}")),
        (Method::POST, format!("/api/courses/{private}/fork")),
        (Method::PUT, format!("/api/courses/{private}/like")),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"title": "mine now"}));
        let (s, b) = w.app.call(method.clone(), &path, Some(&w.bob), body).await;
        assert_eq!(s, 404, "{method} {path}: {b}");
        assert_eq!(b["error"], "not_found");
    }
    // Someone else's public course is readable, not writable.
    let (s, _) = w.app.get(&format!("/api/courses/{public}"), &w.bob).await;
    assert_eq!(s, 200);
    let (s, b) = w
        .app
        .patch(
            &format!("/api/courses/{public}"),
            &w.bob,
            json!({"title": "mine"}),
        )
        .await;
    assert_eq!(s, 403, "{b}");
    let (s, _) = w
        .app
        .post(
            &format!("/api/courses/{public}/todos"),
            &w.bob,
            json!({"title": "spam", "active_date": "2026-01-01"}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = w
        .app
        .delete(&format!("/api/courses/{public}"), &w.bob)
        .await;
    assert_eq!(s, 403);
    // The done log of a public course is shown with it (the course page's history);
    // once private, it is the owner's only (below).
    let done_log = format!("/api/courses/{public}/done?from=2026-01-01&to=2026-12-31");
    let (s, _) = w.app.get(&done_log, &w.bob).await;
    assert_eq!(s, 200);
    // Owner may update and make it private.
    let (s, c) = w
        .app
        .patch(
            &format!("/api/courses/{public}"),
            &w.alice,
            json!({"title": "Renamed", "public": false, "end_date": "2026-02-01"}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["title"], "Renamed");
    assert_eq!(c["end_date"], "2026-02-01");
    let (s, _) = w.app.get(&format!("/api/courses/{public}"), &w.bob).await;
    assert_eq!(s, 404);
    let (s, _) = w.app.get(&done_log, &w.bob).await;
    assert_eq!(s, 404);
    // A todo id of Alice's, reached through Bob's own course, is not found either.
    let (_, t) = w
        .app
        .post(
            &format!("/api/courses/{private}/todos"),
            &w.alice,
            json!({"title": "hidden", "active_date": "2026-01-01"}),
        )
        .await;
    let alice_todo = t["id"].as_str().expect("todo id").to_owned();
    let bobs = create_course(&w, &w.bob, "Bob's", false).await;
    let via_bob = format!("/api/courses/{bobs}/todos/{alice_todo}");
    let (s, _) = w.app.get(&via_bob, &w.bob).await;
    assert_eq!(s, 404);
    let (s, _) = w
        .app
        .patch(&via_bob, &w.bob, json!({"title": "pwned"}))
        .await;
    assert_eq!(s, 404);
    let (s, _) = w.app.delete(&via_bob, &w.bob).await;
    assert_eq!(s, 404);
    let (s, _) = w
        .app
        .post(
            &format!("{via_bob}/done"),
            &w.bob,
            json!({"date": "2026-01-01"}),
        )
        .await;
    assert_eq!(s, 404);
    let (s, t) = w
        .app
        .get(
            &format!("/api/courses/{private}/todos/{alice_todo}"),
            &w.alice,
        )
        .await;
    assert_eq!((s, t["title"].clone()), (200, json!("hidden")));
    // Deleting a course removes it.
    let (s, _) = w.app.delete(&format!("/api/courses/{bobs}"), &w.bob).await;
    assert_eq!(s, 204);
    let (s, _) = w.app.get(&format!("/api/courses/{bobs}"), &w.bob).await;
    assert_eq!(s, 404);
    // Unknown or malformed ids are just not found.
    let (s, _) = w.app.get("/api/courses/not-a-uuid", &w.alice).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn scopes_and_client_tokens() {
    let issuer = FakeIssuer::start().await;
    let app = TodoApp::spawn(&issuer.url).await;
    let alice = issuer.token(Some("alice"), READ_WRITE).await;
    let alice_ro = issuer.token(Some("alice"), READ_ONLY).await;
    let alice_none = issuer.token(Some("alice"), &["openid"]).await;
    let client = issuer.token(None, READ_ONLY).await;
    let client_rw = issuer.token(None, READ_WRITE).await;

    let (_, c) = app
        .post("/api/courses", &alice, course("Public", true))
        .await;
    let public = c["id"].as_str().expect("id").to_owned();
    let (_, c) = app
        .post("/api/courses", &alice, course("Private", false))
        .await;
    let private = c["id"].as_str().expect("id").to_owned();

    // A read-only token cannot write.
    let resp = app
        .http
        .post(format!("{}/api/courses", app.base))
        .bearer_auth(&alice_ro)
        .json(&course("Nope", true))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 403);
    let challenge = resp.headers()["www-authenticate"].to_str().expect("ascii");
    assert!(challenge.contains("insufficient_scope") && challenge.contains("courses:write"));
    let (s, _) = app.get(&format!("/api/courses/{private}"), &alice_ro).await;
    assert_eq!(s, 200);
    // Without courses:read nothing is readable.
    let (s, b) = app
        .get(&format!("/api/courses/{public}"), &alice_none)
        .await;
    assert_eq!(s, 403);
    assert_eq!(b["error"], "insufficient_scope");

    // A client-only token reads public data only, and cannot act as a user.
    let (s, _) = app.get(&format!("/api/courses/{public}"), &client).await;
    assert_eq!(s, 200);
    let (s, _) = app.get(&format!("/api/courses/{private}"), &client).await;
    assert_eq!(s, 404);
    let (s, b) = app.get("/api/courses/search", &client).await;
    assert_eq!(s, 200);
    assert_eq!(b["total"], 1);
    let (s, _) = app.get("/api/today?date=2026-01-01", &client).await;
    assert_eq!(s, 403);
    let (s, b) = app
        .post("/api/courses", &client_rw, course("Bot", true))
        .await;
    assert_eq!(s, 403);
    assert_eq!(b["error"], "user_required");
    let (s, _) = app
        .put(&format!("/api/courses/{public}/like"), &client_rw)
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let w = world().await;
    let cases = [
        (
            json!({"title": "", "colour": "blue", "start_date": "2026-01-01"}),
            "title",
        ),
        (
            json!({"title": "x".repeat(51), "colour": "blue", "start_date": "2026-01-01"}),
            "title",
        ),
        (
            json!({"colour": "blue", "start_date": "2026-01-01"}),
            "title",
        ),
        (
            json!({"title": "ok", "colour": "mauve", "start_date": "2026-01-01"}),
            "colour",
        ),
        (
            json!({"title": "ok", "colour": "blue", "start_date": "01/02/2026"}),
            "start_date",
        ),
        (
            json!({"title": "ok", "colour": "blue", "start_date": "2026-02-01",
                "end_date": "2026-01-01"}),
            "end_date",
        ),
        (
            json!({"title": "ok", "colour": "blue", "start_date": "2026-01-01",
                "tags": ["no spaces"]}),
            "tags",
        ),
        (
            json!({"title": 5, "colour": "blue", "start_date": "2026-01-01"}),
            "title",
        ),
    ];
    for (body, field) in cases {
        let (s, b) = w.app.post("/api/courses", &w.alice, body.clone()).await;
        assert_eq!(s, 422, "{body}: {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
        assert_eq!(b["error"], "invalid_field");
    }
    // In our words, naming the field (issue 11, finding 5), never serde's.
    for (body, message) in [
        (
            json!({"colour": "blue", "start_date": "2026-01-01"}),
            "title: is required",
        ),
        (
            json!({"title": 5, "colour": "blue", "start_date": "2026-01-01"}),
            "title: must be a string",
        ),
        (
            json!({"title": "t", "colour": "blue", "start_date": "2026-01-01", "tags": "rust"}),
            "tags: must be a list of strings",
        ),
        (
            json!({"title": "t", "colour": "blue", "start_date": "2026-01-01", "owner": "me"}),
            "owner: is not a field of this request (its fields: title, explanation, colour, \
             start_date, end_date, tags, public)",
        ),
    ] {
        let (s, b) = w.app.post("/api/courses", &w.alice, body.clone()).await;
        assert_eq!(
            (s, b["message"].as_str()),
            (422, Some(message)),
            "{body}: {b}"
        );
    }
    let id = create_course(&w, &w.alice, "Valid", false).await;
    let todos = format!("/api/courses/{id}/todos");
    for (body, field) in [
        (
            json!({"title": "t", "active_date": "2026-01-01",
                "recurrence": {"type": "weekly", "days": ["funday"]}}),
            "recurrence",
        ),
        (
            json!({"title": "t", "active_date": "2026-01-01",
                "recurrence": {"type": "every", "days": 0}}),
            "recurrence",
        ),
        (
            json!({"title": "t", "active_date": "yesterday"}),
            "active_date",
        ),
    ] {
        let (s, b) = w.app.post(&todos, &w.alice, body.clone()).await;
        assert_eq!(s, 422, "{body}: {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    for (path, field) in [
        ("/api/today?tz=Asia/Tokyo", "tz"),
        ("/api/today?date=2026-01-05&tz=FALSE", "tz"),
        ("/api/today?date=2026-02-30", "date"),
        ("/api/courses/search?limit=0", "limit"),
        ("/api/courses/search?offset=-1", "offset"),
        ("/api/courses/search?sort=stars", "sort"),
        ("/api/done?from=2026-02-01&to=2026-01-01", "to"),
    ] {
        let (s, b) = w.app.get(path, &w.alice).await;
        assert_eq!(s, 422, "{path}: {b}");
        assert_eq!(b["field"], field, "{path}: {b}");
    }
    // Malformed JSON is a 400, never a 500.
    let resp = w
        .app
        .http
        .post(format!("{}/api/courses", w.app.base))
        .bearer_auth(&w.alice)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 400);
    let b: Value = resp.json().await.expect("json body");
    assert_eq!(b["error"], "malformed_json");
    assert_eq!(
        b["message"],
        "the body ends before its JSON does (line 1, column 10)"
    );
    let resp = w
        .app
        .http
        .post(format!("{}/api/courses", w.app.base))
        .bearer_auth(&w.alice)
        .body("title=x")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 415);
}

/// Every operation the OpenAPI document lists exists: without a token it answers 401
/// (the fallback would answer 404), and public ones answer 200.
#[tokio::test]
async fn openapi_document_matches_the_routes() {
    let w = world().await;
    let (_, doc) = w.app.call(Method::GET, "/openapi.json", None, None).await;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.len() >= 15, "{} paths", paths.len());
    let id = "00000000-0000-4000-8000-000000000000";
    for (path, ops) in paths {
        let concrete = path
            .replace("{id}", id)
            .replace("{todo}", id)
            .replace("{date}", "2026-01-05");
        for (method, op) in ops.as_object().cloned().unwrap_or_default() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue; // `parameters`
            }
            let Ok(m) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let public = op["security"].as_array().is_some_and(|s| s.is_empty());
            let (status, body) = w.app.call(m, &concrete, None, None).await;
            let expected = if public { 200 } else { 401 };
            assert_eq!(status, expected, "{method} {path}: {body}");
            // What every operation of its kind can answer is documented.
            let documented = |code: &str| op["responses"].get(code).is_some();
            let mut must = Vec::new();
            if !public {
                must.extend(["401", "403"]);
            }
            if op.get("requestBody").is_some() {
                must.extend(["400", "413", "415", "422"]);
            }
            let queried = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            if queried {
                must.extend(["400", "422"]);
            }
            for code in must {
                assert!(documented(code), "{method} {path} does not document {code}");
            }
        }
    }
}
