//! Where to go back to after signing in: only a path on this site. Anything that a
//! browser could read as another origin (`//evil`, `/\evil`, `https://evil`, control
//! characters that browsers strip) is replaced by `/`, so the sign-in flow can never be
//! used as an open redirect.

/// `Some(path)` when `raw` is a relative path on this site, `None` otherwise.
pub fn checked(raw: &str) -> Option<&str> {
    let bytes = raw.as_bytes();
    if bytes.first() != Some(&b'/') || raw.len() > 2000 {
        return None;
    }
    // `//host` and `/\host` are scheme-relative URLs to browsers.
    if matches!(bytes.get(1), Some(b'/' | b'\\')) {
        return None;
    }
    // Browsers drop tabs and newlines inside URLs (`/\t/evil` becomes `//evil`), and a
    // backslash anywhere is turned into a slash by some of them.
    if raw.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    Some(raw)
}

/// The path to return to, `/` when `raw` is missing or not safe.
pub fn or_home(raw: Option<&str>) -> String {
    raw.and_then(checked).unwrap_or("/").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_paths_on_this_site() {
        for ok in [
            "/",
            "/today",
            "/courses/abc?x=1#top",
            "/explore?q=%2F%2Fevil",
        ] {
            assert_eq!(checked(ok), Some(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_everything_that_can_leave_the_site() {
        for bad in [
            "",
            "today",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/\n/evil.example",
            "/a\\b",
            " /today",
        ] {
            assert_eq!(checked(bad), None, "{bad:?}");
        }
        assert_eq!(or_home(Some("//evil")), "/");
        assert_eq!(or_home(None), "/");
        assert_eq!(or_home(Some("/today")), "/today");
    }
}
