//! The sharing side of the todo API: forks, likes, search, and deleting one's data.

use serde_json::{Value, json};

use crate::support::todo_world::{create_course, world};

#[tokio::test]
async fn fork_chain_and_counts() {
    let w = world().await;
    let original = create_course(&w, &w.alice, "Original", true).await;
    let (s, _) = w
        .app
        .post(
            &format!("/api/courses/{original}/todos"),
            &w.alice,
            json!({"title": "Step 1", "active_date": "2026-01-01"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, bob_fork) = w
        .app
        .post(&format!("/api/courses/{original}/fork"), &w.bob, json!({}))
        .await;
    assert_eq!(s, 201, "{bob_fork}");
    assert_eq!(bob_fork["owner"], "bob");
    assert_eq!(bob_fork["forked_from"], original.as_str());
    let bob_id = bob_fork["id"].as_str().expect("id").to_owned();
    let (_, todos) = w
        .app
        .get(&format!("/api/courses/{bob_id}/todos"), &w.bob)
        .await;
    assert_eq!(todos["items"][0]["title"], "Step 1");

    // A fork of the fork keeps the chain.
    let (s, carol_fork) = w
        .app
        .post(&format!("/api/courses/{bob_id}/fork"), &w.carol, json!({}))
        .await;
    assert_eq!(s, 201);
    assert_eq!(carol_fork["forked_from"], bob_id.as_str());
    let (s, _) = w
        .app
        .post(
            &format!("/api/courses/{original}/fork"),
            &w.carol,
            json!({}),
        )
        .await;
    assert_eq!(s, 201);

    let (_, o) = w
        .app
        .get(&format!("/api/courses/{original}"), &w.alice)
        .await;
    assert_eq!(o["fork_count"], 2);
    let (_, b) = w.app.get(&format!("/api/courses/{bob_id}"), &w.alice).await;
    assert_eq!(b["fork_count"], 1);

    // Forks are independent: changing the fork leaves the original alone.
    let (s, _) = w
        .app
        .patch(
            &format!("/api/courses/{bob_id}"),
            &w.bob,
            json!({"title": "Bob's"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, o) = w
        .app
        .get(&format!("/api/courses/{original}"), &w.alice)
        .await;
    assert_eq!(o["title"], "Original");
}

#[tokio::test]
async fn likes_are_idempotent() {
    let w = world().await;
    let id = create_course(&w, &w.alice, "Likeable", true).await;
    let like = format!("/api/courses/{id}/like");
    let (s, b) = w.app.put(&like, &w.bob).await;
    assert_eq!((s, b["like_count"].clone()), (200, json!(1)));
    let (_, b) = w.app.put(&like, &w.bob).await;
    assert_eq!(b["like_count"], 1);
    let (_, b) = w.app.put(&like, &w.carol).await;
    assert_eq!(b["like_count"], 2);
    let (_, b) = w.app.delete(&like, &w.bob).await;
    assert_eq!(b["like_count"], 1);
    let (s, b) = w.app.delete(&like, &w.bob).await;
    assert_eq!((s, b["like_count"].clone()), (200, json!(1)));
}

#[tokio::test]
async fn search_sort_and_pagination() {
    let w = world().await;
    let a = create_course(&w, &w.alice, "Rust basics", true).await;
    let b = create_course(&w, &w.alice, "Rust advanced", true).await;
    let c = create_course(&w, &w.bob, "Cooking 100%", true).await;
    let _hidden = create_course(&w, &w.bob, "Rust secret", false).await;
    let (s, _) = w
        .app
        .patch(
            &format!("/api/courses/{c}"),
            &w.bob,
            json!({"tags": ["food"]}),
        )
        .await;
    assert_eq!(s, 200);
    for t in [&w.alice, &w.bob, &w.carol] {
        w.app.put(&format!("/api/courses/{b}/like"), t).await;
    }
    w.app.put(&format!("/api/courses/{a}/like"), &w.carol).await;
    w.app
        .post(&format!("/api/courses/{a}/fork"), &w.carol, json!({}))
        .await;
    w.app
        .post(&format!("/api/courses/{a}/fork"), &w.bob, json!({}))
        .await;

    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (_, r) = w
        .app
        .get("/api/courses/search?q=RUST&sort=likes", &w.carol)
        .await;
    // The two forks of "Rust basics" are public and match too; likes decide the top.
    assert_eq!(r["total"], 4);
    assert_eq!(ids(&r)[..2], [b.as_str(), a.as_str()]);
    let (_, r) = w
        .app
        .get("/api/courses/search?q=rust&sort=forks&limit=1", &w.carol)
        .await;
    assert_eq!(ids(&r), [a.as_str()]);
    assert_eq!(r["next_offset"], 1);
    let (_, r2) = w
        .app
        .get(
            "/api/courses/search?q=rust&sort=forks&limit=1&offset=1",
            &w.carol,
        )
        .await;
    assert_eq!(ids(&r2).len(), 1);
    assert_ne!(ids(&r2), ids(&r));
    let (_, r) = w.app.get("/api/courses/search?tag=food", &w.carol).await;
    assert_eq!(ids(&r), [c.as_str()]);
    // `%` is a literal character, not a wildcard.
    let (_, r) = w.app.get("/api/courses/search?q=100%25", &w.carol).await;
    assert_eq!(ids(&r), [c.as_str()]);
    let (_, r) = w.app.get("/api/courses/search?q=%25", &w.carol).await;
    assert_eq!(ids(&r), [c.as_str()]);
    // Recent first.
    let (_, r) = w
        .app
        .get("/api/courses/search?sort=recent&limit=100", &w.carol)
        .await;
    let items = r["items"].as_array().cloned().unwrap_or_default();
    let times: Vec<&str> = items
        .iter()
        .filter_map(|i| i["created_at"].as_str())
        .collect();
    assert!(times.windows(2).all(|p| p[0] >= p[1]), "{times:?}");
    // My courses, paginated.
    let (_, mine) = w.app.get("/api/courses?limit=1", &w.alice).await;
    assert_eq!(ids(&mine).len(), 1);
    assert_eq!(mine["next_offset"], 1);
}

#[tokio::test]
async fn delete_me_removes_everything_of_mine() {
    let w = world().await;
    let mine = create_course(&w, &w.alice, "Mine", true).await;
    let theirs = create_course(&w, &w.bob, "Theirs", true).await;
    w.app
        .put(&format!("/api/courses/{theirs}/like"), &w.alice)
        .await;
    w.app
        .put(&format!("/api/courses/{mine}/like"), &w.bob)
        .await;
    let (_, fork) = w
        .app
        .post(&format!("/api/courses/{mine}/fork"), &w.bob, json!({}))
        .await;

    let (s, _) = w.app.delete("/api/me", &w.alice).await;
    assert_eq!(s, 204);
    let (s, _) = w.app.get(&format!("/api/courses/{mine}"), &w.bob).await;
    assert_eq!(s, 404);
    let (_, t) = w.app.get(&format!("/api/courses/{theirs}"), &w.bob).await;
    assert_eq!(t["like_count"], 0);
    let (_, list) = w.app.get("/api/courses", &w.alice).await;
    assert_eq!(list["items"], json!([]));
    // Bob's fork is Bob's and survives, still naming where it came from.
    let fork_id = fork["id"].as_str().expect("id");
    let (s, f) = w.app.get(&format!("/api/courses/{fork_id}"), &w.bob).await;
    assert_eq!(s, 200);
    assert_eq!(f["forked_from"], mine.as_str());
}
