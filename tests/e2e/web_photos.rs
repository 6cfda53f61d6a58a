//! Check-offs with photos (forwarded as multipart, shown through the web app's own photo
//! route, refused past the size limit), undo, and what others see of a public course: its
//! owner's name and its history.

use reqwest::StatusCode;

use crate::support::web::TestWeb;
use crate::web_pages::{add_todo, create_course, todo_id};

#[tokio::test]
async fn a_photo_past_the_limit_is_refused_before_it_reaches_the_todo_service() {
    let web = TestWeb::spawn().await;
    let b = web.signed_in("alice").await;
    let course = create_course(&b, "Daily", "", false).await;
    assert_eq!(
        add_todo(
            &b,
            &course,
            "Water plants",
            &[("repeat", "every"), ("every_days", "1")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let today = b.get("/today").await;
    let date = today.input("date").expect("day");
    let huge = belf::web::multipart::FilePart {
        field: "photo".into(),
        file_name: "huge.jpg".into(),
        content_type: "image/jpeg".into(),
        bytes: vec![0u8; 5 * 1024 * 1024 + 100 * 1024],
    };
    let refused = b
        .submit_multipart(
            &today,
            "/today/done",
            &[
                ("course", &course),
                ("todo", &todo_id(&today)),
                ("date", &date),
                ("content", ""),
            ],
            Some(huge),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("too large"), "{}", refused.body);
    assert!(
        !b.get("/today").await.body.contains("is-done"),
        "nothing was checked off"
    );
}

#[tokio::test]
async fn a_check_off_carries_a_photo_shown_through_the_web_app_and_can_be_undone() {
    let web = TestWeb::spawn().await;
    let b = web.signed_in("alice").await;
    let course = create_course(&b, "Garden", "", false).await;
    assert_eq!(
        add_todo(
            &b,
            &course,
            "Water plants",
            &[("repeat", "every"), ("every_days", "1")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let today = b.get("/today").await;
    let date = today.input("date").expect("day");
    let photo = belf::web::multipart::FilePart {
        field: "photo".into(),
        file_name: "plants.jpg".into(),
        content_type: "image/jpeg".into(),
        bytes: crate::support::images::jpeg_with_gps(),
    };
    let done = b
        .submit_multipart(
            &today,
            "/today/done",
            &[
                ("course", &course),
                ("todo", &todo_id(&today)),
                ("date", &date),
                ("content", "Wet"),
            ],
            Some(photo),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let today = b.get(done.location()).await;
    let body = today.body.replace("&#x2f;", "/");
    assert!(body.contains("✓ Done: Wet"), "{body}");
    let src = body
        .split("<img class=\"photo\" src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the entry's photo is shown")
        .to_owned();
    assert!(src.starts_with("/photos/"), "{src}");
    // Served by the web app with the session's token; the browser never holds one.
    let res = b
        .http
        .get(format!("{}{src}", web.base))
        .send()
        .await
        .expect("GET photo");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let bytes = res.bytes().await.expect("bytes");
    assert!(bytes.starts_with(&[0xff, 0xd8]), "a JPEG");
    // Someone who may not see the course may not see its photo.
    let bob = web.signed_in("bob").await;
    assert_eq!(bob.get(&src).await.status, StatusCode::NOT_FOUND);

    // Undo: the entry (and its photo) are gone, the todo can be checked off again.
    let undone = b
        .submit(
            &today,
            "/today/undo",
            &[
                ("course", &course),
                ("todo", &todo_id(&today)),
                ("date", &date),
            ],
        )
        .await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER, "{}", undone.body);
    let today = b.get(undone.location()).await;
    assert!(!today.body.contains("is-done"), "{}", today.body);
    assert!(
        today.body.contains("enctype=\"multipart/form-data\""),
        "the check-off form is back"
    );
    assert_eq!(b.get(&src).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_public_course_shows_its_owner_s_name_and_history_to_others() {
    let web = TestWeb::spawn().await;
    let alice = web.signed_in("alice").await;
    let course = create_course(&alice, "Stretch daily", "health", true).await;
    assert_eq!(
        add_todo(
            &alice,
            &course,
            "Stretch",
            &[("repeat", "every"), ("every_days", "1")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let today = alice.get("/today").await;
    let date = today.input("date").expect("day");
    let done = alice
        .submit(
            &today,
            "/today/done",
            &[
                ("course", &course),
                ("todo", &todo_id(&today)),
                ("date", &date),
                ("content", ""),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let bob = web.signed_in("bob").await;
    let page = bob.get(&format!("/courses/{course}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // The name alice has at the identity server, published at her sign-in.
    assert!(page.body.contains("By: alice tester"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("class=\"l4\"><title>{date}: 1</title>")),
        "{}",
        page.body
    );
    let explore = bob.get("/explore?tag=health").await;
    assert!(explore.body.contains("alice tester"), "{}", explore.body);
}
