//! A course's page: its todos, owner, where it was forked from and how often it was
//! forked, likes, and its done history as a heatmap; for the owner, the todo editor.
//! Like, unlike and fork are forms here.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use reqwest::Method;
use serde_json::{Value, json};

use super::errors::WebError;
use super::form::Fields;
use super::i18n::{self};
use super::redirect::see_other;
use super::today::id_segment;
use super::todo_editor::todo_context;
use super::{AppState, Member};
use crate::web::api::{Course, Page, Todo};
use crate::web::zone::format_date;
use crate::web::{activity, heatmap};

pub async fn page(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = id_segment(&id)?.to_owned();
    render(&state, &member, &id, None).await
}

/// The page; `todo_error` re-shows the add-todo form with what was typed and why the API
/// refused it.
pub async fn render(
    state: &AppState,
    member: &Member,
    id: &str,
    todo_error: Option<(Value, String, Option<String>)>,
) -> Result<Response, WebError> {
    let token = member.token();
    let course: Course = state
        .api
        .get(token, &format!("/api/courses/{id}"), &[])
        .await?;
    let todos: Page<Todo> = state
        .api
        .get(
            token,
            &format!("/api/courses/{id}/todos"),
            &[("limit", "100")],
        )
        .await?;
    let offset = member.utc_offset(state);
    let last = offset.today(state.clock.now());
    let first = heatmap::first_day(last);
    // The history is shown to those the API shows it to; a refusal only hides it.
    let history = match activity::counts(
        &state.api,
        token,
        &format!("/api/courses/{id}/activity"),
        first,
        last,
    )
    .await
    {
        Ok(counts) => Some(heatmap::render(
            last,
            &counts,
            i18n::text(member.lang, "heatmap_label"),
            &i18n::months(member.lang),
        )),
        Err(crate::web::api::ApiError::Api { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let forked_from = match &course.forked_from {
        Some(f) => state
            .api
            .get::<Course>(token, &format!("/api/courses/{f}"), &[])
            .await
            .ok(),
        None => None,
    };
    let is_owner = course.owner == member.user.sub;
    let (todo_form, todo_error, todo_error_field) = match todo_error {
        Some((form, message, field)) => (form, Some(message), field),
        None => (
            json!({ "active_date": format_date(last), "repeat": "once" }),
            None,
            None,
        ),
    };
    let status = if todo_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let todos: Vec<Value> = todos
        .items
        .iter()
        .map(|t| json!({ "todo": t, "form": todo_context(t) }))
        .collect();
    Ok(state.pages.render(
        status,
        "course.html",
        member.lang,
        minijinja::context! {
            nav => member.nav(),
            csrf => member.data.csrf.clone(),
            course => super::pages::ser(&course),
            forked_from_course => super::pages::ser(&forked_from),
            todos => super::pages::ser(&todos),
            is_owner,
            history => history.map(minijinja::Value::from_safe_string),
            form => super::pages::ser(&todo_form),
            error => todo_error,
            error_field => todo_error_field,
        },
    ))
}

async fn set_like(
    state: &AppState,
    member: &Member,
    id: &str,
    form: &Fields,
    liked: bool,
) -> Result<Response, WebError> {
    member.check_csrf(form)?;
    let id = id_segment(id)?;
    let path = format!("/api/courses/{id}/like");
    let method = if liked { Method::PUT } else { Method::DELETE };
    state
        .api
        .call(member.token(), method, &path, &[], None)
        .await?;
    Ok(see_other(&format!("/courses/{id}")))
}

pub async fn like(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    set_like(&state, &member, &id, &form, true).await
}

pub async fn unlike(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    set_like(&state, &member, &id, &form, false).await
}

/// Copies the course into mine and lands on the copy.
pub async fn fork(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    member.check_csrf(&form)?;
    let id = id_segment(&id)?;
    let copy: Course = state
        .api
        .send(
            member.token(),
            Method::POST,
            &format!("/api/courses/{id}/fork"),
            &Value::Null,
        )
        .await?;
    tracing::info!(sub = %member.user.sub, course = %id, fork = %copy.id, "course forked");
    Ok(see_other(&format!("/courses/{}", copy.id)))
}
