//! Course CRUD.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::body::{Fields, FromJson, JsonBody};
use super::error::{ApiPath, ApiQuery};
use super::views::{CourseView, PageView};
use super::{ApiError, AppState, find_course};
use crate::todo::domain::access::{Reader, Writer};
use crate::todo::domain::{Colour, CourseTitle, Day, FieldError, Page, Tags, Text};
use crate::todo::store::{CoursePatch, NewCourse};

pub struct CreateCourse {
    title: String,
    explanation: String,
    colour: String,
    start_date: String,
    end_date: Option<String>,
    tags: Vec<String>,
    public: bool,
}

impl FromJson for CreateCourse {
    const FIELDS: &'static [&'static str] = &[
        "title",
        "explanation",
        "colour",
        "start_date",
        "end_date",
        "tags",
        "public",
    ];
    fn from_fields(f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            title: f.string("title")?,
            explanation: f.opt_string("explanation")?.unwrap_or_default(),
            colour: f.string("colour")?,
            start_date: f.string("start_date")?,
            end_date: f.opt_string("end_date")?,
            tags: f.opt_strings("tags")?.unwrap_or_default(),
            public: f.opt_bool("public")?.unwrap_or(false),
        })
    }
}

/// Absent fields stay as they are; `end_date: null` clears the end date.
pub struct UpdateCourse {
    title: Option<String>,
    explanation: Option<String>,
    colour: Option<String>,
    start_date: Option<String>,
    end_date: Option<Option<String>>,
    tags: Option<Vec<String>>,
    public: Option<bool>,
}

impl FromJson for UpdateCourse {
    const FIELDS: &'static [&'static str] = CreateCourse::FIELDS;
    fn from_fields(f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            title: f.opt_string("title")?,
            explanation: f.opt_string("explanation")?,
            colour: f.opt_string("colour")?,
            start_date: f.opt_string("start_date")?,
            end_date: f.nullable_string("end_date")?,
            tags: f.opt_strings("tags")?,
            public: f.opt_bool("public")?,
        })
    }
}

fn check_range(start: Day, end: Option<Day>) -> Result<(), FieldError> {
    match end {
        Some(end) if end < start => {
            Err(FieldError::new("end_date", "must not be before start_date"))
        }
        _ => Ok(()),
    }
}

pub async fn create(
    State(s): State<AppState>,
    writer: Writer,
    body: JsonBody<CreateCourse>,
) -> Result<(StatusCode, Json<CourseView>), ApiError> {
    let owner = writer.user();
    let body = body.parse()?;
    let title = CourseTitle::parse("title", &body.title)?;
    let explanation = Text::parse("explanation", &body.explanation)?;
    let colour = Colour::parse(&body.colour)?;
    let start = Day::parse("start_date", &body.start_date)?;
    let end = body
        .end_date
        .as_deref()
        .map(|e| Day::parse("end_date", e))
        .transpose()?;
    check_range(start, end)?;
    let tags = Tags::parse(&body.tags)?;
    let course = s
        .courses
        .create_course(NewCourse {
            owner: owner.to_owned(),
            title: title.as_str().to_owned(),
            explanation: explanation.as_str().to_owned(),
            colour: colour.as_str().to_owned(),
            start_date: start.to_db(),
            end_date: end.map(Day::to_db),
            is_public: body.public,
            tags: tags.as_slice().to_vec(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(course.into())))
}

pub async fn list_mine(
    State(s): State<AppState>,
    reader: Reader,
    q: ApiQuery,
) -> Result<Json<PageView<CourseView>>, ApiError> {
    let owner = reader.user()?;
    let page = Page::parse(q.get("limit"), q.get("offset"))?;
    let (rows, total) = s.courses.courses_of(owner, page.limit, page.offset).await?;
    let items = rows.into_iter().map(Into::into).collect();
    Ok(Json(PageView::new(items, total, page)))
}

pub async fn get_one(
    State(s): State<AppState>,
    reader: Reader,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CourseView>, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    reader.see(course.access())?;
    let liked = match reader.user() {
        Ok(user) => Some(s.likes.liked(&course.id, user).await?),
        Err(_) => None,
    };
    let mut view = CourseView::from(course);
    view.liked = liked;
    Ok(Json(view))
}

pub async fn update(
    State(s): State<AppState>,
    writer: Writer,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<UpdateCourse>,
) -> Result<Json<CourseView>, ApiError> {
    let current = find_course(&*s.courses, &id).await?;
    writer.change(current.access())?;
    let body = body.parse()?;
    let mut patch = CoursePatch::default();
    if let Some(t) = &body.title {
        patch.title = Some(CourseTitle::parse("title", t)?.as_str().to_owned());
    }
    if let Some(e) = &body.explanation {
        patch.explanation = Some(Text::parse("explanation", e)?.as_str().to_owned());
    }
    if let Some(c) = &body.colour {
        patch.colour = Some(Colour::parse(c)?.as_str().to_owned());
    }
    let start = match &body.start_date {
        Some(d) => Day::parse("start_date", d)?,
        None => Day::parse("start_date", &current.start_date)?,
    };
    let end = match &body.end_date {
        Some(Some(d)) => Some(Day::parse("end_date", d)?),
        Some(None) => None,
        None => current
            .end_date
            .as_deref()
            .map(|d| Day::parse("end_date", d))
            .transpose()?,
    };
    check_range(start, end)?;
    patch.start_date = body.start_date.as_ref().map(|_| start.to_db());
    patch.end_date = body.end_date.as_ref().map(|_| end.map(Day::to_db));
    if let Some(tags) = &body.tags {
        patch.tags = Some(Tags::parse(tags)?.as_slice().to_vec());
    }
    patch.is_public = body.public;
    let course = s
        .courses
        .update_course(&current.id, patch)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(course.into()))
}

pub async fn delete(
    State(s): State<AppState>,
    writer: Writer,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let course = find_course(&*s.courses, &id).await?;
    writer.change(course.access())?;
    s.courses.delete_course(&course.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
