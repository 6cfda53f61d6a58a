//! Profile: name and picture from userinfo, my totals, my heatmap across all courses, and
//! a link to the identity server's own account pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::errors::WebError;
use super::i18n;
use super::{AppState, Member};
/// `GET /api/me/stats`.
#[derive(serde::Deserialize)]
struct Stats {
    courses: i64,
    todos_done: i64,
    likes_received: i64,
    forks_received: i64,
}
use crate::web::{activity, heatmap};

pub async fn page(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    let token = member.token();
    let profile = state.rp.userinfo(token).await?;
    let stats: Stats = state.api.get(token, "/api/me/stats", &[]).await?;
    let offset = member.utc_offset(&state);
    let last = offset.today(state.clock.now());
    let counts = activity::counts(
        &state.api,
        token,
        "/api/me/activity",
        heatmap::first_day(last),
        last,
    )
    .await?;
    let svg = heatmap::render(
        last,
        &counts,
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
            courses => stats.courses,
            todos_done => stats.todos_done,
            likes_received => stats.likes_received,
            forks_received => stats.forks_received,
            history => minijinja::Value::from_safe_string(svg),
            account_url => format!("{}/", state.rp.issuer()),
        },
    ))
}
