//! Form/query parameters as OAuth sees them: each at most once (RFC 6749 §3.1, §3.2),
//! except the few that the RFCs let repeat (RFC 8707 `resource`).

use std::collections::HashMap;

/// Parameters that may be sent more than once: each value is kept, in order.
const MULTI_VALUED: &[&str] = &["resource"];

#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
    duplicated: Vec<String>,
    /// Every value of each [`MULTI_VALUED`] parameter.
    multi: HashMap<String, Vec<String>>,
}

impl Params {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        let mut out = Params::default();
        for (k, v) in pairs {
            if MULTI_VALUED.contains(&k.as_str()) {
                out.multi.entry(k.clone()).or_default().push(v.clone());
            }
            if out.map.contains_key(&k) {
                if !out.duplicated.contains(&k) && !MULTI_VALUED.contains(&k.as_str()) {
                    out.duplicated.push(k);
                }
                continue;
            }
            out.map.insert(k, v);
        }
        out
    }

    /// A parameter with an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every value of a parameter that may repeat (`resource`), in order; empty when
    /// absent.
    pub fn get_all(&self, name: &str) -> &[String] {
        self.multi.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    /// A copy with `name` set to `value` unless it is already present.
    pub fn with_default(&self, name: &str, value: &str) -> Params {
        let mut out = self.clone();
        if out.get(name).is_none() {
            out.map.insert(name.to_owned(), value.to_owned());
        }
        out
    }

    pub fn is_duplicated(&self, name: &str) -> bool {
        self.duplicated.iter().any(|d| d == name)
    }

    pub fn first_duplicate(&self) -> Option<&str> {
        self.duplicated.first().map(String::as_str)
    }
}
