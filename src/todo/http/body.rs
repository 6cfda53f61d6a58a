//! JSON request bodies, read in our own words.
//!
//! serde's messages ("missing field `title` at line 1 column 43", "invalid type: integer
//! `5`, expected a string") describe our structs, not our API. So a body is parsed into a
//! JSON value, and each request type reads its fields from it through [`Fields`], whose
//! every refusal names the field and says what it must be: `title: is required`,
//! `tags: must be a list of strings`, `colour_x: is not a field of this request (…)`.
//!
//! The [`JsonBody`] extractor never rejects: it keeps the outcome until the handler opens
//! it with [`JsonBody::parse`], after the authorization checks (see `access`).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::{Map, Value};

use super::ApiError;

/// A request type read from a JSON object.
pub trait FromJson: Sized {
    /// Every field the request may carry; any other is refused.
    const FIELDS: &'static [&'static str];

    fn from_fields(fields: &Fields<'_>) -> Result<Self, ApiError>;
}

/// The body of a request, parsed when the handler asks (see the module's doc).
pub struct JsonBody<T>(Result<T, ApiError>);

impl<T> JsonBody<T> {
    /// The request, or why its body is not acceptable (400, 413, 415 or 422).
    pub fn parse(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<S: Send + Sync, T: FromJson> FromRequest<S> for JsonBody<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(JsonBody(read(req, state).await))
    }
}

async fn read<S: Send + Sync, T: FromJson>(req: Request, state: &S) -> Result<T, ApiError> {
    if !is_json(req.headers().get(header::CONTENT_TYPE)) {
        return Err(ApiError::plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON, with Content-Type: application/json",
        ));
    }
    let too_large = || {
        ApiError::plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the body is larger than {} KiB",
                super::MAX_BODY_BYTES / 1024
            ),
        )
    };
    let bytes = Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::bad_request("the body could not be read")
        }
    })?;
    // A route that takes uploads reads more (see `router`); its JSON is held to the limit.
    if bytes.len() > super::MAX_BODY_BYTES {
        return Err(too_large());
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| malformed(&e, &bytes))?;
    let fields = Fields::of(&value, T::FIELDS)?;
    T::from_fields(&fields)
}

/// `application/json`, or any `application/…+json`, with or without parameters.
fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(essence) = content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
    else {
        return false;
    };
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// A syntax error, with where it is (the position is ours to give; the wording is ours).
fn malformed(e: &serde_json::Error, bytes: &[u8]) -> ApiError {
    let message = if bytes.iter().all(u8::is_ascii_whitespace) {
        "the body is empty: send a JSON object".to_owned()
    } else if e.is_eof() {
        format!(
            "the body ends before its JSON does (line {}, column {})",
            e.line(),
            e.column()
        )
    } else {
        format!(
            "the body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    };
    ApiError::plain(StatusCode::BAD_REQUEST, "malformed_json", message)
}

/// The fields of a JSON object body, each read as the type it must have. `null` reads as
/// absent, except where [`Fields::nullable_string`] tells the two apart.
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// The object's fields, if `value` is an object holding only fields in `known`.
    fn of(value: &'a Value, known: &[&str]) -> Result<Self, ApiError> {
        let Value::Object(map) = value else {
            return Err(ApiError::field(
                "body",
                "body: must be a JSON object, like {\"title\": \"…\"}",
            ));
        };
        if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
            // Echo at most a short prefix of a name the caller made up.
            let name: String = unknown.chars().take(50).collect();
            return Err(ApiError::field(
                name.clone(),
                format!(
                    "{name}: is not a field of this request (its fields: {})",
                    known.join(", ")
                ),
            ));
        }
        Ok(Self { map })
    }

    fn present(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// A string that must be there.
    pub fn string(&self, name: &'static str) -> Result<String, ApiError> {
        self.opt_string(name)?
            .ok_or_else(|| wrong(name, "is required"))
    }

    pub fn opt_string(&self, name: &'static str) -> Result<Option<String>, ApiError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(wrong(name, "must be a string")),
        }
    }

    /// Absent (`None`), `null` (`Some(None)`, e.g. "clear the end date"), or a string.
    pub fn nullable_string(&self, name: &'static str) -> Result<Option<Option<String>>, ApiError> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err(wrong(name, "must be a string or null")),
        }
    }

    pub fn opt_bool(&self, name: &'static str) -> Result<Option<bool>, ApiError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong(name, "must be true or false")),
        }
    }

    pub fn opt_strings(&self, name: &'static str) -> Result<Option<Vec<String>>, ApiError> {
        let Some(value) = self.present(name) else {
            return Ok(None);
        };
        let list = value
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| wrong(name, "must be a list of strings"))?;
        Ok(Some(list))
    }

    /// A field whose shape the domain reads itself (a recurrence).
    pub fn opt_value(&self, name: &'static str) -> Option<&'a Value> {
        self.present(name)
    }
}

