//! Photos on done entries: uploaded with a multipart form, recognised by their bytes,
//! stripped of metadata (GPS above all), stored in the todo database, served only to
//! those who may see the course, and deleted with their entry, course or owner.

use serde_json::{Value, json};

use crate::support::images::{
    GPS_LATITUDE, SCAN_DATA, contains, gps_tiff, jpeg_with_gps, png, webp_with_metadata,
};
use crate::support::todo_world::{READ_ONLY, World, create_course, world};
use crate::support::{FakeIssuer, Form, TodoApp, TokenSource};

/// A daily todo in the course; returns the path of its `done` endpoint.
pub async fn daily_todo(app: &TodoApp, token: &str, course: &str) -> String {
    let (s, t) = app
        .post(
            &format!("/api/courses/{course}/todos"),
            token,
            json!({"title": "Walk", "active_date": "2026-01-01",
                   "recurrence": {"type": "every", "days": 1}}),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    format!(
        "/api/courses/{course}/todos/{}/done",
        t["id"].as_str().expect("id")
    )
}

/// GETs a photo: status, headers and bytes.
async fn fetch(
    app: &TodoApp,
    url: &str,
    token: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = app
        .http
        .get(format!("{}{url}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn photo_form(date: &str, name: &str, kind: &str, bytes: &[u8]) -> Form {
    Form::new()
        .text("date", date)
        .text("content", "a sunny walk")
        .file("photo", name, kind, bytes)
}

#[tokio::test]
async fn a_jpeg_loses_its_gps_and_is_served_to_those_who_may_see_the_course() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Walks", true).await;
    let done = daily_todo(&w.app, &w.alice, &course).await;
    let upload = jpeg_with_gps();
    assert!(contains(&upload, &gps_tiff()), "the upload carries GPS");
    let (s, entry) = w
        .app
        .post_form(
            &done,
            &w.alice,
            photo_form("2026-03-01", "IMG_0001.JPG", "image/jpeg", &upload),
        )
        .await;
    assert_eq!(s, 201, "{entry}");
    assert_eq!(entry["content"], "a sunny walk");
    assert_eq!(entry["date"], "2026-03-01");
    let url = entry["photo_url"].as_str().expect("a photo url").to_owned();
    assert!(url.starts_with("/api/photos/"), "{url}");

    let (s, headers, bytes) = fetch(&w.app, &url, &w.alice).await;
    assert_eq!(s, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "private");
    // No GPS (nor any EXIF), no XMP, no comment; the picture itself is intact.
    use img_parts::ImageEXIF;
    let stored = img_parts::jpeg::Jpeg::from_bytes(bytes.clone().into()).expect("still a JPEG");
    assert!(stored.exif().is_none(), "EXIF left in");
    for gone in [
        &gps_tiff()[..],
        &GPS_LATITUDE,
        b"Exif",
        b"Alice Kim",
        b"taken at home",
    ] {
        assert!(
            !contains(&bytes, gone),
            "{:?} left in",
            String::from_utf8_lossy(gone)
        );
    }
    assert!(contains(&bytes, SCAN_DATA));
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9]));

    // Public course: any token with courses:read, a client's too.
    let client = w.issuer.token(None, READ_ONLY).await;
    for token in [&w.bob, &client] {
        assert_eq!(fetch(&w.app, &url, token).await.0, 200);
    }
    let no_read = w.issuer.token(Some("bob"), &["courses:write"]).await;
    assert_eq!(fetch(&w.app, &url, &no_read).await.0, 403);
    assert_eq!(fetch(&w.app, &url, "not-a-token").await.0, 401);

    // Private course: its owner only; others hear it does not exist.
    let (s, _) = w
        .app
        .patch(
            &format!("/api/courses/{course}"),
            &w.alice,
            json!({"public": false}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(fetch(&w.app, &url, &w.alice).await.0, 200);
    for token in [&w.bob, &client] {
        let (s, _, body) = fetch(&w.app, &url, token).await;
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!((s, body["error"].clone()), (404, json!("not_found")));
    }
    // An id that names nothing is the same 404.
    let missing = "/api/photos/00000000-0000-4000-8000-000000000000";
    assert_eq!(fetch(&w.app, missing, &w.alice).await.0, 404);
    assert_eq!(fetch(&w.app, "/api/photos/nope", &w.alice).await.0, 404);
}

#[tokio::test]
async fn png_and_webp_lose_their_metadata_too() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Pictures", false).await;
    let done = daily_todo(&w.app, &w.alice, &course).await;
    let cases: [(&str, Vec<u8>, &str); 2] = [
        ("2026-03-01", png(0), "image/png"),
        ("2026-03-02", webp_with_metadata(), "image/webp"),
    ];
    for (date, upload, kind) in cases {
        // Declared as something else: the bytes decide.
        let form = photo_form(date, "picture.bin", "application/octet-stream", &upload);
        let (s, entry) = w.app.post_form(&done, &w.alice, form).await;
        assert_eq!(s, 201, "{entry}");
        let url = entry["photo_url"].as_str().expect("photo url");
        let (s, headers, bytes) = fetch(&w.app, url, &w.alice).await;
        assert_eq!(
            (s, headers["content-type"].to_str().ok()),
            (200, Some(kind))
        );
        for gone in [&b"Alice Kim"[..], &GPS_LATITUDE, b"tEXt", b"EXIF", b"XMP "] {
            assert!(
                !contains(&bytes, gone),
                "{kind}: {:?} left in",
                String::from_utf8_lossy(gone)
            );
        }
    }
}

