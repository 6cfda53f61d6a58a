//! Form/query parameters as OAuth sees them: each at most once (RFC 6749 §3.1, §3.2).

use std::collections::HashMap;

#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
    duplicated: Vec<String>,
}

impl Params {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        let mut out = Params::default();
        for (k, v) in pairs {
            if out.map.contains_key(&k) {
                if !out.duplicated.contains(&k) {
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

    pub fn is_duplicated(&self, name: &str) -> bool {
        self.duplicated.iter().any(|d| d == name)
    }

    pub fn first_duplicate(&self) -> Option<&str> {
        self.duplicated.first().map(String::as_str)
    }
}