fn wrong(name: &'static str, what: &str) -> ApiError {
    ApiError::field(name, format!("{name}: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    struct Probe {
        title: String,
        end: Option<Option<String>>,
        tags: Option<Vec<String>>,
    }

    impl FromJson for Probe {
        const FIELDS: &'static [&'static str] = &["title", "end", "tags"];
        fn from_fields(f: &Fields<'_>) -> Result<Self, ApiError> {
            Ok(Probe {
                title: f.string("title")?,
                end: f.nullable_string("end")?,
                tags: f.opt_strings("tags")?,
            })
        }
    }

    fn probe(body: Value) -> Result<Probe, (String, String)> {
        Fields::of(&body, Probe::FIELDS)
            .and_then(|f| Probe::from_fields(&f))
            .map_err(|e| match e {
                ApiError::Plain { field, message, .. } => (field.unwrap_or_default(), message),
                other => panic!("{other:?}"),
            })
    }

    #[test]
    fn refusals_name_the_field_in_our_words() {
        let err = |body| probe(body).err().unwrap_or_default();
        assert_eq!(
            err(serde_json::json!({})),
            ("title".into(), "title: is required".into())
        );
        assert_eq!(
            err(serde_json::json!({"title": null})),
            ("title".into(), "title: is required".into())
        );
        assert_eq!(
            err(serde_json::json!({"title": 5})),
            ("title".into(), "title: must be a string".into())
        );
        assert_eq!(
            err(serde_json::json!({"title": "t", "tags": ["a", 1]})),
            ("tags".into(), "tags: must be a list of strings".into())
        );
        assert_eq!(
            err(serde_json::json!({"title": "t", "end": 3})),
            ("end".into(), "end: must be a string or null".into())
        );
        assert_eq!(
            err(serde_json::json!({"title": "t", "colour_x": 1})),
            (
                "colour_x".into(),
                "colour_x: is not a field of this request (its fields: title, end, tags)".into()
            )
        );
        assert_eq!(err(serde_json::json!([1])).0, "body");
        for (_, message) in [
            err(serde_json::json!({"title": 5})),
            err(serde_json::json!([])),
        ] {
            assert!(!message.contains("invalid type"), "{message}");
            assert!(!message.contains("line"), "{message}");
        }
    }

    #[test]
    fn null_is_absent_except_where_it_clears() {
        let p = probe(serde_json::json!({"title": "t", "end": null, "tags": null}))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(p.title, "t");
        assert_eq!(p.end, Some(None));
        assert_eq!(p.tags, None);
        let p = probe(serde_json::json!({"title": "t"})).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(p.end, None);
    }

    #[test]
    fn json_content_types() {
        let ct = |v: &'static str| is_json(Some(&HeaderValue::from_static(v)));
        assert!(ct("application/json"));
        assert!(ct("Application/JSON; charset=utf-8"));
        assert!(ct("application/merge-patch+json"));
        assert!(!ct("text/plain"));
        assert!(!ct("application/x-www-form-urlencoded"));
        assert!(!ct("application/jsonx"));
        assert!(!is_json(None));
    }

    #[test]
    fn syntax_errors_say_where_in_our_words() {
        let at = |raw: &str| match malformed(
            &serde_json::from_slice::<Value>(raw.as_bytes()).expect_err("malformed"),
            raw.as_bytes(),
        ) {
            ApiError::Plain { message, .. } => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            at("{\"title\": "),
            "the body ends before its JSON does (line 1, column 10)"
        );
        assert_eq!(
            at("{\"title\" 1}"),
            "the body is not valid JSON (line 1, column 10)"
        );
        assert_eq!(at("  "), "the body is empty: send a JSON object");
    }
}
