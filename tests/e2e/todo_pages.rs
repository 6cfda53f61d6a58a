//! Every list is a page with its total (issue 11, finding 4): my courses, a course's
//! todos, the done logs and today's list; `GET /api/today` without `date` means today in
//! the caller's zone.

use serde_json::{Value, json};
use time::{OffsetDateTime, UtcOffset};

use crate::support::todo_world::world;

fn page_shape(v: &Value) -> (usize, i64, i64, i64, Option<i64>) {
    (
        v["items"].as_array().map_or(0, Vec::len),
        v["total"].as_i64().unwrap_or(-1),
        v["limit"].as_i64().unwrap_or(-1),
        v["offset"].as_i64().unwrap_or(-1),
        v["next_offset"].as_i64(),
    )
}

#[tokio::test]
async fn lists_are_pages_with_totals() {
    let w = world().await;
    let mut course = String::new();
    for i in 0..3 {
        let (s, c) = w
            .app
            .post(
                "/api/courses",
                &w.alice,
                json!({"title": format!("Course {i}"), "colour": "blue", "start_date": "2026-01-01"}),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        course = c["id"].as_str().expect("id").to_owned();
    }
    let (_, mine) = w.app.get("/api/courses?limit=2", &w.alice).await;
    assert_eq!(page_shape(&mine), (2, 3, 2, 0, Some(2)), "{mine}");
    let (_, mine) = w.app.get("/api/courses?limit=2&offset=2", &w.alice).await;
    assert_eq!(page_shape(&mine), (1, 3, 2, 2, None), "{mine}");

    // 25 daily todos, each done on the same day.
    let mut todos = Vec::new();
    for i in 0..25 {
        let (s, t) = w
            .app
            .post(
                &format!("/api/courses/{course}/todos"),
                &w.alice,
                json!({"title": format!("Todo {i:02}"), "active_date": "2026-01-01",
                       "recurrence": {"type": "every", "days": 1}}),
            )
            .await;
        assert_eq!(s, 201, "{t}");
        todos.push(t["id"].as_str().expect("id").to_owned());
    }
    for todo in &todos {
        let (s, d) = w
            .app
            .post(
                &format!("/api/courses/{course}/todos/{todo}/done"),
                &w.alice,
                json!({"date": "2026-01-10"}),
            )
            .await;
        assert_eq!(s, 201, "{d}");
    }
    let list = format!("/api/courses/{course}/todos");
    let (_, first) = w.app.get(&list, &w.alice).await;
    assert_eq!(page_shape(&first), (20, 25, 20, 0, Some(20)), "{first}");
    assert_eq!(first["items"][0]["title"], "Todo 00");
    let (_, rest) = w
        .app
        .get(&format!("{list}?offset=20&limit=100"), &w.alice)
        .await;
    assert_eq!(page_shape(&rest), (5, 25, 100, 20, None), "{rest}");
    assert_eq!(rest["items"][4]["title"], "Todo 24");

    for log in [
        format!("/api/courses/{course}/done?from=2026-01-01&to=2026-01-31"),
        "/api/done?from=2026-01-01&to=2026-01-31".to_owned(),
    ] {
        let (_, page) = w
            .app
            .get(&format!("{log}&limit=10&offset=20"), &w.alice)
            .await;
        assert_eq!(page_shape(&page), (5, 25, 10, 20, None), "{log}: {page}");
        let (_, page) = w.app.get(&log, &w.alice).await;
        assert_eq!(
            page_shape(&page),
            (20, 25, 20, 0, Some(20)),
            "{log}: {page}"
        );
    }

    let (_, today) = w.app.get("/api/today?date=2026-01-10", &w.alice).await;
    assert_eq!(page_shape(&today), (20, 25, 20, 0, Some(20)), "{today}");
    assert_eq!(today["date"], "2026-01-10");
    let (_, today) = w
        .app
        .get("/api/today?date=2026-01-10&offset=24&limit=5", &w.alice)
        .await;
    assert_eq!(page_shape(&today), (1, 25, 5, 24, None), "{today}");
    assert_eq!(today["items"][0]["done"], true);

    // Limits are bounded like search's.
    for path in [
        format!("{list}?limit=101"),
        "/api/today?limit=0".to_owned(),
        "/api/done?from=2026-01-01&to=2026-01-31&offset=-1".to_owned(),
    ] {
        let (s, b) = w.app.get(&path, &w.alice).await;
        assert_eq!(s, 422, "{path}: {b}");
    }
}

#[tokio::test]
async fn today_defaults_to_the_callers_date() {
    let w = world().await;
    let date_in = |minutes: i32| {
        let offset = UtcOffset::from_whole_seconds(minutes * 60).expect("offset");
        OffsetDateTime::now_utc()
            .to_offset(offset)
            .date()
            .to_string()
    };
    for (tz, minutes) in [
        ("", 0),
        ("&tz=UTC", 0),
        ("&tz=%2B14:00", 14 * 60),
        ("&tz=-12:00", -12 * 60),
        ("&tz=%2B05:45", 5 * 60 + 45),
    ] {
        let before = date_in(minutes);
        let (s, today) = w
            .app
            .get(&format!("/api/today?limit=5{tz}"), &w.alice)
            .await;
        let after = date_in(minutes);
        assert_eq!(s, 200, "{tz}: {today}");
        let date = today["date"].as_str().unwrap_or_default();
        assert!(date == before || date == after, "{tz}: {date} vs {before}");
    }
    // +14:00 and -12:00 are 26 hours apart: never the same date.
    let (_, east) = w.app.get("/api/today?tz=%2B14:00", &w.alice).await;
    let (_, west) = w.app.get("/api/today?tz=-12:00", &w.alice).await;
    assert_ne!(east["date"], west["date"]);
    // An explicit date wins; a zone name is refused with a hint.
    let (_, t) = w
        .app
        .get("/api/today?date=2026-01-05&tz=%2B09:00", &w.alice)
        .await;
    assert_eq!(t["date"], "2026-01-05");
    let (s, b) = w.app.get("/api/today?tz=Asia/Tokyo", &w.alice).await;
    assert_eq!((s, b["field"].as_str()), (422, Some("tz")), "{b}");
    assert!(
        b["message"].as_str().is_some_and(|m| m.contains("+09:00")),
        "{b}"
    );
}
