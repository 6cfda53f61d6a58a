//! CSRF: every form carries the session's random token (`csrf`), compared in constant
//! time. A page on another site can make the browser post a form, but cannot read ours
//! to learn the token. (SameSite=Lax on the cookie is a second line, not the only one.)

use subtle::ConstantTimeEq;

/// Whether `submitted` is the session's token.
pub fn matches(expected: &str, submitted: Option<&str>) -> bool {
    match submitted {
        Some(s) if !expected.is_empty() => {
            s.len() == expected.len() && bool::from(s.as_bytes().ct_eq(expected.as_bytes()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn only_the_exact_token_passes() {
        assert!(matches("abc", Some("abc")));
        assert!(!matches("abc", Some("abd")));
        assert!(!matches("abc", Some("ab")));
        assert!(!matches("abc", None));
        assert!(!matches("", Some("")));
    }
}
