//! Profile: name and picture from userinfo, my totals, my heatmap across all courses, and
//! a link to the identity server's own account pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::errors::WebError;
use super::i18n;
use super::{AppState, Member};
use crate::web::api::{Course, Page};
use crate::web::zone::UtcOffset;
use crate::web::{activity, heatmap};

pub async fn page(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    let token = member.token();
    let profile = state.rp.userinfo(token).await?;
    let courses: Page<Course> = state
        .api
        .get(token, "/api/courses", &[("limit", "100")])
        .await?;
    let likes_received: i64 = courses.items.iter().map(|c| c.like_count).sum();
    let forks_received: i64 = courses.items.iter().map(|c| c.fork_count).sum();
    let offset = member
        .data
        .utc_offset
        .as_deref()
        .and_then(UtcOffset::parse)
        .unwrap_or(UtcOffset::UTC);
    let last = offset.today(state.clock.now());
    let mine = activity::from_done_log(
        &state.api,
        token,
        "/api/done",
        heatmap::first_day(last),
        last,
    )
    .await?;
    let svg = heatmap::render(
        last,
        &mine.counts,
        i18n::text(member.lang, "heatmap_label"),
        &i18n::months(member.lang),
    );
    let display = profile
        .name
        .clone()
        .or(profile.preferred_username.clone())
        .unwrap_or_else(|| member.user.sub.clone());
    let initial = display
        .chars()
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default();
    Ok(state.pages.render(
        StatusCode::OK,
        "profile.html",
        member.lang,
        minijinja::context! {
            nav => member.nav(),
            name => display,
            initial,
            username => profile.preferred_username,
            email => profile.email,
            picture => profile.picture.filter(|p| p.starts_with("https://") || p.starts_with('/')),
            courses => courses.total,
            todos_done => mine.total,
            likes_received,
            forks_received,
            history => minijinja::Value::from_safe_string(svg),
            account_url => format!("{}/", state.rp.issuer()),
        },
    ))
}
