//! The real `belf serve todo` process is killed while people create courses (each with three
//! tags) and todos as fast as they can; after a restart on the same database every course
//! and todo the service acknowledged is there, as it was acknowledged, and no course is
//! half-written (a course stored without all of its tags).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::fresh_database_url;
use crate::support::real_issuer::RealIssuer;

use super::{ServerProcess, assert_sqlite_intact, belf, free_port};

const WRITERS: usize = 4;
const TAGS: [&str; 3] = ["crash", "kill", "nine"];

/// `belf serve todo` on `port`, trusting `issuer`, on `db_url`.
async fn start_todo(dir: &std::path::Path, db_url: &str, port: u16, issuer: &str) -> ServerProcess {
    let mut cmd = belf(dir, "sqlite::memory:", free_port(), &["serve", "todo"]);
    cmd.env("BELF_TODO__BIND", format!("127.0.0.1:{port}"))
        .env("BELF_TODO__DATABASE_URL", db_url)
        .env("BELF_TODO__ISSUER", issuer);
    ServerProcess::spawn_ready(cmd, port).await
}

/// What the service acknowledged: (course id, title) and (course id, todo id).
#[derive(Default)]
struct Acked {
    courses: Vec<(String, String)>,
    todos: Vec<(String, String)>,
}

#[tokio::test]
async fn acknowledged_courses_and_todos_survive_kill_9() {
    let issuer = RealIssuer::spawn().await;
    let token = issuer
        .user_token("crashcourse", "courses:read courses:write")
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = fresh_database_url(dir.path(), "crash_todo").await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = start_todo(dir.path(), &db_url, port, &issuer.auth.base).await;

    let acked = Arc::new(Mutex::new(Acked::default()));
    let http = reqwest::Client::new();
    let mut load = Vec::new();
    for writer in 0..WRITERS {
        let (acked, http, base, token) = (acked.clone(), http.clone(), base.clone(), token.clone());
        load.push(tokio::spawn(async move {
            for n in 0.. {
                let title = format!("w{writer} n{n}");
                let body = json!({"title": title, "colour": "blue", "start_date": "2026-01-05",
                    "tags": TAGS, "public": n % 2 == 0});
                let Some(course) = post(&http, &format!("{base}/api/courses"), &token, body).await
                else {
                    return;
                };
                let id = course["id"].as_str().expect("course id").to_owned();
                acked
                    .lock()
                    .expect("lock")
                    .courses
                    .push((id.clone(), title));
                let todo = json!({"title": "stretch", "active_date": "2026-01-05",
                    "recurrence": {"type": "weekly", "days": ["mon", "wed"]}});
                let url = format!("{base}/api/courses/{id}/todos");
                let Some(todo) = post(&http, &url, &token, todo).await else {
                    return;
                };
                let todo_id = todo["id"].as_str().expect("todo id").to_owned();
                acked.lock().expect("lock").todos.push((id, todo_id));
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    server.kill_9().await;
    for task in load {
        task.await.expect("load task ends without panicking");
    }
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    assert!(
        acked.courses.len() >= WRITERS,
        "load ran before the kill: {} courses",
        acked.courses.len()
    );
    eprintln!(
        "acknowledged before kill -9: {} courses, {} todos",
        acked.courses.len(),
        acked.todos.len()
    );
    assert_sqlite_intact(&db_url).await;

    let server = start_todo(dir.path(), &db_url, port, &issuer.auth.base).await;
    let get = |path: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            let res = http.get(path).bearer_auth(token).send().await.expect("GET");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for (id, title) in &acked.courses {
        let (status, course) = get(format!("{base}/api/courses/{id}")).await;
        assert_eq!(status, 200, "acknowledged course {title} lost: {course}");
        assert_eq!(course["title"], title.as_str());
        assert_eq!(course["tags"].as_array().map(Vec::len), Some(TAGS.len()));
    }
    for (course, todo) in &acked.todos {
        let (status, body) = get(format!("{base}/api/courses/{course}/todos/{todo}")).await;
        assert_eq!(status, 200, "acknowledged todo lost: {body}");
    }
    // Everything stored (acknowledged or caught in flight) is whole: all three tags.
    let mut offset = 0;
    let mut stored = 0;
    loop {
        let (status, page) = get(format!("{base}/api/courses?limit=100&offset={offset}")).await;
        assert_eq!(status, 200, "{page}");
        for course in page["items"].as_array().expect("items") {
            stored += 1;
            assert_eq!(
                course["tags"].as_array().map(Vec::len),
                Some(TAGS.len()),
                "a half-written course after kill -9: {course}"
            );
        }
        match page["next_offset"].as_u64() {
            Some(next) => offset = next,
            None => break,
        }
    }
    assert!(
        stored >= acked.courses.len(),
        "{stored} stored < acknowledged"
    );
    server.kill_9().await;
}

/// POSTs JSON; `Some(body)` only for a 201 the service acknowledged, `None` once the
/// service is gone (connection refused or reset mid-request).
async fn post(http: &reqwest::Client, url: &str, token: &str, body: Value) -> Option<Value> {
    let res = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .ok()?;
    let status = res.status();
    let body = res.json::<Value>().await.ok()?;
    assert_eq!(status.as_u16(), 201, "refused before the crash: {body}");
    Some(body)
}
