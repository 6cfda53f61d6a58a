//! The caller's time zone, to know which day "today" is for them.
//!
//! A fixed UTC offset (`+09:00`, `-05:30`, `Z`, `UTC`): the `time` crate knows no IANA
//! zone database, and a named zone (`Asia/Tokyo`) would need a new dependency. A client
//! knows its current offset (JavaScript: `-new Date().getTimezoneOffset()`), which is all
//! that is needed to name today's date; names are refused with a message that says so.

use time::{OffsetDateTime, UtcOffset};

use super::{Day, FieldError};

/// A fixed offset from UTC, at most ±18:00 (the widest any standard allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(UtcOffset);

/// UTC, for callers who name no zone.
impl Default for Zone {
    fn default() -> Self {
        Zone(UtcOffset::UTC)
    }
}

impl Zone {
    const MAX_MINUTES: i32 = 18 * 60;

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        if raw.eq_ignore_ascii_case("utc") || raw.eq_ignore_ascii_case("z") {
            return Ok(Zone(UtcOffset::UTC));
        }
        let bad = || {
            let named = raw.contains('/')
                || (!raw.is_empty() && raw.chars().all(|c| c.is_ascii_alphabetic()));
            let message = if named {
                "zone names are not supported: give the UTC offset, like +09:00 or -05:30"
            } else {
                "must be a UTC offset like +09:00, -05:30, Z or UTC"
            };
            FieldError::new(field, message)
        };
        let (sign, rest) = match raw.as_bytes().first() {
            Some(b'+') => (1, &raw[1..]),
            Some(b'-') => (-1, &raw[1..]),
            _ => return Err(bad()),
        };
        // Byte positions below are character positions only in ASCII.
        if !rest.is_ascii() {
            return Err(bad());
        }
        let (hours, minutes) = match (rest.len(), rest.split_once(':')) {
            (5, Some((h, m))) => (h, m),
            (4, None) => rest.split_at(2),
            (2, None) => (rest, "00"),
            _ => return Err(bad()),
        };
        let digits = |s: &str| {
            (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<i32>().ok())
                .flatten()
        };
        let (Some(h), Some(m)) = (digits(hours), digits(minutes)) else {
            return Err(bad());
        };
        let total = h * 60 + m;
        if m >= 60 || total > Self::MAX_MINUTES {
            return Err(FieldError::new(
                field,
                "must be a UTC offset between -18:00 and +18:00",
            ));
        }
        UtcOffset::from_whole_seconds(sign * total * 60)
            .map(Zone)
            .map_err(|_| bad())
    }

    /// The date in this zone at `unix_secs` (UTC if the time is out of range).
    pub fn today(self, unix_secs: i64) -> Day {
        let now =
            OffsetDateTime::from_unix_timestamp(unix_secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Day(now.to_offset(self.0).date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(raw: &str) -> Result<i32, &'static str> {
        Zone::parse("tz", raw)
            .map(|z| z.0.whole_seconds() / 60)
            .map_err(|e| {
                if e.message.contains("names") {
                    "name"
                } else {
                    "bad"
                }
            })
    }

    #[test]
    fn offsets_parse_and_names_are_refused_with_a_hint() {
        assert_eq!(offset("UTC"), Ok(0));
        assert_eq!(offset("z"), Ok(0));
        assert_eq!(offset("+09:00"), Ok(540));
        assert_eq!(offset("-05:30"), Ok(-330));
        assert_eq!(offset("+0545"), Ok(345));
        assert_eq!(offset("-03"), Ok(-180));
        assert_eq!(offset("+18:00"), Ok(1080));
        assert_eq!(offset("Asia/Tokyo"), Err("name"));
        assert_eq!(offset("EST"), Err("name"));
        for bad in [
            "",
            "+",
            "+9",
            "+9:00",
            "+09:60",
            "+18:01",
            "+24:00",
            "09:00",
            "+09:0x",
            "+٠٩:00",
            "+09:00:00",
            "−09:00",
            "+1é1",
            "+é:00",
        ] {
            assert_eq!(offset(bad), Err("bad"), "{bad:?}");
        }
    }

    #[test]
    fn today_depends_on_the_zone() {
        // 2026-01-05 23:30 UTC.
        let t = 1_767_655_800;
        let day = |raw| Zone::parse("tz", raw).map(|z| z.today(t).to_string());
        assert_eq!(day("UTC"), Ok("2026-01-05".to_owned()));
        assert_eq!(day("+09:00"), Ok("2026-01-06".to_owned()));
        assert_eq!(day("-12:00"), Ok("2026-01-05".to_owned()));
        assert_eq!(Zone::default().today(i64::MAX).to_string(), "1970-01-01");
    }
}
