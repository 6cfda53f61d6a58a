//! Two people, one browser: the first signs up through the identity server, plans a
//! course with a weekly todo, checks it off today and sees today's heatmap square fill
//! (desktop, English); the second finds the course by its tag, likes it and forks it
//! (phone, Korean). Then each page once more in the other viewport, for the screenshots.

use std::time::Instant;

use serde::Deserialize;

use crate::support::PASSWORD;
use crate::support::chromium::{Chromium, Tab, Viewport};
use crate::support::web::TestWeb;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Today's square in the heatmap on screen: its level class, its `<title>` (date and
/// count) and the colour the stylesheet gives it.
#[derive(Debug, Deserialize, PartialEq)]
struct Square {
    class: String,
    title: String,
    fill: String,
}

async fn square(tab: &Tab, date: &str) -> Square {
    tab.eval::<Option<Square>>(&format!(
        "(() => {{ const r = [...document.querySelectorAll('svg.heatmap rect')]
             .find(r => r.querySelector('title')?.textContent.startsWith('{date}:'));
           return r ? {{ class: r.getAttribute('class'), title: r.querySelector('title').textContent,
                         fill: getComputedStyle(r).fill }} : null; }})()"
    ))
    .await
    .unwrap_or_else(|| panic!("no heatmap square for {date}"))
}

