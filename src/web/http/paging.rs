//! Lists longer than one page (Today, My courses, Explore): the API gives `next_offset`;
//! the page links to the previous and next slices instead of silently cutting the list.

/// Items per page of Today and My courses.
pub const LIST_PAGE: i64 = 50;

/// The `offset` query parameter: a whole number, 0 when absent or unreadable, capped.
pub fn offset_of(raw: Option<&str>) -> i64 {
    raw.and_then(|o| o.trim().parse::<i64>().ok())
        .unwrap_or(0)
        .clamp(0, 1_000_000)
}

/// `path` (which may carry a query already) showing the slice from `offset`.
pub fn at_offset(path: &str, offset: i64) -> String {
    if offset <= 0 {
        return path.to_owned();
    }
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}offset={offset}")
}

/// Links to the previous and the next slice of `path`, when there are such slices.
pub fn links(
    path: &str,
    offset: i64,
    per_page: i64,
    next_offset: Option<i64>,
) -> (Option<String>, Option<String>) {
    let previous = (offset > 0).then(|| at_offset(path, (offset - per_page).max(0)));
    let next = next_offset.map(|n| at_offset(path, n));
    (previous, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_read_safely_and_links_keep_the_query() {
        assert_eq!(offset_of(None), 0);
        assert_eq!(offset_of(Some("x")), 0);
        assert_eq!(offset_of(Some("-5")), 0);
        assert_eq!(offset_of(Some("50")), 50);
        assert_eq!(offset_of(Some("99999999999")), 1_000_000);
        assert_eq!(links("/courses", 0, 50, None), (None, None));
        assert_eq!(
            links("/courses", 0, 50, Some(50)),
            (None, Some("/courses?offset=50".into()))
        );
        assert_eq!(
            links("/today?date=2026-11-30", 50, 50, Some(100)),
            (
                Some("/today?date=2026-11-30".into()),
                Some("/today?date=2026-11-30&offset=100".into())
            )
        );
        assert_eq!(
            links("/courses", 30, 50, None),
            (Some("/courses".into()), None)
        );
    }
}
