//! Templates (minijinja, HTML-escaped), compiled once at start.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};

use super::i18n::{self, Lang};

/// The fork mark beside fork counts and on the fork button: drawn, because the "⑂" glyph
/// is missing or misdrawn in common Korean fonts (Nanum). Decorative: the word says it.
const FORK_ICON: &str = r#"<svg class="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><g fill="none" stroke="currentColor" stroke-width="1.5"><circle cx="4" cy="3" r="1.75"/><circle cx="12" cy="3" r="1.75"/><circle cx="8" cy="13" r="1.75"/><path d="M4 4.75v1.5a2 2 0 0 0 2 2h4a2 2 0 0 0 2-2v-1.5M8 8.25v3"/></g></svg>"#;

pub struct Pages {
    env: Environment<'static>,
    /// The strings of each language as a template value, built once: converting the
    /// table on every render cost more than the rest of a small page.
    strings_en: Value,
    strings_ko: Value,
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
            "pager.html",
        ] {
            env.add_template(name, src)?;
        }
        env.add_global("fork_icon", Value::from_safe_string(FORK_ICON.to_owned()));
        Ok(Pages {
            env,
            strings_en: ser(i18n::table(Lang::En)),
            strings_ko: ser(i18n::table(Lang::Ko)),
        })
    }

    /// Renders `name` with `ctx` plus `lang` and `t` (the strings).
    pub fn render(&self, status: StatusCode, name: &str, lang: Lang, ctx: Value) -> Response {
        let strings = match lang {
            Lang::En => self.strings_en.clone(),
            Lang::Ko => self.strings_ko.clone(),
        };
        let full = minijinja::context! { lang => lang.code(), t => strings, ..ctx };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fork_mark_is_an_inline_icon_not_a_glyph() {
        for source in [
            include_str!("../templates/course.html"),
            include_str!("../templates/courses.html"),
            include_str!("../templates/explore.html"),
        ] {
            assert!(!source.contains('⑂'));
            assert!(source.contains("{{ fork_icon }}"));
        }
        let pages = Pages::new().expect("templates compile");
        let html = pages
            .env
            .render_str("{{ fork_icon }}", minijinja::context! {})
            .expect("renders");
        assert!(
            html.starts_with("<svg class=\"icon\"") && html.contains("aria-hidden=\"true\""),
            "rendered as markup, not escaped: {html}"
        );
    }
}
