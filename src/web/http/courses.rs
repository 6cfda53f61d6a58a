//! My courses: the list, create / edit / delete, and a course's todos with the recurrence
//! editor (once, weekly on chosen days, every N days). A refusal by the API is shown
//! next to the form, whose fields keep what was typed.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use reqwest::Method;
use serde_json::{Value, json};

use super::errors::WebError;
use super::form::Fields;
use super::paging;
use super::redirect::see_other;
use super::today::id_segment;
use super::todo_editor::{todo_body, todo_context};
use super::{AppState, Member};
use crate::web::api::{ApiError, Colour, Course, Page, Todo};
use crate::web::zone::format_date;

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    offset: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let offset = paging::offset_of(q.offset.as_deref());
    let courses: Page<Course> = state
        .api
        .get(
            member.token(),
            "/api/courses",
            &[
                ("limit", &paging::LIST_PAGE.to_string()),
                ("offset", &offset.to_string()),
            ],
        )
        .await?;
    let (page_previous, page_next) =
        paging::links("/courses", offset, paging::LIST_PAGE, courses.next_offset);
    Ok(state.pages.render(
        StatusCode::OK,
        "courses.html",
        member.lang,
        minijinja::context! {
            nav => member.nav(),
            courses => super::pages::ser(&courses.items),
            total => courses.total,
            page_previous, page_next,
        },
    ))
}

async fn palette(state: &AppState, member: &Member) -> Result<Vec<Colour>, WebError> {
    #[derive(serde::Deserialize)]
    struct Palette {
        colours: Vec<Colour>,
    }
    let p: Palette = state.api.get(member.token(), "/api/palette", &[]).await?;
    Ok(p.colours)
}

fn today(state: &AppState, member: &Member) -> String {
    let offset = member.utc_offset(state);
    format_date(offset.today(state.clock.now()))
}

/// The course form, new (`course` none) or edit; `form` holds the values to show.
async fn course_form(
    state: &AppState,
    member: &Member,
    course: Option<&str>,
    form: Value,
    error: Option<(String, Option<String>)>,
) -> Result<Response, WebError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(state.pages.render(
        status,
        "course_form.html",
        member.lang,
        minijinja::context! {
            nav => member.nav(),
            csrf => member.data.csrf.clone(),
            course_id => course,
            form => super::pages::ser(&form),
            colours => super::pages::ser(palette(state, member).await?),
            error => error.as_ref().map(|e| e.0.clone()),
            error_field => error.and_then(|e| e.1),
        },
    ))
}

pub async fn new_form(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    let form = json!({ "start_date": today(&state, &member), "colour": "blue" });
    course_form(&state, &member, None, form, None).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = id_segment(&id)?;
    let c: Course = state
        .api
        .get(member.token(), &format!("/api/courses/{id}"), &[])
        .await?;
    if c.owner != member.user.sub {
        return Err(WebError::NotFound);
    }
    let form = json!({
        "title": c.title, "explanation": c.explanation, "colour": c.colour,
        "tags": c.tags.join(" "), "start_date": c.start_date,
        "end_date": c.end_date.unwrap_or_default(), "public": if c.public { "on" } else { "" },
    });
    course_form(&state, &member, Some(id), form, None).await
}

