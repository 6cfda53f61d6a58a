//! A todo is marked done only on a day it is due: its recurrence, from its active date,
//! while its course runs (issue 11, finding 2). `GET /api/today` follows the same rule.

use serde_json::{Value, json};
use time::{Date, Duration};

use crate::support::todo_world::{World, world};

async fn new_todo(w: &World, course: &str, body: Value) -> String {
    let (s, t) = w
        .app
        .post(&format!("/api/courses/{course}/todos"), &w.alice, body)
        .await;
    assert_eq!(s, 201, "{t}");
    t["id"].as_str().expect("todo id").to_owned()
}

#[tokio::test]
async fn done_only_on_due_days_inside_the_course() {
    let w = world().await;
    let (s, c) = w
        .app
        .post(
            "/api/courses",
            &w.alice,
            json!({"title": "January", "colour": "red",
                   "start_date": "2026-01-01", "end_date": "2026-01-31"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let course = c["id"].as_str().expect("course id").to_owned();
    let weekly = new_todo(
        &w,
        &course,
        json!({"title": "Weekly", "active_date": "2026-01-05",
               "recurrence": {"type": "weekly", "days": ["mon", "thu"]}}),
    )
    .await;
    let every = new_todo(
        &w,
        &course,
        json!({"title": "Every 3", "active_date": "2026-01-10",
               "recurrence": {"type": "every", "days": 3}}),
    )
    .await;
    let once = new_todo(
        &w,
        &course,
        json!({"title": "Once", "active_date": "2026-01-20"}),
    )
    .await;

    let done = |todo: &str, date: &str| {
        let path = format!("/api/courses/{course}/todos/{todo}/done");
        let body = json!({ "date": date });
        let app = &w.app;
        let token = w.alice.clone();
        async move { app.post(&path, &token, body).await }
    };
    for (todo, date, rule) in [
        (&weekly, "2026-01-06", "not_scheduled"),       // a Tuesday
        (&weekly, "2026-01-01", "before_active_date"),  // a Thursday, before 01-05
        (&weekly, "2025-12-29", "before_course_start"), // a Monday
        (&weekly, "2026-02-02", "after_course_end"),    // a Monday
        (&every, "2026-01-12", "not_scheduled"),
        (&every, "2026-01-07", "before_active_date"),
        (&once, "2026-01-21", "not_scheduled"),
        (&once, "2026-01-19", "before_active_date"),
    ] {
        let (s, b) = done(todo, date).await;
        assert_eq!(s, 422, "{date}: {b}");
        assert_eq!(b["error"], "not_due", "{date}: {b}");
        assert_eq!(b["field"], "date", "{date}: {b}");
        assert_eq!(b["rule"], rule, "{date}: {b}");
        let message = b["message"].as_str().unwrap_or_default();
        assert!(message.contains(date), "{message}");
    }
    for (todo, date) in [
        (&weekly, "2026-01-05"),
        (&weekly, "2026-01-29"),
        (&every, "2026-01-10"),
        (&every, "2026-01-13"),
        (&once, "2026-01-20"),
    ] {
        let (s, b) = done(todo, date).await;
        assert_eq!(s, 201, "{date}: {b}");
    }
}

/// For every day around a course, "due in today's list" and "may be marked done" agree.
#[tokio::test]
async fn today_and_done_follow_one_rule() {
    let w = world().await;
    let (_, c) = w
        .app
        .post(
            "/api/courses",
            &w.alice,
            json!({"title": "Short", "colour": "green",
                   "start_date": "2026-03-02", "end_date": "2026-03-15"}),
        )
        .await;
    let course = c["id"].as_str().expect("course id").to_owned();
    let todo = new_todo(
        &w,
        &course,
        json!({"title": "Often", "active_date": "2026-02-20",
               "recurrence": {"type": "every", "days": 2}}),
    )
    .await;
    let first = Date::from_calendar_date(2026, time::Month::February, 25).expect("date");
    let mut due_days = Vec::new();
    for offset in 0..25 {
        let day = (first + Duration::days(offset)).to_string();
        let (s, today) = w.app.get(&format!("/api/today?date={day}"), &w.alice).await;
        assert_eq!(s, 200, "{today}");
        let listed = today["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i["id"] == todo.as_str()));
        let (s, b) = w
            .app
            .post(
                &format!("/api/courses/{course}/todos/{todo}/done"),
                &w.alice,
                json!({ "date": day }),
            )
            .await;
        assert_eq!(listed, s == 201, "{day}: listed {listed}, done {s} {b}");
        if listed {
            due_days.push(day);
        }
    }
    // Every 2 days from 02-20, inside 03-02..=03-15.
    assert_eq!(
        due_days,
        [
            "2026-03-02",
            "2026-03-04",
            "2026-03-06",
            "2026-03-08",
            "2026-03-10",
            "2026-03-12",
            "2026-03-14"
        ]
    );
}
