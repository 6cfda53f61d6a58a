//! When a todo is due: once, on some days of the week, or every N days.

use serde::{Deserialize, Serialize};
use time::Date;

use super::{Day, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    fn of(date: Date) -> Self {
        Self::ALL[usize::from(date.weekday().number_days_from_monday())]
    }

    fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == raw)
    }
}

/// On the wire: `{"type":"once"}`, `{"type":"weekly","days":["mon","thu"]}`,
/// `{"type":"every","days":3}`. In the database: `once`, `weekly:mon,thu`, `every:3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Recurrence {
    Once,
    Weekly { days: Vec<Weekday> },
    Every { days: u16 },
}

impl Recurrence {
    pub const MAX_EVERY: u16 = 366;

    /// The wire shape (`{"type": "weekly", "days": ["mon"]}`, …), every refusal naming the
    /// field `recurrence`.
    pub fn parse(input: &serde_json::Value) -> Result<Self, FieldError> {
        let bad = |m: &str| FieldError::new("recurrence", m.to_owned());
        let Some(fields) = input.as_object() else {
            return Err(bad(
                "must be an object like {\"type\": \"weekly\", \"days\": [\"mon\"]}",
            ));
        };
        if let Some(other) = fields.keys().find(|k| *k != "type" && *k != "days") {
            let other: String = other.chars().take(50).collect();
            return Err(bad(&format!(
                "`{other}` is not part of a recurrence (type, days)"
            )));
        }
        let days = fields.get("days");
        match fields
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
        {
            "once" => Ok(Recurrence::Once),
            "weekly" => {
                let days = days
                    .and_then(|v| v.as_array())
                    .ok_or_else(|| bad("weekly needs `days`: a list like [\"mon\",\"thu\"]"))?;
                let mut parsed = Vec::new();
                for d in days {
                    let day = d
                        .as_str()
                        .and_then(Weekday::parse)
                        .ok_or_else(|| bad("days are mon, tue, wed, thu, fri, sat, sun"))?;
                    parsed.push(day);
                }
                parsed.sort();
                parsed.dedup();
                if parsed.is_empty() {
                    return Err(bad("weekly needs at least one day"));
                }
                Ok(Recurrence::Weekly { days: parsed })
            }
            "every" => {
                let n = days
                    .and_then(|v| v.as_u64())
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|n| (1..=Self::MAX_EVERY).contains(n))
                    .ok_or_else(|| bad("every needs `days`: an integer from 1 to 366"))?;
                Ok(Recurrence::Every { days: n })
            }
            _ => Err(bad("type must be once, weekly or every")),
        }
    }

    pub fn to_db(&self) -> String {
        match self {
            Recurrence::Once => "once".to_owned(),
            Recurrence::Weekly { days } => {
                let names: Vec<&str> = days.iter().map(|d| d.as_str()).collect();
                format!("weekly:{}", names.join(","))
            }
            Recurrence::Every { days } => format!("every:{days}"),
        }
    }

    /// Rows written by this code always parse; anything else reads as `Once` rather
    /// than failing a whole listing.
    pub fn from_db(raw: &str) -> Self {
        if let Some(days) = raw.strip_prefix("weekly:") {
            let days: Vec<Weekday> = days.split(',').filter_map(Weekday::parse).collect();
            if !days.is_empty() {
                return Recurrence::Weekly { days };
            }
        }
        // `every:0` would be due never or always; it is unreadable, like any other junk.
        if let Some(n) = raw
            .strip_prefix("every:")
            .and_then(|n| n.parse().ok())
            .filter(|n| *n > 0)
        {
            return Recurrence::Every { days: n };
        }
        Recurrence::Once
    }

    /// In words, for messages: "once, on 2026-01-05", "weekly on mon, thu", "every 3 days
    /// from 2026-01-05".
    pub fn describe(&self, start: Day) -> String {
        match self {
            Recurrence::Once => format!("once, on {start}"),
            Recurrence::Weekly { days } => {
                let names: Vec<&str> = days.iter().map(|d| d.as_str()).collect();
                format!("weekly on {}", names.join(", "))
            }
            Recurrence::Every { days: 1 } => format!("every day from {start}"),
            Recurrence::Every { days } => format!("every {days} days from {start}"),
        }
    }

    /// Whether a todo active from `start` is due on `day`.
    pub fn due_on(&self, start: Day, day: Day) -> bool {
        if day < start {
            return false;
        }
        match self {
            Recurrence::Once => day == start,
            Recurrence::Weekly { days } => days.contains(&Weekday::of(day.0)),
            // `checked_rem`: a hand-built `Every { days: 0 }` is due never, not a panic.
            Recurrence::Every { days } => {
                (day.0 - start.0).whole_days().checked_rem(i64::from(*days)) == Some(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse("d", s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn due_dates() {
        let start = day("2026-01-05"); // a Monday
        assert!(Recurrence::Once.due_on(start, start));
        assert!(!Recurrence::Once.due_on(start, day("2026-01-06")));
        let weekly = Recurrence::Weekly {
            days: vec![Weekday::Mon, Weekday::Thu],
        };
        assert!(weekly.due_on(start, day("2026-01-08")));
        assert!(!weekly.due_on(start, day("2026-01-07")));
        assert!(!weekly.due_on(start, day("2025-12-29")));
        let every = Recurrence::Every { days: 3 };
        assert!(every.due_on(start, day("2026-01-11")));
        assert!(!every.due_on(start, day("2026-01-10")));
    }

    #[test]
    fn db_round_trip() {
        for r in [
            Recurrence::Once,
            Recurrence::Weekly {
                days: vec![Weekday::Tue, Weekday::Sun],
            },
            Recurrence::Every { days: 7 },
        ] {
            assert_eq!(Recurrence::from_db(&r.to_db()), r);
        }
        // Found by the property tests: these once divided by zero.
        assert_eq!(Recurrence::from_db("every:0"), Recurrence::Once);
        let start = day("2026-01-05");
        assert!(!Recurrence::Every { days: 0 }.due_on(start, start));
    }
}
