//! The person's "today": a UTC offset (what the todo API takes as `tz`), chosen on the
//! page and kept in the session, and the date it is at that offset.

use time::{Date, OffsetDateTime};

/// A UTC offset, `-18:00` to `+18:00`, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcOffset(i32);

impl UtcOffset {
    pub const UTC: UtcOffset = UtcOffset(0);

    /// `+09:00`, `-05:30`, `+0545`, `Z` or `UTC`.
    pub fn parse(s: &str) -> Option<UtcOffset> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
            return Some(UtcOffset(0));
        }
        let (sign, rest) = match s.as_bytes().first()? {
            b'+' => (1, &s[1..]),
            b'-' => (-1, &s[1..]),
            _ => return None,
        };
        let digits: String = rest.chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if rest.contains(':') && rest.find(':') != Some(2) {
            return None;
        }
        let hours: i32 = digits[..2].parse().ok()?;
        let minutes: i32 = digits[2..].parse().ok()?;
        if minutes >= 60 || hours * 60 + minutes > 18 * 60 {
            return None;
        }
        Some(UtcOffset(sign * (hours * 60 + minutes)))
    }

    /// `+09:00` (the form the todo API and the page's picker use).
    pub fn as_string(self) -> String {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let m = self.0.abs();
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    }

    /// The date at this offset at Unix time `now`.
    pub fn today(self, now: i64) -> Date {
        let at = now.saturating_add(i64::from(self.0) * 60);
        OffsetDateTime::from_unix_timestamp(at)
            .map(|t| t.date())
            .unwrap_or(Date::MIN)
    }

    /// The offsets the picker offers: every whole and half hour in use, plus the quarters.
    pub fn choices() -> Vec<String> {
        let mut minutes: Vec<i32> = (-12..=14).map(|h| h * 60).collect();
        minutes.extend([-570, -210, 210, 270, 330, 345, 390, 525, 570, 630, 765]);
        minutes.sort_unstable();
        minutes
            .into_iter()
            .map(|m| UtcOffset(m).as_string())
            .collect()
    }
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

pub fn format_date(d: Date) -> String {
    d.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_in_the_api_s_forms_and_nothing_else() {
        assert_eq!(
            UtcOffset::parse("+09:00").map(|o| o.as_string()).as_deref(),
            Some("+09:00")
        );
        assert_eq!(
            UtcOffset::parse("-0530").map(|o| o.as_string()).as_deref(),
            Some("-05:30")
        );
        assert_eq!(UtcOffset::parse("Z"), Some(UtcOffset(0)));
        for bad in [
            "",
            "9",
            "+9",
            "+19:00",
            "+09:60",
            "Asia/Seoul",
            "+0:900",
            "++09:00",
        ] {
            assert_eq!(UtcOffset::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn today_depends_on_the_offset() {
        // 2026-01-01T20:00:00Z
        let now = 1_767_297_600;
        assert_eq!(format_date(UtcOffset(0).today(now)), "2026-01-01");
        assert_eq!(format_date(UtcOffset(9 * 60).today(now)), "2026-01-02");
        assert_eq!(format_date(UtcOffset(-5 * 60).today(now)), "2026-01-01");
        assert!(UtcOffset::choices().contains(&"+05:45".to_owned()));
    }
}
