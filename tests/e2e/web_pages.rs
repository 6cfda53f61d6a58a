//! Every page and every form of the web app, through the real todo service: my courses
//! (create, edit, delete, with the API's refusals shown next to the form), todos with the
//! recurrence editor, Today (check off with a note), the course page with its heatmap,
//! likes and forks, Explore, and the profile.

use reqwest::StatusCode;

use crate::support::web::{TestWeb, WebBrowser};

/// Creates a course through the form; returns its id.
pub(crate) async fn create_course(b: &WebBrowser, title: &str, tags: &str, public: bool) -> String {
    let form = b.get("/courses/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let mut fields = vec![
        ("title", title),
        ("explanation", "Step by step"),
        ("colour", "green"),
        ("tags", tags),
        ("start_date", "2026-01-01"),
        ("end_date", ""),
    ];
    if public {
        fields.push(("public", "on"));
    }
    let created = b.submit(&form, "/courses", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    created
        .location()
        .trim_start_matches("/courses/")
        .to_owned()
}

pub(crate) async fn add_todo(
    b: &WebBrowser,
    course: &str,
    title: &str,
    fields: &[(&str, &str)],
) -> StatusCode {
    let page = b.get(&format!("/courses/{course}")).await;
    let mut all = vec![
        ("title", title),
        ("explanation", ""),
        ("active_date", "2026-01-01"),
    ];
    all.extend_from_slice(fields);
    b.submit(&page, &format!("/courses/{course}/todos"), &all)
        .await
        .status
}

#[tokio::test]
async fn a_course_is_created_edited_given_todos_and_deleted() {
    let web = TestWeb::spawn().await;
    let b = web.signed_in("alice").await;
    // A refusal is shown beside the form, which keeps what was typed.
    let form = b.get("/courses/new").await;
    let refused = b
        .submit(
            &form,
            "/courses",
            &[
                ("title", ""),
                ("explanation", "kept text"),
                ("colour", "green"),
                ("tags", "run"),
                ("start_date", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("class=\"error\""), "{}", refused.body);
    assert!(
        refused.body.contains("title"),
        "the message names the field"
    );
    assert!(
        refused.body.contains("kept text"),
        "fields keep their values"
    );
    assert!(refused.body.contains("aria-invalid=\"true\""));

    let course = create_course(&b, "Morning run", "run health", false).await;
    let page = b.get(&format!("/courses/{course}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Morning run") && page.body.contains("#health"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Private"));

    // Edit: made public, renamed.
    let edit = b.get(&format!("/courses/{course}/edit")).await;
    assert!(edit.body.contains("value=\"Morning run\""));
    let saved = b
        .submit(
            &edit,
            &format!("/courses/{course}"),
            &[
                ("title", "Morning runs"),
                ("explanation", ""),
                ("colour", "blue"),
                ("tags", "run"),
                ("start_date", "2026-01-01"),
                ("end_date", ""),
                ("public", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = b.get(&format!("/courses/{course}")).await;
    assert!(page.body.contains("Morning runs") && page.body.contains("Public"));

    // Todos: weekly on chosen days, every N days, once; a bad one is refused in place.
    assert_eq!(
        add_todo(
            &b,
            &course,
            "Run 5k",
            &[("repeat", "weekly"), ("days", "mon"), ("days", "thu")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        add_todo(
            &b,
            &course,
            "Stretch",
            &[("repeat", "every"), ("every_days", "2")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        add_todo(&b, &course, "Buy shoes", &[("repeat", "once")]).await,
        StatusCode::SEE_OTHER
    );
    let page = b.get(&format!("/courses/{course}")).await;
    let refused = b
        .submit(
            &page,
            &format!("/courses/{course}/todos"),
            &[
                ("title", "Nope"),
                ("active_date", "2026-01-01"),
                ("repeat", "weekly"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "weekly without days"
    );
    assert!(
        refused.body.contains("value=\"Nope\""),
        "the todo form keeps its values"
    );
    let page = b.get(&format!("/courses/{course}")).await;
    for title in ["Run 5k", "Stretch", "Buy shoes"] {
        assert!(page.body.contains(title), "{title}");
    }
    assert!(page.body.contains("Weekly on Mon Thu"), "{}", page.body);

    // Edit a todo: the editor shows its recurrence, and saving changes it.
    let edit_link = page
        .body
        .split("/todos/")
        .nth(1)
        .and_then(|s| s.split("/edit").next())
        .expect("edit link")
        .to_owned();
    let edit = b
        .get(&format!("/courses/{course}/todos/{edit_link}/edit"))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    let saved = b
        .submit(
            &edit,
            &format!("/courses/{course}/todos/{edit_link}"),
            &[
                ("title", "Run 10k"),
                ("active_date", "2026-01-01"),
                ("repeat", "weekly"),
                ("days", "sat"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = b.get(&format!("/courses/{course}")).await;
    assert!(page.body.contains("Run 10k"));
    // Delete the todo, then the course.
    let edit = b
        .get(&format!("/courses/{course}/todos/{edit_link}/edit"))
        .await;
    let gone = b
        .submit(
            &edit,
            &format!("/courses/{course}/todos/{edit_link}/delete"),
            &[],
        )
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(
        !b.get(&format!("/courses/{course}"))
            .await
            .body
            .contains("Run 10k")
    );
    let list = b.get("/courses").await;
    assert!(list.body.contains("Morning runs"));
    let deleted = b
        .submit(&list, &format!("/courses/{course}/delete"), &[])
        .await;
    assert_eq!(deleted.location(), "/courses");
    assert_eq!(
        b.get(&format!("/courses/{course}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!b.get("/courses").await.body.contains("Morning runs"));
}

#[tokio::test]
async fn today_lists_what_is_due_and_checking_off_shows_on_the_heatmap() {
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
    // The day is the person's: pick an offset, then today is today there.
    let today = b.get("/today").await;
    let set = b
        .submit(&today, "/today/offset", &[("utc_offset", "+09:00")])
        .await;
    assert_eq!(set.location(), "/today");
    let today = b.get("/today").await;
    assert!(
        today.body.contains("value=\"+09:00\" selected"),
        "offset kept in the session"
    );
    assert!(today.body.contains("Water plants"), "{}", today.body);
    let date = today
        .input("date")
        .expect("the check-off form names the day");
    // The page's form is multipart (it may carry a photo); sent without a file, the file
    // part is empty: an entry without a photo.
    let empty = belf::web::multipart::FilePart {
        field: "photo".into(),
        file_name: String::new(),
        content_type: "application/octet-stream".into(),
        bytes: Vec::new(),
    };
    assert!(today.body.contains("enctype=\"multipart/form-data\""));
    let done = b
        .submit_multipart(
            &today,
            "/today/done",
            &[
                ("course", &course),
                ("todo", &todo_id(&today)),
                ("date", &date),
                ("content", "All of them"),
            ],
            Some(empty),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let today = b.get(done.location()).await;
    assert!(today.body.contains("is-done"), "{}", today.body);
    // Checking off twice is refused by the API: the message shows by the todo.
    let page = b.get(&format!("/today?date={date}")).await;
    let again = b
        .submit(
            &page,
            "/today/done",
            &[
                ("course", &course),
                ("todo", &todo_id(&page)),
                ("date", "2025-01-01"),
                ("content", "too early"),
            ],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert!(again.body.contains("class=\"error\""));
    // The course page's heatmap has today's square filled.
    let page = b.get(&format!("/courses/{course}")).await;
    assert!(
        page.body.contains("<svg class=\"heatmap\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("class=\"l4\"><title>{date}: 1</title>")),
        "{}",
        page.body
    );
    // And the profile counts it.
    let profile = b.get("/profile").await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    assert!(
        profile
            .body
            .contains("<strong class=\"stat-done\">1</strong>"),
        "{}",
        profile.body
    );
    assert!(profile.body.contains("alice tester"), "name from userinfo");
    let profile_body = profile.body.replace("&#x2f;", "/");
    assert!(
        profile_body.contains(&format!("href=\"{}/\"", web.auth.base)),
        "account pages link"
    );
}

/// The todo id of the first check-off form on a Today page.
pub(crate) fn todo_id(page: &crate::support::browser::Page) -> String {
    page.input("todo").expect("a check-off form")
}

#[tokio::test]
async fn explore_finds_public_courses_to_like_and_fork_and_hides_private_ones() {
    let web = TestWeb::spawn().await;
    let alice = web.signed_in("alice").await;
    let public = create_course(&alice, "Read daily", "reading", true).await;
    let private = create_course(&alice, "Secret diary", "reading", false).await;
    assert_eq!(
        add_todo(
            &alice,
            &public,
            "Read 10 pages",
            &[("repeat", "every"), ("every_days", "1")]
        )
        .await,
        StatusCode::SEE_OTHER
    );

    let bob = web.signed_in("bob").await;
    let found = bob.get("/explore?tag=reading&sort=likes").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("Read daily"), "{}", found.body);
    assert!(
        !found.body.contains("Secret diary"),
        "a private course is not listed"
    );
    assert!(bob.get("/explore?q=read").await.body.contains("Read daily"));
    // Another person's private course is invisible, even by its address.
    let hidden = bob.get(&format!("/courses/{private}")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert!(!hidden.body.contains("Secret diary"));
    assert_eq!(
        bob.get(&format!("/courses/{private}/edit")).await.status,
        StatusCode::NOT_FOUND
    );

    // Like, see the count, unlike.
    let page = bob.get(&format!("/courses/{public}")).await;
    assert!(
        page.body
            .contains("<strong class=\"like-count\">0</strong>")
    );
    assert!(!page.body.contains("/edit\""), "not the owner: no editor");
    let liked = bob
        .submit(&page, &format!("/courses/{public}/like"), &[])
        .await;
    assert_eq!(liked.status, StatusCode::SEE_OTHER);
    let page = bob.get(&format!("/courses/{public}")).await;
    assert!(
        page.body
            .contains("<strong class=\"like-count\">1</strong>"),
        "{}",
        page.body
    );
    // Liked: said so, and the button is the one that unlikes.
    let like_form = format!("action=\"/courses/{public}/like\"");
    let unlike_form = format!("action=\"/courses/{public}/unlike\"");
    assert!(page.body.contains("class=\"badge liked\""), "{}", page.body);
    assert!(page.body.contains(&unlike_form) && !page.body.contains(&like_form));
    let listed = bob.get("/explore?tag=reading").await;
    assert!(
        listed.body.contains("class=\"badge liked\""),
        "{}",
        listed.body
    );
    assert!(
        !alice
            .get("/explore?tag=reading")
            .await
            .body
            .contains("class=\"badge liked\""),
        "alice has not liked it"
    );
    let unliked = bob
        .submit(&page, &format!("/courses/{public}/unlike"), &[])
        .await;
    assert_eq!(unliked.status, StatusCode::SEE_OTHER);
    let page = bob.get(&format!("/courses/{public}")).await;
    assert!(!page.body.contains("class=\"badge liked\""));
    assert!(page.body.contains(&like_form) && !page.body.contains(&unlike_form));
    bob.submit(&page, &format!("/courses/{public}/like"), &[])
        .await;

    // Fork: one click, land on the copy, which is bob's and says where it came from.
    let forked = bob
        .submit(&page, &format!("/courses/{public}/fork"), &[])
        .await;
    assert_eq!(forked.status, StatusCode::SEE_OTHER, "{}", forked.body);
    let copy = forked.location().to_owned();
    assert_ne!(copy, format!("/courses/{public}"));
    let copy_page = bob.get(&copy).await;
    assert!(
        copy_page.body.contains("Read 10 pages"),
        "{}",
        copy_page.body
    );
    assert!(
        copy_page
            .body
            .contains(&format!("href=\"/courses/{public}\">Read daily</a>")),
        "forked-from link"
    );
    assert!(bob.get("/courses").await.body.contains("Read daily"));
    // The original counts the fork and the like; alice's profile sums them.
    let original = alice.get(&format!("/courses/{public}")).await;
    assert!(
        original
            .body
            .contains("<strong class=\"fork-count\">1</strong>"),
        "{}",
        original.body
    );
    let profile = alice.get("/profile").await;
    assert!(
        profile
            .body
            .contains("<strong class=\"stat-likes\">1</strong>"),
        "{}",
        profile.body
    );
    assert!(
        profile
            .body
            .contains("<strong class=\"stat-forks\">1</strong>")
    );
}

#[tokio::test]
async fn explore_pagination_keeps_the_query() {
    let web = TestWeb::spawn().await;
    let alice = web.signed_in("alice").await;
    for i in 0..21 {
        create_course(&alice, &format!("Walk {i:02}"), "walking", true).await;
    }
    let first = alice.get("/explore?tag=walking&sort=recent").await;
    let first_body = first.body.replace("&#x2f;", "/");
    assert!(first_body.contains("21 results"), "{first_body}");
    let next = "/explore?tag=walking&amp;sort=recent&amp;offset=20";
    assert!(first_body.contains(next), "{first_body}");
    let second = alice.get(&next.replace("&amp;", "&")).await;
    assert_eq!(second.body.matches("class=\"course ").count(), 1);
    let second_body = second.body.replace("&#x2f;", "/");
    assert!(
        second_body.contains("/explore?tag=walking&amp;sort=recent\" rel=\"prev\""),
        "{second_body}"
    );
}

#[tokio::test]
async fn pages_speak_korean_when_the_browser_asks() {
    let web = TestWeb::spawn().await;
    let b = web.signed_in("alice").await;
    let res = b
        .http
        .get(format!("{}/today", web.base))
        .header("accept-language", "ko-KR,ko;q=0.9")
        .send()
        .await
        .expect("GET");
    let body = res.text().await.expect("body");
    assert!(
        body.contains("lang=\"ko\"") && body.contains("오늘 할 일"),
        "{body}"
    );
    let missing = b
        .http
        .get(format!("{}/nowhere", web.base))
        .header("accept-language", "ko")
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.expect("body").contains("없는 페이지"));
}

#[tokio::test]
async fn both_servers_answer_for_the_belf_icon_and_pages_name_it() {
    let web = TestWeb::spawn().await;
    let http = reqwest::Client::new();
    for base in [&web.base, &web.auth.base] {
        let res = http
            .get(format!("{base}/favicon.ico"))
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status(), StatusCode::OK, "{base}");
        assert_eq!(
            res.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("image/svg+xml")
        );
        assert!(res.text().await.expect("body").starts_with("<svg"));
    }
    let landing = web.browser().get("/").await;
    assert!(
        landing
            .body
            .contains(r#"<link rel="icon" href="/favicon.ico" type="image/svg+xml">"#),
        "{}",
        landing.body
    );
}
