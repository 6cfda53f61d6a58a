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
async fn a_course_says_whether_the_caller_likes_it() {
    let w = world().await;
    let id = create_course(&w, &w.alice, "Liked by some", true).await;
    w.app
        .put(&format!("/api/courses/{id}/like"), &w.carol)
        .await;
    let one = format!("/api/courses/{id}");
    let found = "/api/courses/search?q=liked+by+some";
    for (who, expected) in [(&w.carol, true), (&w.bob, false), (&w.alice, false)] {
        let (s, c) = w.app.get(&one, who).await;
        assert_eq!((s, c["liked"].clone()), (200, json!(expected)), "{c}");
        let (s, page) = w.app.get(found, who).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["items"][0]["id"], json!(id), "{page}");
        assert_eq!(page["items"][0]["liked"], json!(expected), "{page}");
    }
    // Unliking is seen at once; a list of my own courses does not carry the field.
    w.app
        .delete(&format!("/api/courses/{id}/like"), &w.carol)
        .await;
    assert_eq!(w.app.get(&one, &w.carol).await.1["liked"], json!(false));
    let (_, mine) = w.app.get("/api/courses", &w.alice).await;
    assert!(mine["items"][0].get("liked").is_none(), "{mine}");
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

/// One fork per person (issue 11, finding 3): forking again, or many times at once,
/// returns the first fork (200, same id, `Location`) instead of another copy, and
/// `fork_count` counts people.
#[tokio::test]
async fn forking_again_returns_the_existing_fork() {
    let w = world().await;
    let original = create_course(&w, &w.alice, "Popular", true).await;
    let fork = |token: String| {
        let url = format!("{}/api/courses/{original}/fork", w.app.base);
        let http = w.app.http.clone();
        async move {
            let resp = http
                .post(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("sent");
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            let body: Value = resp.json().await.expect("json");
            (status, location, body)
        }
    };
    let (s, location, first) = fork(w.bob.clone()).await;
    assert_eq!(s, 201, "{first}");
    let bob_fork = first["id"].as_str().expect("id").to_owned();
    assert_eq!(location, Some(format!("/api/courses/{bob_fork}")));
    // Bob changes his fork; forking again hands it back as it is now.
    let (s, _) = w
        .app
        .patch(
            &format!("/api/courses/{bob_fork}"),
            &w.bob,
            json!({"title": "Bob's copy"}),
        )
        .await;
    assert_eq!(s, 200);
    for _ in 0..3 {
        let (s, location, again) = fork(w.bob.clone()).await;
        assert_eq!(s, 200, "{again}");
        assert_eq!(again["id"], bob_fork.as_str());
        assert_eq!(again["title"], "Bob's copy");
        assert_eq!(location, Some(format!("/api/courses/{bob_fork}")));
    }
    // A burst of simultaneous clicks makes one copy.
    let burst = futures::future::join_all((0..8).map(|_| fork(w.carol.clone()))).await;
    let created = burst.iter().filter(|(s, _, _)| *s == 201).count();
    assert_eq!(created, 1, "{burst:?}");
    let ids: std::collections::HashSet<&str> = burst
        .iter()
        .map(|(s, _, b)| {
            assert!(*s == 200 || *s == 201, "{s} {b}");
            b["id"].as_str().expect("id")
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");

    let (_, o) = w
        .app
        .get(&format!("/api/courses/{original}"), &w.alice)
        .await;
    assert_eq!(o["fork_count"], 2, "{o}");
    let (_, mine) = w.app.get("/api/courses", &w.carol).await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "{mine}");

    // Once Bob deletes his fork, he can make a new one.
    let (s, _) = w
        .app
        .delete(&format!("/api/courses/{bob_fork}"), &w.bob)
        .await;
    assert_eq!(s, 204);
    let (s, _, fresh) = fork(w.bob.clone()).await;
    assert_eq!(s, 201, "{fresh}");
    assert_eq!(fresh["title"], "Popular");
}

/// `like_count` and `fork_count` are kept on the course (so Explore sorts by an index):
/// they follow a deleted fork, a deleted forker and concurrent likes exactly.
#[tokio::test]
async fn stored_counts_follow_deletes_and_concurrent_likes() {
    let w = world().await;
    let original = create_course(&w, &w.alice, "Counted", true).await;
    let fork_by = |who: &'static str| {
        let w = &w;
        let original = original.clone();
        async move {
            let user = if who == "bob" { &w.bob } else { &w.carol };
            let (s, f) = w
                .app
                .post(&format!("/api/courses/{original}/fork"), user, json!({}))
                .await;
            assert_eq!(s, 201, "{f}");
            f["id"].as_str().expect("id").to_owned()
        }
    };
    let bob_fork = fork_by("bob").await;
    let _carol_fork = fork_by("carol").await;
    let counts = || async {
        let (_, o) = w
            .app
            .get(&format!("/api/courses/{original}"), &w.alice)
            .await;
        (o["fork_count"].clone(), o["like_count"].clone())
    };
    assert_eq!(counts().await.0, json!(2));

    // Bob deletes his fork: one person fewer.
    let (s, _) = w
        .app
        .delete(&format!("/api/courses/{bob_fork}"), &w.bob)
        .await;
    assert_eq!(s, 204);
    assert_eq!(counts().await.0, json!(1));

    // Carol likes it, then erases her account: her fork and her like go from the counts.
    w.app
        .put(&format!("/api/courses/{original}/like"), &w.carol)
        .await;
    assert_eq!(counts().await, (json!(1), json!(1)));
    let (s, _) = w.app.delete("/api/me", &w.carol).await;
    assert_eq!(s, 204);
    assert_eq!(counts().await, (json!(0), json!(0)));

    // Likes and unlikes racing from two people, repeated: the count is what the rows say.
    let racing = (0..20).map(|i| {
        let user = if i % 2 == 0 { &w.alice } else { &w.bob };
        let path = format!("/api/courses/{original}/like");
        let app = &w.app;
        async move {
            if i % 4 < 2 {
                app.put(&path, user).await
            } else {
                app.delete(&path, user).await
            }
        }
    });
    futures::future::join_all(racing).await;
    let (_, final_like) = w
        .app
        .put(&format!("/api/courses/{original}/like"), &w.alice)
        .await;
    let (_, after_bob) = w
        .app
        .put(&format!("/api/courses/{original}/like"), &w.bob)
        .await;
    assert_eq!(final_like["liked"], true);
    assert_eq!(after_bob["like_count"], 2, "{after_bob}");
    let (_, unliked) = w
        .app
        .delete(&format!("/api/courses/{original}/like"), &w.bob)
        .await;
    assert_eq!(unliked["like_count"], 1, "{unliked}");
}

/// A page either ends the matches (its `total` is what came) or the store counts them;
/// either way `total` is the same, on every page and past the last one, and each course
/// carries its tags in order.
#[tokio::test]
async fn search_total_is_the_same_on_every_page() {
    let w = world().await;
    for title in ["Paging walk one", "Paging walk two", "Paging walk three"] {
        let id = create_course(&w, &w.alice, title, true).await;
        let (s, _) = w
            .app
            .patch(
                &format!("/api/courses/{id}"),
                &w.alice,
                json!({"tags": ["zeta", "alpha", "mid"]}),
            )
            .await;
        assert_eq!(s, 200);
    }
    let _private = create_course(&w, &w.alice, "Paging walk hidden", false).await;
    for (limit, offset, items) in [
        (1, 0, 1),
        (1, 2, 1),
        (2, 0, 2),
        (2, 2, 1),
        (3, 0, 3),
        (20, 0, 3),
        (20, 3, 0),
        (20, 50, 0),
    ] {
        let (s, r) = w
            .app
            .get(
                &format!("/api/courses/search?q=paging+walk&limit={limit}&offset={offset}"),
                &w.bob,
            )
            .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["total"], 3, "limit {limit} offset {offset}: {r}");
        let found = r["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(found.len(), items, "limit {limit} offset {offset}: {r}");
        for course in &found {
            assert_eq!(course["tags"], json!(["alpha", "mid", "zeta"]), "{course}");
        }
    }
}
