//! A todo's fields in the editor (title, explanation, active date and the recurrence:
//! once, weekly on chosen days, every N days), both ways: the API body from the submitted
//! fields, and the fields of a todo the API gave. The course page and the todo edit form
//! both show this editor.

use serde_json::{Value, json};

use super::form::Fields;
use crate::web::api::Todo;

/// The recurrence from the editor's fields: `repeat` = once | weekly (with `days`) |
/// every (with `every_days`). A wrong shape is left for the API to name, except a
/// non-number of days, which it could not tell apart from a missing one.
fn recurrence(form: &Fields) -> Result<Value, String> {
    match form.get("repeat").unwrap_or("once") {
        "weekly" => Ok(json!({ "type": "weekly", "days": form.all("days") })),
        "every" => {
            let n: i64 = form
                .text("every_days")
                .parse()
                .map_err(|_| "recurrence: the days between must be a whole number".to_owned())?;
            Ok(json!({ "type": "every", "days": n }))
        }
        _ => Ok(json!({ "type": "once" })),
    }
}

pub fn todo_body(form: &Fields) -> Result<Value, String> {
    Ok(json!({
        "title": form.text("title"),
        "explanation": form.get("explanation").unwrap_or_default(),
        "active_date": form.text("active_date"),
        "recurrence": recurrence(form)?,
    }))
}

/// A todo's fields as the editor shows them.
pub fn todo_context(t: &Todo) -> Value {
    let kind = t
        .recurrence
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("once");
    let mut form = json!({
        "title": t.title, "explanation": t.explanation, "active_date": t.active_date, "repeat": kind,
    });
    match t.recurrence.get("days") {
        Some(Value::Array(days)) => {
            for d in days.iter().filter_map(Value::as_str) {
                form[format!("day_{d}")] = Value::Bool(true);
            }
        }
        Some(Value::Number(n)) => form["every_days"] = Value::String(n.to_string()),
        _ => {}
    }
    form
}
