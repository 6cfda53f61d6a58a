//! Form bodies as a list of pairs, so repeated fields (the weekdays of a weekly todo)
//! and the values to show again after an error are both at hand.

use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};

use super::errors::WebError;

#[derive(Debug, Default, Clone)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Trimmed, `""` when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().trim().to_owned()
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The values as a template sees them (`form.title`), for re-showing a form; the
    /// CSRF token is not among them.
    pub fn to_context(&self) -> Value {
        let mut map = Map::new();
        for (k, v) in &self.0 {
            if k != "csrf" && !map.contains_key(k) {
                map.insert(k.clone(), Value::String(v.clone()));
            }
        }
        for day in self.all("days") {
            map.insert(format!("day_{day}"), Value::Bool(true));
        }
        Value::Object(map)
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|_| WebError::BadRequest)?;
        Ok(Fields(pairs))
    }
}
