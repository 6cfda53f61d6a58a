//! The sharing side: search public courses, fork them, like them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{HeaderName, LOCATION};

use super::error::{ApiPath, ApiQuery};
use super::views::{CourseView, PageView};
use super::{ApiError, AppState, find_course};
use crate::todo::domain::access::{Reader, Writer};
use crate::todo::domain::{FieldError, Page, Sort, Tags, reject_nul};
use crate::todo::store::{CourseFilter, Forked};

/// `GET /api/courses/search?q=&tag=&sort=likes|forks|recent&limit=&offset=`
pub async fn search(
    State(s): State<AppState>,
    reader: Reader,
    q: ApiQuery,
) -> Result<Json<PageView<CourseView>>, ApiError> {
    let page = Page::parse(q.get("limit"), q.get("offset"))?;
    let sort = q
        .get("sort")
        .map(Sort::parse)
        .transpose()?
        .unwrap_or_default();
    let keyword = q.get("q").map(str::trim).filter(|k| !k.is_empty());
    if keyword.is_some_and(|k| k.chars().count() > 100) {
        return Err(FieldError::new("q", "must be at most 100 characters").into());
    }
    if let Some(k) = keyword {
        reject_nul("q", k)?;
    }
    // A tag no course can carry (a space, punctuation, too long) matches nothing: an empty
    // page, like any other tag nobody used, rather than a 422 for a search filter.
    let tag = match q.get("tag").map(|t| Tags::parse_one("tag", t)) {
        None => None,
        Some(Ok(tag)) => Some(tag),
        Some(Err(_)) => return Ok(Json(PageView::new(Vec::new(), 0, page))),
    };
    // Only a person has likes to mark; a client's token searches without a viewer.
    let viewer = reader.user().ok().map(str::to_owned);
    let marks_likes = viewer.is_some();
    let filter = CourseFilter {
        keyword: keyword.map(str::to_owned),
        tag,
        sort,
        limit: page.limit,
        offset: page.offset,
        viewer,
    };
    let found = s.courses.search(&filter).await?;
    let total = found.total;
    let items = found
        .courses
        .into_iter()
        .map(|c| {
            let liked = marks_likes.then(|| found.liked.contains(&c.id));
            let mut view = CourseView::from(c);
            view.liked = liked;
            view
        })
        .collect();
    Ok(Json(PageView::new(items, total, page)))
}

/// Copies a course the caller can see (public, or their own) into their account: 201 and
/// the new fork, or, if they forked it before, 200 and that fork (one fork per person,
/// so a repeated click makes no second copy and `fork_count` counts people). Both carry
/// the fork's `Location`.
pub async fn fork(
    State(s): State<AppState>,
    writer: Writer,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, [(HeaderName, String); 1], Json<CourseView>), ApiError> {
    let original = find_course(&*s.courses, &id).await?;
    writer.see(original.access())?;
    let (status, fork) = match s.courses.fork(&original, writer.user()).await? {
        Forked::Created(fork) => (StatusCode::CREATED, fork),
        Forked::Existing(fork) => (StatusCode::OK, fork),
    };
    let location = format!("/api/courses/{}", fork.id);
    Ok((status, [(LOCATION, location)], Json(fork.into())))
}

pub async fn like(
    state: State<AppState>,
    writer: Writer,
    id: ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    set_like(state, writer, id, true).await
}

pub async fn unlike(
    state: State<AppState>,
    writer: Writer,
    id: ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    set_like(state, writer, id, false).await
}

async fn set_like(
    State(s): State<AppState>,
    writer: Writer,
    ApiPath(id): ApiPath<String>,
    liked: bool,
) -> Result<Json<serde_json::Value>, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    writer.see(course.access())?;
    s.likes.set_like(&course.id, writer.user(), liked).await?;
    let like_count = s
        .courses
        .course(&course.id)
        .await?
        .map(|c| c.like_count)
        .unwrap_or(0);
    Ok(Json(
        serde_json::json!({ "liked": liked, "like_count": like_count }),
    ))
}
