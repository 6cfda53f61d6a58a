//! The date range of an activity (heatmap) query.

use time::Duration;

use super::{Day, FieldError};

/// `[from, to]`, both inclusive, at most [`ActivityRange::MAX_DAYS`] days long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityRange {
    pub from: Day,
    pub to: Day,
}

impl ActivityRange {
    /// A year of squares, as a contribution calendar draws it.
    pub const DEFAULT_DAYS: i64 = 365;
    /// Enough for a calendar that starts on the week's first day a year back, small
    /// enough that one query never counts years of history.
    pub const MAX_DAYS: i64 = 400;

    /// `to` defaults to `today`, `from` to [`Self::DEFAULT_DAYS`] days ending at `to`.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Day) -> Result<Self, FieldError> {
        let to = match to {
            Some(raw) => Day::parse("to", raw)?,
            None => today,
        };
        let from = match from {
            Some(raw) => Day::parse("from", raw)?,
            None => Day(to
                .0
                .checked_sub(Duration::days(Self::DEFAULT_DAYS - 1))
                .unwrap_or(time::Date::MIN)),
        };
        if to < from {
            return Err(FieldError::new("to", "must not be before from"));
        }
        let days = (to.0 - from.0).whole_days() + 1;
        if days > Self::MAX_DAYS {
            return Err(FieldError::new(
                "to",
                format!("the range may span at most {} days", Self::MAX_DAYS),
            ));
        }
        Ok(Self { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> Day {
        Day::parse("d", raw).expect("a date")
    }

    #[test]
    fn defaults_to_the_year_ending_today() {
        let r = ActivityRange::parse(None, None, day("2026-11-30")).expect("ok");
        assert_eq!((r.from, r.to), (day("2025-12-01"), day("2026-11-30")));
        let r = ActivityRange::parse(None, Some("2026-01-31"), day("2026-11-30")).expect("ok");
        assert_eq!(r.from, day("2025-02-01"));
    }

    #[test]
    fn at_most_400_days_and_in_order() {
        let today = day("2026-11-30");
        assert!(ActivityRange::parse(Some("2025-10-27"), Some("2026-11-30"), today).is_ok());
        let long = ActivityRange::parse(Some("2025-10-26"), Some("2026-11-30"), today);
        assert_eq!(long.map_err(|e| e.field), Err("to"));
        let backwards = ActivityRange::parse(Some("2026-02-01"), Some("2026-01-01"), today);
        assert_eq!(backwards.map_err(|e| e.field), Err("to"));
        let bad = ActivityRange::parse(Some("2026-02-30"), None, today);
        assert_eq!(bad.map_err(|e| e.field), Err("from"));
    }
}