/// Every refusal of a photo, in the API's error shape, after the authorization checks.
#[tokio::test]
async fn bad_photos_and_bad_forms_are_refused_in_our_words() {
    let issuer = FakeIssuer::start().await;
    // A small limit from config, so "too large" needs no megabytes.
    let app = TodoApp::spawn_with_photo_limit(&issuer.url, 1024).await;
    let alice = issuer
        .token(Some("alice"), crate::support::todo_world::READ_WRITE)
        .await;
    let (_, c) = app
        .post(
            "/api/courses",
            &alice,
            json!({"title": "T", "colour": "blue", "start_date": "2026-01-01"}),
        )
        .await;
    let course = c["id"].as_str().expect("id").to_owned();
    let done = daily_todo(&app, &alice, &course).await;

    let text_as_jpeg = b"Dear diary, today I walked.\n".to_vec();
    let mut fake_jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF];
    fake_jpeg.extend(b"not really");
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00".to_vec();
    let cases: Vec<(&str, Form, u16, &str, Option<&str>)> = vec![
        (
            "too large",
            photo_form("2026-03-01", "big.png", "image/png", &png(2048)),
            413,
            "payload_too_large",
            Some("photo"),
        ),
        (
            "text named .jpg",
            photo_form("2026-03-01", "photo.jpg", "image/jpeg", &text_as_jpeg),
            415,
            "unsupported_media_type",
            Some("photo"),
        ),
        (
            "JPEG signature, then junk",
            photo_form("2026-03-01", "a.jpg", "image/jpeg", &fake_jpeg),
            415,
            "unsupported_media_type",
            Some("photo"),
        ),
        (
            "GIF",
            photo_form("2026-03-01", "a.gif", "image/gif", &gif),
            415,
            "unsupported_media_type",
            Some("photo"),
        ),
        (
            "bad date",
            photo_form("2026-02-30", "a.png", "image/png", &png(0)),
            422,
            "invalid_field",
            Some("date"),
        ),
        (
            "no date",
            Form::new().file("photo", "a.png", "image/png", &png(0)),
            422,
            "invalid_field",
            Some("date"),
        ),
        (
            "unknown field",
            Form::new().text("date", "2026-03-01").text("mood", "happy"),
            422,
            "invalid_field",
            Some("mood"),
        ),
        (
            "date twice",
            Form::new()
                .text("date", "2026-03-01")
                .text("date", "2026-03-02"),
            422,
            "invalid_field",
            Some("date"),
        ),
        (
            "long note",
            Form::new()
                .text("date", "2026-03-01")
                .text("content", &"x".repeat(4001)),
            422,
            "invalid_field",
            Some("content"),
        ),
        (
            "before the todo starts",
            photo_form("2025-12-31", "a.png", "image/png", &png(0)),
            422,
            "not_due",
            Some("date"),
        ),
    ];
    for (what, form, status, code, field) in cases {
        let (s, body) = app.post_form(&done, &alice, form).await;
        assert_eq!(s, status, "{what}: {body}");
        assert_eq!(body["error"], code, "{what}: {body}");
        assert_eq!(body["field"].as_str(), field, "{what}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            !message.contains("multer") && !message.contains("Error"),
            "{what}: {message}"
        );
    }
    // A body far past the limit is cut off with the same code.
    let huge = photo_form(
        "2026-03-01",
        "huge.png",
        "image/png",
        &vec![0u8; 300 * 1024],
    );
    let (s, body) = app.post_form(&done, &alice, huge).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    // A multipart header without a boundary, and a body of another type.
    let resp = app
        .http
        .post(format!("{}{done}", app.base))
        .bearer_auth(&alice)
        .header("content-type", "multipart/form-data")
        .body("date=2026-03-01")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 400);
    let resp = app
        .http
        .post(format!("{}{done}", app.base))
        .bearer_auth(&alice)
        .header("content-type", "text/plain")
        .body("2026-03-01")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 415);
    // JSON on this route is still held to the JSON limit.
    let (s, body) = app
        .post(
            &done,
            &alice,
            json!({"date": "2026-03-01", "content": "x".repeat(100_000)}),
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    // Nothing of the above was stored.
    assert_eq!(app.count_rows("photos").await, 0);
    assert_eq!(app.count_rows("done_log").await, 0);

    // A form sent without choosing a file: an entry without a photo.
    let form = Form::new()
        .text("date", "2026-03-01")
        .text("content", "no picture today")
        .file("photo", "", "application/octet-stream", b"");
    let (s, entry) = app.post_form(&done, &alice, form).await;
    assert_eq!(s, 201, "{entry}");
    assert_eq!(entry["photo_url"], Value::Null);
    assert_eq!(entry["content"], "no picture today");
}