/// From the web app's start page through the identity server's registration page and
/// back (consenting when asked); returns the path the person lands on.
async fn sign_up(tab: &Tab, web: &TestWeb, username: &str, shots: bool) -> String {
    assert!(
        tab.url()
            .await
            .starts_with(&format!("{}/login", web.auth.base)),
        "not on the identity server's sign-in page: {}",
        tab.url().await
    );
    if shots {
        tab.screenshot("sign-in").await;
    }
    tab.click("a[href^='/register']").await;
    tab.fill("#username", username).await;
    tab.fill("#email", &format!("{username}@example.com")).await;
    tab.fill("#name", &format!("{username} Kim")).await;
    tab.fill("#password", PASSWORD).await;
    if shots {
        tab.screenshot("register").await;
    }
    tab.click("form[action='/register'] button[type=submit]")
        .await;
    if tab
        .url()
        .await
        .starts_with(&format!("{}/consent", web.auth.base))
    {
        if shots {
            tab.screenshot("consent").await;
        }
        tab.click("button[name=decision][value=allow]").await;
    }
    let url = tab.url().await;
    assert!(
        url.starts_with(&web.base),
        "signing up did not lead back to the web app: {url}"
    );
    tab.path().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_person_plans_a_weekly_todo_and_another_finds_likes_and_forks_it() {
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let started = Instant::now();
    let web = TestWeb::spawn().await;

    // --- Alice, on a laptop, in English: sign up from the start page.
    let alice = chromium.person(Viewport::Desktop, "en").await;
    alice.goto(&format!("{}/", web.base)).await;
    alice.screenshot("start").await;
    alice.click("a.button[href='/login']").await;
    assert_eq!(sign_up(&alice, &web, "alice", true).await, "/today");
    let today = alice.text("h1 small").await;
    let weekday = time::Date::parse(
        &today,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .expect("Today shows a date")
    .weekday()
    .number_days_from_monday() as usize;

    // A public course with two tags.
    alice.click("nav a[href='/courses']").await;
    alice.click("a[href='/courses/new']").await;
    alice.fill("#title", "Morning run").await;
    alice
        .fill("#explanation", "Easy kilometres before work.")
        .await;
    let colours: Vec<String> = alice
        .eval("[...document.querySelectorAll('#colour option')].map(o => o.value)")
        .await;
    alice.choose("#colour", &colours[2 % colours.len()]).await;
    alice.fill("#tags", "running health").await;
    alice.tick("input[name=public]").await;
    alice.screenshot("new-course").await;
    alice
        .click("form[action='/courses'] button[type=submit]")
        .await;
    let course = alice.path().await;
    assert!(course.starts_with("/courses/"), "{course}");
    assert_eq!(alice.text("h1").await, "Morning run");
    let before = square(&alice, &today).await;
    assert_eq!(before.title, format!("{today}: 0"), "{before:?}");

    // A weekly todo through the recurrence editor: today's weekday and two days later.
    let days = [DAYS[weekday], DAYS[(weekday + 2) % 7]];
    let new_todo = format!("form[action='{course}/todos']");
    alice
        .fill(&format!("{new_todo} #todo-title-new"), "5 km")
        .await;
    alice
        .tick(&format!("{new_todo} input[name=repeat][value=weekly]"))
        .await;
    for day in days {
        alice
            .tick(&format!("{new_todo} input[name=days][value={day}]"))
            .await;
    }
    alice
        .click(&format!("{new_todo} button[type=submit]"))
        .await;
    assert_eq!(alice.path().await, course);
    let listed = alice.text("ul.todos li").await;
    assert!(listed.starts_with("5 km"), "{listed}");
    assert!(listed.contains("Weekly on"), "{listed}");
    for day in days {
        let word = &day[..1].to_uppercase();
        assert!(listed.contains(&format!("{word}{}", &day[1..])), "{listed}");
    }

    // Today lists it; check it off with a note.
    alice.click("nav a[href='/today']").await;
    assert_eq!(alice.text("li.due strong").await, "5 km");
    alice.screenshot("today").await;
    alice
        .fill("li.due textarea[name=content]", "felt good")
        .await;
    alice
        .click("li.due form[action='/today/done'] button[type=submit]")
        .await;
    assert!(alice.exists("li.due.is-done").await, "not marked done");
    let mark = alice.text("li.due .done-mark").await;
    assert!(mark.contains("felt good"), "the note is shown: {mark}");
    alice.screenshot("today-done").await;

    // The course page's heatmap: today's square now counts one and has a colour.
    alice.goto(&format!("{}{course}", web.base)).await;
    let after = square(&alice, &today).await;
    assert_eq!(after.title, format!("{today}: 1"), "{after:?}");
    assert_ne!(after.class, before.class, "{before:?} → {after:?}");
    assert_ne!(after.fill, before.fill, "today's square changes colour");
    alice.screenshot("course").await;

    // --- Bob, on a phone, in Korean: signs up on his way to Explore.
    let bob = chromium.person(Viewport::Phone, "ko").await;
    bob.goto(&format!("{}/explore", web.base)).await;
    assert_eq!(sign_up(&bob, &web, "bob", true).await, "/explore");
    bob.fill("#tag", "running").await;
    bob.click("form.search button[type=submit]").await;
    assert!(
        bob.path().await.contains("tag=running"),
        "{}",
        bob.path().await
    );
    assert_eq!(bob.text("ul.cards li a strong").await, "Morning run");
    bob.screenshot("explore").await;
    bob.click(&format!("ul.cards a[href='{course}']")).await;
    assert_eq!(bob.path().await, course);
    assert_eq!(bob.text(".like-count").await, "0");
    bob.click(&format!("form[action='{course}/like'] button"))
        .await;
    assert_eq!(bob.path().await, course);
    assert_eq!(bob.text(".like-count").await, "1");
    bob.screenshot("course-liked").await;
    bob.click(&format!("form[action='{course}/fork'] button"))
        .await;
    let copy = bob.path().await;
    assert!(
        copy.starts_with("/courses/") && copy != course,
        "the fork lands on the copy: {copy}"
    );
    assert_eq!(bob.text("h1").await, "Morning run");
    assert!(
        bob.exists(&format!("a[href='{course}']")).await,
        "the copy links to where it was forked from"
    );
    bob.screenshot("forked").await;

    // Alice sees the like and the fork.
    alice.goto(&format!("{}{course}", web.base)).await;
    assert_eq!(alice.text(".like-count").await, "1");
    assert_eq!(alice.text(".fork-count").await, "1");
    alice.click("nav a[href='/profile']").await;
    assert_eq!(alice.text(".stat-done").await, "1");
    assert_eq!(alice.text(".stat-likes").await, "1");
    alice.screenshot("profile").await;
    alice.click("nav a[href='/explore']").await;
    alice.screenshot("explore").await;
    let journey = started.elapsed();

    // The same pages in the other viewport (and Bob's in English on a laptop).
    let mut alice = alice;
    alice.set_viewport(Viewport::Phone).await;
    let mut bob = bob;
    bob.set_viewport(Viewport::Desktop).await;
    for (name, path) in [
        ("today-done", "/today".to_owned()),
        ("course", course.clone()),
        ("explore", "/explore".to_owned()),
        ("profile", "/profile".to_owned()),
    ] {
        alice.goto(&format!("{}{path}", web.base)).await;
        alice.screenshot(name).await;
        bob.goto(&format!("{}{path}", web.base)).await;
        bob.screenshot(name).await;
    }
    bob.set_lang("en").await;
    bob.goto(&format!("{}{copy}", web.base)).await;
    bob.screenshot("forked").await;

    alice.assert_no_console_errors("Alice's visit");
    bob.assert_no_console_errors("Bob's visit");
    eprintln!(
        "browser journey: {journey:?} for both people, {:?} with the second viewport",
        started.elapsed()
    );
    alice.close().await;
    bob.close().await;
    chromium.close().await;
}
