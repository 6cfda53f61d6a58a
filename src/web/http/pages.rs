//! Templates (minijinja, HTML-escaped), compiled once at start.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};

use super::i18n::{self, Lang};

pub struct Pages {
    env: Environment<'static>,
}

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

impl Pages {
    pub fn new() -> anyhow::Result<Pages> {
        let mut env = Environment::new();
        for (name, src) in templates![
            "base.html",
            "landing.html",
            "message.html",
            "today.html",
            "courses.html",
            "course_form.html",
            "todo_fields.html",
            "todo_form.html",
            "course.html",
            "explore.html",
            "profile.html",
        ] {
            env.add_template(name, src)?;
        }
        Ok(Pages { env })
    }

    /// Renders `name` with `ctx` plus `lang` and `t` (the strings).
    pub fn render(&self, status: StatusCode, name: &str, lang: Lang, ctx: Value) -> Response {
        let full = minijinja::context! { lang => lang.code(), t => i18n::table(lang), ..ctx };
        match self.env.get_template(name).and_then(|t| t.render(full)) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, template = name, "template failed");
                (StatusCode::SERVICE_UNAVAILABLE, "page unavailable").into_response()
            }
        }
    }
}

/// Any serialisable value for a template context.
pub fn ser<T: serde::Serialize>(value: T) -> Value {
    Value::from(minijinja::value::Serde(value))
}