#[tokio::test]
async fn the_default_limit_is_five_mebibytes() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Big", false).await;
    let done = daily_todo(&w.app, &w.alice, &course).await;
    let overhead = png(0).len();
    let just_over = png(5 * 1024 * 1024 - overhead + 1 + 12);
    let (s, body) = w
        .app
        .post_form(
            &done,
            &w.alice,
            photo_form("2026-03-01", "a.png", "image/png", &just_over),
        )
        .await;
    assert_eq!(s, 413, "{body}");
    assert_eq!(body["message"], "photo: must be at most 5 MiB");
    let fits = png(4 * 1024 * 1024);
    let (s, body) = w
        .app
        .post_form(
            &done,
            &w.alice,
            photo_form("2026-03-01", "a.png", "image/png", &fits),
        )
        .await;
    assert_eq!(s, 201, "{body}");
}

/// Who may not post to a course hears so before anything about the photo.
#[tokio::test]
async fn authorization_comes_before_the_photo_checks() {
    let w = world().await;
    let public = create_course(&w, &w.alice, "Public", true).await;
    let private = create_course(&w, &w.alice, "Private", false).await;
    let public_done = daily_todo(&w.app, &w.alice, &public).await;
    let private_done = daily_todo(&w.app, &w.alice, &private).await;
    let read_only = w.issuer.token(Some("alice"), READ_ONLY).await;
    let client = w
        .issuer
        .token(None, crate::support::todo_world::READ_WRITE)
        .await;
    let bad = || {
        photo_form(
            "not a date",
            "diary.jpg",
            "image/jpeg",
            b"text, not a photo",
        )
    };
    let cases = [
        (&public_done, &w.bob, 403, "not_owner"),
        (&private_done, &w.bob, 404, "not_found"),
        (&public_done, &read_only, 403, "insufficient_scope"),
        (&public_done, &client, 403, "user_required"),
    ];
    for (path, token, status, code) in cases {
        let (s, body) = w.app.post_form(path, token, bad()).await;
        assert_eq!(
            (s, body["error"].as_str()),
            (status, Some(code)),
            "{path}: {body}"
        );
    }
}

async fn upload(w: &World, done: &str, date: &str) -> String {
    let (s, entry) = w
        .app
        .post_form(
            done,
            &w.alice,
            photo_form(date, "a.png", "image/png", &png(0)),
        )
        .await;
    assert_eq!(s, 201, "{entry}");
    entry["photo_url"].as_str().expect("photo url").to_owned()
}

#[tokio::test]
async fn undo_and_deletions_take_the_photos_with_them() {
    let w = world().await;
    let course = create_course(&w, &w.alice, "Kept", true).await;
    let done = daily_todo(&w.app, &w.alice, &course).await;
    let first = upload(&w, &done, "2026-03-01").await;
    let _second = upload(&w, &done, "2026-03-02").await;
    assert_eq!(w.app.count_rows("photos").await, 2);

    // Undo one day: its entry and photo go, the other day's stay.
    let (s, _) = w.app.delete(&format!("{done}/2026-03-01"), &w.alice).await;
    assert_eq!(s, 204);
    assert_eq!(fetch(&w.app, &first, &w.alice).await.0, 404);
    assert_eq!(w.app.count_rows("photos").await, 1);
    assert_eq!(w.app.count_rows("done_log").await, 1);

    // Deleting the course takes the rest.
    let (s, _) = w
        .app
        .delete(&format!("/api/courses/{course}"), &w.alice)
        .await;
    assert_eq!(s, 204);
    assert_eq!(w.app.count_rows("photos").await, 0);

    // And deleting the account takes the photos of every course.
    let other = create_course(&w, &w.alice, "Other", false).await;
    let done = daily_todo(&w.app, &w.alice, &other).await;
    upload(&w, &done, "2026-03-05").await;
    let bobs = create_course(&w, &w.bob, "Bob's", false).await;
    let (s, t) = w
        .app
        .post(
            &format!("/api/courses/{bobs}/todos"),
            &w.bob,
            json!({"title": "t", "active_date": "2026-01-01", "recurrence": {"type": "every", "days": 1}}),
        )
        .await;
    assert_eq!(s, 201);
    let bob_done = format!(
        "/api/courses/{bobs}/todos/{}/done",
        t["id"].as_str().expect("id")
    );
    let (s, _) = w
        .app
        .post_form(
            &bob_done,
            &w.bob,
            photo_form("2026-03-05", "b.png", "image/png", &png(0)),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(w.app.count_rows("photos").await, 2);
    let (s, _) = w
        .app
        .call(
            reqwest::Method::PUT,
            "/api/me/profile",
            Some(&w.alice),
            Some(json!({"display_name": "Alice"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(w.app.count_rows("profiles").await, 1);
    let (s, _) = w.app.delete("/api/me", &w.alice).await;
    assert_eq!(s, 204);
    assert_eq!(w.app.count_rows("photos").await, 1, "bob's photo stays");
    assert_eq!(
        w.app.count_rows("profiles").await,
        0,
        "the display name goes too"
    );
}