/// The API body from the form: tags split on spaces and commas; an empty end date is
/// none (`null` clears it when editing).
fn course_body(form: &Fields) -> Value {
    let tags: Vec<&str> = form
        .get("tags")
        .unwrap_or_default()
        .split([' ', ',', '\t'])
        .map(|t| t.trim_start_matches('#'))
        .filter(|t| !t.is_empty())
        .collect();
    let end = form.text("end_date");
    json!({
        "title": form.text("title"),
        "explanation": form.get("explanation").unwrap_or_default(),
        "colour": form.text("colour"),
        "tags": tags,
        "start_date": form.text("start_date"),
        "end_date": if end.is_empty() { Value::Null } else { Value::String(end) },
        "public": form.get("public").is_some(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    member: Member,
    form: Fields,
) -> Result<Response, WebError> {
    save_course(&state, &member, None, &form).await
}

pub async fn update(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let id = id_segment(&id)?;
    save_course(&state, &member, Some(id), &form).await
}

/// Creates (`course` none) or edits a course from the form; a refusal re-shows the form
/// with what was typed. A course that is gone (404), or not mine to edit (403), is a
/// "not found" page.
async fn save_course(
    state: &AppState,
    member: &Member,
    course: Option<&str>,
    form: &Fields,
) -> Result<Response, WebError> {
    member.check_csrf(form)?;
    let (method, path) = match course {
        None => (Method::POST, "/api/courses".to_owned()),
        Some(id) => (Method::PATCH, format!("/api/courses/{id}")),
    };
    match state
        .api
        .send::<Course>(member.token(), method, &path, &course_body(form))
        .await
    {
        Ok(c) => Ok(see_other(&format!("/courses/{}", c.id))),
        Err(ApiError::Api {
            status,
            message,
            field,
            ..
        }) if status != 404 && (course.is_none() || status != 403) => {
            course_form(
                state,
                member,
                course,
                form.to_context(),
                Some((message, field)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    member.check_csrf(&form)?;
    let id = id_segment(&id)?;
    state
        .api
        .delete(member.token(), &format!("/api/courses/{id}"))
        .await?;
    tracing::info!(sub = %member.user.sub, course = %id, "course deleted");
    Ok(see_other("/courses"))
}

/// Adding a todo happens on the course page; a refusal re-renders it with the message.
pub async fn create_todo(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    member.check_csrf(&form)?;
    let id = id_segment(&id)?.to_owned();
    let result = match todo_body(&form) {
        Ok(body) => state
            .api
            .send::<Todo>(
                member.token(),
                Method::POST,
                &format!("/api/courses/{id}/todos"),
                &body,
            )
            .await
            .map(|_| ())
            .map_err(Some),
        Err(message) => Err(Some(ApiError::Api {
            status: 422,
            code: "invalid_field".into(),
            message,
            field: Some("every_days".into()),
        })),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/courses/{id}"))),
        Err(Some(ApiError::Api {
            status,
            message,
            field,
            ..
        })) if status != 404 && status != 403 => {
            super::course_page::render(
                &state,
                &member,
                &id,
                Some((form.to_context(), message, field)),
            )
            .await
        }
        Err(Some(e)) => Err(e.into()),
        Err(None) => Err(WebError::BadRequest),
    }
}

async fn todo_form(
    state: &AppState,
    member: &Member,
    course: &str,
    todo: &str,
    form: Value,
    error: Option<(String, Option<String>)>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    state.pages.render(
        status,
        "todo_form.html",
        member.lang,
        minijinja::context! {
            nav => member.nav(),
            csrf => member.data.csrf.clone(),
            course_id => course,
            todo_id => todo,
            form => super::pages::ser(&form),
            error => error.as_ref().map(|e| e.0.clone()),
            error_field => error.and_then(|e| e.1),
        },
    )
}

pub async fn edit_todo_form(
    State(state): State<AppState>,
    member: Member,
    Path((id, todo)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (id, todo) = (id_segment(&id)?, id_segment(&todo)?);
    let t: Todo = state
        .api
        .get(
            member.token(),
            &format!("/api/courses/{id}/todos/{todo}"),
            &[],
        )
        .await?;
    Ok(todo_form(&state, &member, id, todo, todo_context(&t), None).await)
}

pub async fn update_todo(
    State(state): State<AppState>,
    member: Member,
    Path((id, todo)): Path<(String, String)>,
    form: Fields,
) -> Result<Response, WebError> {
    member.check_csrf(&form)?;
    let (id, todo) = (id_segment(&id)?, id_segment(&todo)?);
    let body = match todo_body(&form) {
        Ok(b) => b,
        Err(message) => {
            return Ok(todo_form(
                &state,
                &member,
                id,
                todo,
                form.to_context(),
                Some((message, Some("every_days".into()))),
            )
            .await);
        }
    };
    let path = format!("/api/courses/{id}/todos/{todo}");
    match state
        .api
        .send::<Todo>(member.token(), Method::PATCH, &path, &body)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/courses/{id}"))),
        Err(ApiError::Api {
            status,
            message,
            field,
            ..
        }) if status != 404 && status != 403 => Ok(todo_form(
            &state,
            &member,
            id,
            todo,
            form.to_context(),
            Some((message, field)),
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_todo(
    State(state): State<AppState>,
    member: Member,
    Path((id, todo)): Path<(String, String)>,
    form: Fields,
) -> Result<Response, WebError> {
    member.check_csrf(&form)?;
    let (id, todo) = (id_segment(&id)?, id_segment(&todo)?);
    state
        .api
        .delete(member.token(), &format!("/api/courses/{id}/todos/{todo}"))
        .await?;
    Ok(see_other(&format!("/courses/{id}")))
}
