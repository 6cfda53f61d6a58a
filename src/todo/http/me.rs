//! The caller's own account in this service: display name, totals, erasing everything.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::body::{Fields, FromJson, JsonBody};
use super::{ApiError, AppState};
use crate::todo::domain::DisplayName;
use crate::todo::domain::access::{Reader, Writer};

pub struct SetProfile {
    display_name: String,
}

impl FromJson for SetProfile {
    const FIELDS: &'static [&'static str] = &["display_name"];
    fn from_fields(f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            display_name: f.string("display_name")?,
        })
    }
}

#[derive(Serialize)]
pub struct ProfileView {
    pub display_name: String,
}

/// `PUT /api/me/profile`: the name shown as `owner_name` on the caller's courses (the web
/// app sends the one from userinfo at each sign-in).
pub async fn set_profile(
    State(s): State<AppState>,
    writer: Writer,
    body: JsonBody<SetProfile>,
) -> Result<Json<ProfileView>, ApiError> {
    let body = body.parse()?;
    let name = DisplayName::parse(&body.display_name)?;
    s.profiles
        .set_display_name(writer.user(), name.as_str())
        .await?;
    Ok(Json(ProfileView {
        display_name: name.as_str().to_owned(),
    }))
}

#[derive(Serialize)]
pub struct StatsView {
    pub courses: i64,
    pub todos_done: i64,
    pub likes_received: i64,
    pub forks_received: i64,
}

/// `GET /api/me/stats`: the caller's totals.
pub async fn stats(State(s): State<AppState>, reader: Reader) -> Result<Json<StatsView>, ApiError> {
    let user = reader.user()?;
    let t = s.profiles.stats(user).await?;
    Ok(Json(StatsView {
        courses: t.courses,
        todos_done: t.todos_done,
        likes_received: t.likes_received,
        forks_received: t.forks_received,
    }))
}

/// Deletes everything the caller owns or did in this service.
pub async fn delete_me(State(s): State<AppState>, writer: Writer) -> Result<StatusCode, ApiError> {
    s.user_data.delete_user(writer.user()).await?;
    Ok(StatusCode::NO_CONTENT)
}
