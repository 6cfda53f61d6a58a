//! Long lists are paged, never cut: My courses and Today show 50 at a time with links to
//! the previous and next pages, which keep the day.

use reqwest::StatusCode;

use crate::support::web::TestWeb;
use crate::web_pages::create_course;

/// How many items a page of My courses or Today shows (`web::http::paging::LIST_PAGE`).
const PER_PAGE: usize = 50;

/// The `href` of the pager link with `rel`, if the page has one.
fn pager_link(body: &str, rel: &str) -> Option<String> {
    let marker = format!("\" rel=\"{rel}\"");
    let end = body.find(&marker)?;
    let start = body[..end].rfind("href=\"")? + "href=\"".len();
    Some(
        body[start..end]
            .replace("&#x2f;", "/")
            .replace("&amp;", "&"),
    )
}

#[tokio::test]
async fn my_courses_and_today_page_through_more_than_fifty_items() {
    let web = TestWeb::spawn().await;
    let b = web.signed_in("alice").await;
    let first = create_course(&b, "Course 00", "", false).await;
    for n in 1..=PER_PAGE {
        create_course(&b, &format!("Course {n:02}"), "", false).await;
    }
    let page = b.get(&format!("/courses/{first}")).await;
    for n in 0..=PER_PAGE {
        let added = b
            .submit(
                &page,
                &format!("/courses/{first}/todos"),
                &[
                    ("title", &format!("Daily {n:02}")),
                    ("explanation", ""),
                    ("active_date", "2026-01-01"),
                    ("repeat", "every"),
                    ("every_days", "1"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }

    // My courses: 50, then the 51st on the next page, and back.
    let one = b.get("/courses").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body.matches("<li class=\"course").count(), PER_PAGE);
    assert_eq!(pager_link(&one.body, "prev"), None);
    let next = pager_link(&one.body, "next").expect("a next page");
    assert_eq!(next, "/courses?offset=50");
    let two = b.get(&next).await;
    assert_eq!(two.body.matches("<li class=\"course").count(), 1);
    assert_eq!(pager_link(&two.body, "next"), None);
    assert_eq!(pager_link(&two.body, "prev").as_deref(), Some("/courses"));

    // Today: the same, and the links keep the day.
    let today = b.get("/today?date=2026-06-01").await;
    assert_eq!(today.body.matches("<li class=\"due").count(), PER_PAGE);
    let next = pager_link(&today.body, "next").expect("a next page");
    assert_eq!(next, "/today?date=2026-06-01&offset=50");
    let rest = b.get(&next).await;
    assert_eq!(
        rest.body.matches("<li class=\"due").count(),
        1,
        "{}",
        rest.body
    );
    assert!(rest.body.contains("2026-06-01"));
    assert_eq!(
        pager_link(&rest.body, "prev").as_deref(),
        Some("/today?date=2026-06-01")
    );
    // A nonsense offset is the first page, not an error.
    let odd = b.get("/courses?offset=-3").await;
    assert_eq!(odd.status, StatusCode::OK);
    assert_eq!(odd.body.matches("<li class=\"course").count(), PER_PAGE);
}
