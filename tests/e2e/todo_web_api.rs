//! What the web app needs of the todo API (issue 12): undo, the heatmap's per-day counts,
//! totals, display names on courses, and the done log and today's entries it shows.

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::support::TokenSource;
use crate::support::todo_world::{READ_ONLY, READ_WRITE, create_course, world};
use crate::todo_photos::daily_todo;

fn days(activity: &Value) -> Vec<(String, i64)> {
    activity["days"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|x| {
                    (
                        x["date"].as_str().unwrap_or_default().to_owned(),
                        x["count"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn day_pairs(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(d, n)| ((*d).to_owned(), *n)).collect()
}

#[tokio::test]
async fn undo_removes_that_days_entry_only_its_owner_may() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Undo", true).await;
    let done = daily_todo(&w.app, &w.alice, &course).await;
    for date in ["2026-03-01", "2026-03-02"] {
        let (s, _) = w.app.post(&done, &w.alice, json!({"date": date})).await;
        assert_eq!(s, 201);
    }
    let read_only = w.issuer.token(Some("alice"), READ_ONLY).await;
    let client = w.issuer.token(None, READ_WRITE).await;
    // Refusals first, whatever the date says.
    for (token, status, code) in [
        (&w.bob, 403, "not_owner"),
        (&read_only, 403, "insufficient_scope"),
        (&client, 403, "user_required"),
    ] {
        for date in ["2026-03-01", "not-a-date"] {
            let (s, body) = w.app.delete(&format!("{done}/{date}"), token).await;
            assert_eq!((s, body["error"].as_str()), (status, Some(code)), "{body}");
        }
    }
    let (s, body) = w.app.delete(&format!("{done}/2026-02-30"), &w.alice).await;
    assert_eq!((s, body["field"].as_str()), (422, Some("date")), "{body}");
    let (s, body) = w.app.delete(&format!("{done}/2026-03-01"), &w.alice).await;
    assert_eq!(s, 204, "{body}");
    let (s, body) = w.app.delete(&format!("{done}/2026-03-01"), &w.alice).await;
    assert_eq!((s, body["error"].as_str()), (404, Some("not_found")));
    let (_, log) = w
        .app
        .get(
            &format!("/api/courses/{course}/done?from=2026-03-01&to=2026-03-31"),
            &w.alice,
        )
        .await;
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["date"], "2026-03-02");
    // Undone, the day can be checked off again.
    let (s, _) = w
        .app
        .post(&done, &w.alice, json!({"date": "2026-03-01"}))
        .await;
    assert_eq!(s, 201);
    // Someone else's private course: 404, as if it did not exist.
    let hidden = create_course(&w, &w.alice, "Hidden", false).await;
    let hidden_done = daily_todo(&w.app, &w.alice, &hidden).await;
    let (s, _) = w
        .app
        .delete(&format!("{hidden_done}/2026-03-01"), &w.bob)
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn activity_counts_done_entries_per_day_for_whoever_sees_the_course() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Heat", true).await;
    let walk = daily_todo(&w.app, &w.alice, &course).await;
    let read = daily_todo(&w.app, &w.alice, &course).await;
    for (path, date) in [
        (&walk, "2026-03-01"),
        (&read, "2026-03-01"),
        (&walk, "2026-03-03"),
        (&walk, "2026-04-10"),
    ] {
        let (s, _) = w.app.post(path, &w.alice, json!({"date": date})).await;
        assert_eq!(s, 201);
    }
    let url = format!("/api/courses/{course}/activity?from=2026-03-01&to=2026-03-31");
    let (s, a) = w.app.get(&url, &w.alice).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(
        (a["from"].as_str(), a["to"].as_str()),
        (Some("2026-03-01"), Some("2026-03-31"))
    );
    assert_eq!(days(&a), day_pairs(&[("2026-03-01", 2), ("2026-03-03", 1)]));
    // Public: anyone with courses:read, a client too; without the scope, 403.
    let client = w.issuer.token(None, READ_ONLY).await;
    for token in [&w.bob, &client] {
        let (s, b) = w.app.get(&url, token).await;
        assert_eq!((s, days(&b)), (200, days(&a)));
    }
    let no_read = w.issuer.token(Some("bob"), &["courses:write"]).await;
    assert_eq!(w.app.get(&url, &no_read).await.0, 403);
    // Private: the owner only.
    let (s, _) = w
        .app
        .patch(
            &format!("/api/courses/{course}"),
            &w.alice,
            json!({"public": false}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(w.app.get(&url, &w.alice).await.0, 200);
    for token in [&w.bob, &client] {
        assert_eq!(w.app.get(&url, token).await.0, 404);
    }

    // Across all my courses; another course of mine adds to the same day.
    let other = create_course(&w, &w.alice, "Other", false).await;
    let other_done = daily_todo(&w.app, &w.alice, &other).await;
    let (s, _) = w
        .app
        .post(&other_done, &w.alice, json!({"date": "2026-03-03"}))
        .await;
    assert_eq!(s, 201);
    let (s, mine) = w
        .app
        .get("/api/me/activity?from=2026-01-01&to=2026-12-31", &w.alice)
        .await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(
        days(&mine),
        day_pairs(&[("2026-03-01", 2), ("2026-03-03", 2), ("2026-04-10", 1)])
    );
    let (_, bobs) = w
        .app
        .get("/api/me/activity?from=2026-01-01&to=2026-12-31", &w.bob)
        .await;
    assert_eq!(days(&bobs), vec![]);
    let (s, body) = w.app.get("/api/me/activity", &client).await;
    assert_eq!((s, body["error"].as_str()), (403, Some("user_required")));
}

#[tokio::test]
async fn activity_defaults_to_the_year_ending_today_and_refuses_long_ranges() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Today", false).await;
    let done = daily_todo(&w.app, &w.alice, &course).await;
    // Twelve hours ahead of UTC is "today" somewhere: use the zone's date.
    let now =
        OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(12, 0, 0).expect("offset"));
    let today = now.date();
    let today_s = format!("{today}");
    let (s, body) = w.app.post(&done, &w.alice, json!({"date": today_s})).await;
    assert_eq!(s, 201, "{body}");
    let (s, a) = w.app.get("/api/me/activity?tz=%2B12:00", &w.alice).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["to"].as_str(), Some(today_s.as_str()));
    let from = today - time::Duration::days(364);
    assert_eq!(a["from"].as_str(), Some(format!("{from}").as_str()));
    assert_eq!(days(&a), vec![(today_s.clone(), 1)]);

    let course_url = format!("/api/courses/{course}/activity");
    for (query, field) in [
        ("?from=2025-01-01&to=2026-03-01", "to"),
        ("?from=2026-03-02&to=2026-03-01", "to"),
        ("?from=2026-02-30", "from"),
        ("?to=yesterday", "to"),
        ("?tz=Asia/Seoul", "tz"),
    ] {
        for url in [
            format!("{course_url}{query}"),
            format!("/api/me/activity{query}"),
        ] {
            let (s, body) = w.app.get(&url, &w.alice).await;
            assert_eq!(s, 422, "{url}: {body}");
            assert_eq!(body["field"].as_str(), Some(field), "{url}: {body}");
        }
    }
    // Exactly 400 days is allowed.
    let (s, _) = w
        .app
        .get(
            &format!("{course_url}?from=2025-10-27&to=2026-11-30"),
            &w.alice,
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn stats_total_my_courses_done_entries_likes_and_forks() {
    let w = world().await;
    let (_, zero) = w.app.get("/api/me/stats", &w.alice).await;
    assert_eq!(
        zero,
        json!({"courses": 0, "todos_done": 0, "likes_received": 0, "forks_received": 0})
    );
    let a = create_course(&w, &w.alice, "A", true).await;
    let b = create_course(&w, &w.alice, "B", true).await;
    let done = daily_todo(&w.app, &w.alice, &a).await;
    for date in ["2026-03-01", "2026-03-02", "2026-03-03"] {
        w.app.post(&done, &w.alice, json!({"date": date})).await;
    }
    for t in [&w.bob, &w.carol] {
        w.app.put(&format!("/api/courses/{a}/like"), t).await;
    }
    w.app.put(&format!("/api/courses/{b}/like"), &w.bob).await;
    for (course, t) in [(&a, &w.bob), (&a, &w.bob), (&a, &w.carol), (&b, &w.carol)] {
        w.app
            .post(&format!("/api/courses/{course}/fork"), t, json!({}))
            .await;
    }
    let (s, stats) = w.app.get("/api/me/stats", &w.alice).await;
    assert_eq!(s, 200);
    assert_eq!(
        stats,
        json!({"courses": 2, "todos_done": 3, "likes_received": 3, "forks_received": 3})
    );
    // Bob has his two forks and nothing received.
    let (_, bob) = w.app.get("/api/me/stats", &w.bob).await;
    assert_eq!(
        bob,
        json!({"courses": 1, "todos_done": 0, "likes_received": 0, "forks_received": 0})
    );
    let client = w.issuer.token(None, READ_ONLY).await;
    let (s, body) = w.app.get("/api/me/stats", &client).await;
    assert_eq!((s, body["error"].as_str()), (403, Some("user_required")));
}

#[tokio::test]
async fn display_names_show_on_every_course_response() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Named", true).await;
    let (_, c) = w.app.get(&format!("/api/courses/{course}"), &w.alice).await;
    assert_eq!(c["owner_name"], Value::Null);

    let (s, p) = w
        .app
        .call(
            reqwest::Method::PUT,
            "/api/me/profile",
            Some(&w.alice),
            Some(json!({"display_name": "  Alice Kim  "})),
        )
        .await;
    assert_eq!((s, p), (200, json!({"display_name": "Alice Kim"})));
    let (_, c) = w.app.get(&format!("/api/courses/{course}"), &w.bob).await;
    assert_eq!(c["owner_name"], "Alice Kim");
    let (_, mine) = w.app.get("/api/courses", &w.alice).await;
    assert_eq!(mine["items"][0]["owner_name"], "Alice Kim");
    let (_, found) = w.app.get("/api/courses/search?q=named", &w.bob).await;
    assert_eq!(found["items"][0]["owner_name"], "Alice Kim");
    let (s, fork) = w
        .app
        .post(&format!("/api/courses/{course}/fork"), &w.bob, json!({}))
        .await;
    assert_eq!(s, 201);
    assert_eq!(fork["owner_name"], Value::Null, "bob set no name");
    // Set again: replaced.
    let set = |token: String, body: Value| {
        let app = &w.app;
        async move {
            app.call(
                reqwest::Method::PUT,
                "/api/me/profile",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (s, _) = set(w.bob.clone(), json!({"display_name": "밥"})).await;
    assert_eq!(s, 200);
    let (_, fork) = w
        .app
        .get(
            &format!("/api/courses/{}", fork["id"].as_str().unwrap_or_default()),
            &w.bob,
        )
        .await;
    assert_eq!(fork["owner_name"], "밥");

    for (body, field) in [
        (json!({"display_name": "   "}), "display_name"),
        (json!({"display_name": "x".repeat(65)}), "display_name"),
        (json!({"display_name": "two\nlines"}), "display_name"),
        (json!({"display_name": 5}), "display_name"),
        (json!({}), "display_name"),
        (json!({"display_name": "A", "avatar": "x"}), "avatar"),
    ] {
        let (s, e) = set(w.alice.clone(), body).await;
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{e}");
    }
    let (s, _) = set(w.alice.clone(), json!({"display_name": "x".repeat(64)})).await;
    assert_eq!(s, 200);
    // Who may not set a name hears so whatever the body.
    let read_only = w.issuer.token(Some("alice"), READ_ONLY).await;
    let client = w.issuer.token(None, READ_WRITE).await;
    for (token, code) in [(read_only, "insufficient_scope"), (client, "user_required")] {
        let (s, e) = set(token, json!({"display_name": ""})).await;
        assert_eq!((s, e["error"].as_str()), (403, Some(code)));
    }
}

#[tokio::test]
async fn today_carries_each_done_entry_and_the_done_log_shows_with_the_course() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Daily", true).await;
    let walk = daily_todo(&w.app, &w.alice, &course).await;
    let _read = daily_todo(&w.app, &w.alice, &course).await;
    let (s, entry) = w
        .app
        .post(
            &walk,
            &w.alice,
            json!({"date": "2026-03-01", "content": "5 km"}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(entry["photo_url"], Value::Null);
    let (_, today) = w.app.get("/api/today?date=2026-03-01", &w.alice).await;
    let items = today["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{today}");
    let done: Vec<&Value> = items.iter().filter(|i| i["done"] == true).collect();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["done_entry"]["content"], "5 km");
    assert_eq!(done[0]["done_entry"]["id"], entry["id"]);
    assert_eq!(done[0]["done_entry"]["photo_url"], Value::Null);
    let open: Vec<&Value> = items.iter().filter(|i| i["done"] == false).collect();
    assert_eq!(open[0]["done_entry"], Value::Null);

    // The course's done log: public, so bob and a client read it.
    let log = format!("/api/courses/{course}/done?from=2026-03-01&to=2026-03-31");
    let client = w.issuer.token(None, READ_ONLY).await;
    for token in [&w.alice, &w.bob, &client] {
        let (s, page) = w.app.get(&log, token).await;
        assert_eq!((s, page["total"].clone()), (200, json!(1)), "{page}");
        assert_eq!(page["items"][0]["content"], "5 km");
    }
}

/// The document's colour enum is the palette the service serves.
#[tokio::test]
async fn openapi_colours_are_the_palette() {
    let w = world().await;
    let (_, palette) = w
        .app
        .call(reqwest::Method::GET, "/api/palette", None, None)
        .await;
    let (_, doc) = w
        .app
        .call(reqwest::Method::GET, "/openapi.json", None, None)
        .await;
    let names: Vec<Value> = palette["colours"]
        .as_array()
        .map(|c| c.iter().map(|c| c["name"].clone()).collect())
        .unwrap_or_default();
    for schema in ["NewCourse", "CoursePatch"] {
        let documented = &doc["components"]["schemas"][schema]["properties"]["colour"]["enum"];
        assert_eq!(documented, &Value::Array(names.clone()), "{schema}");
    }
}
