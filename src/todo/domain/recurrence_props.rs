//! Property tests of the recurrence and schedule rules: "is due" agrees with a brute-force
//! expansion of the due dates, the stored form round-trips, and nothing panics on any
//! input (any date the calendar holds, any stored text, any JSON).

use proptest::prelude::*;
use time::{Date, Duration};

use super::{Day, Recurrence, Schedule, Weekday};

const ALL_DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Any date `time` can represent.
fn any_day() -> impl Strategy<Value = Day> {
    (Date::MIN.to_julian_day()..=Date::MAX.to_julian_day())
        .prop_filter_map("in range", |j| Date::from_julian_day(j).ok().map(Day))
}

/// Dates where a real course lives (1900–2200), so windows around them stay in range.
fn plausible_day() -> impl Strategy<Value = Day> {
    let from = Date::from_calendar_date(1900, time::Month::January, 1).map(|d| d.to_julian_day());
    let to = Date::from_calendar_date(2200, time::Month::December, 31).map(|d| d.to_julian_day());
    (from.unwrap_or(0)..=to.unwrap_or(0))
        .prop_filter_map("in range", |j| Date::from_julian_day(j).ok().map(Day))
}

/// Every recurrence the API accepts.
fn valid_recurrence() -> impl Strategy<Value = Recurrence> {
    prop_oneof![
        Just(Recurrence::Once),
        proptest::sample::subsequence(ALL_DAYS.to_vec(), 1..=7)
            .prop_map(|days| Recurrence::Weekly { days }),
        (1..=Recurrence::MAX_EVERY).prop_map(|days| Recurrence::Every { days }),
    ]
}

/// Also values the API never makes (an empty week, every 0 days), as a hand-built value
/// or an old row might hold.
fn any_recurrence() -> impl Strategy<Value = Recurrence> {
    prop_oneof![
        valid_recurrence(),
        proptest::collection::vec(proptest::sample::select(ALL_DAYS.to_vec()), 0..10)
            .prop_map(|days| Recurrence::Weekly { days }),
        prop_oneof![Just(0), Just(u16::MAX), any::<u16>()]
            .prop_map(|days| Recurrence::Every { days }),
    ]
}

fn plus(day: Day, days: i64) -> Option<Day> {
    day.0.checked_add(Duration::days(days)).map(Day)
}

/// The due dates from `start` up to `until`, listed one by one, with the weekday
/// computed independently of `time`'s (the Julian day number 0 was a Monday).
fn brute_force_due(recurrence: &Recurrence, start: Day, until: Day) -> Vec<Day> {
    let mut due = Vec::new();
    match recurrence {
        Recurrence::Once => {
            if start <= until {
                due.push(start);
            }
        }
        Recurrence::Weekly { days } => {
            let mut d = start;
            while d <= until {
                let weekday = ALL_DAYS[d.0.to_julian_day().rem_euclid(7) as usize];
                if days.contains(&weekday) {
                    due.push(d);
                }
                match plus(d, 1) {
                    Some(next) => d = next,
                    None => break,
                }
            }
        }
        Recurrence::Every { days } => {
            let mut d = start;
            while d <= until {
                due.push(d);
                match plus(d, i64::from(*days)) {
                    Some(next) => d = next,
                    None => break,
                }
            }
        }
    }
    due
}

proptest! {
    // Failures found are kept as plain unit tests beside the code (see recurrence.rs),
    // not as seed files outside the source tree.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn due_on_agrees_with_brute_force_expansion(
        recurrence in valid_recurrence(),
        start in plausible_day(),
        offset in -60i64..1200,
    ) {
        let Some(day) = plus(start, offset) else { return Ok(()) };
        let expected = brute_force_due(&recurrence, start, day).last() == Some(&day);
        prop_assert_eq!(recurrence.due_on(start, day), expected, "{:?} from {} on {}", recurrence, start, day);
    }

    #[test]
    fn a_schedule_is_due_exactly_inside_every_bound(
        recurrence in valid_recurrence(),
        active in plausible_day(),
        course_start_offset in -400i64..400,
        course_length in proptest::option::of(0i64..800),
        offset in -500i64..1200,
    ) {
        let (Some(course_start), Some(day)) = (plus(active, course_start_offset), plus(active, offset)) else {
            return Ok(());
        };
        let course_end = course_length.and_then(|n| plus(course_start, n));
        let schedule = Schedule { recurrence: &recurrence, active, course_start, course_end };
        let inside = day >= course_start && course_end.is_none_or(|end| day <= end) && day >= active;
        let expected = inside && brute_force_due(&recurrence, active, day).last() == Some(&day);
        prop_assert_eq!(schedule.is_due(day), expected);
        // The refusal names the first bound broken, in a fixed order.
        let rule = schedule.check(day).err().map(|e| e.rule());
        let expected_rule = if day < course_start {
            Some("before_course_start")
        } else if course_end.is_some_and(|end| day > end) {
            Some("after_course_end")
        } else if day < active {
            Some("before_active_date")
        } else if !expected {
            Some("not_scheduled")
        } else {
            None
        };
        prop_assert_eq!(rule, expected_rule);
    }

    #[test]
    fn nothing_panics_on_any_dates_or_values(
        recurrence in any_recurrence(),
        start in any_day(),
        day in any_day(),
        end in proptest::option::of(any_day()),
    ) {
        let _ = recurrence.due_on(start, day);
        let _ = recurrence.describe(start);
        let schedule = Schedule { recurrence: &recurrence, active: start, course_start: start, course_end: end };
        let _ = schedule.check(day).map_err(|e| (e.rule(), e.to_string()));
    }

    #[test]
    fn stored_text_never_panics_and_valid_values_round_trip(
        raw in prop_oneof![
            Just("every:0".to_owned()),
            Just("every:65535".to_owned()),
            Just("weekly:".to_owned()),
            "(once|weekly:|every:)?[a-z0-9,:-]{0,20}",
        ],
        any_text in ".*",
        recurrence in valid_recurrence(),
        start in any_day(),
        day in any_day(),
    ) {
        for text in [&raw, &any_text] {
            let _ = Recurrence::from_db(text).due_on(start, day);
        }
        prop_assert_eq!(Recurrence::from_db(&recurrence.to_db()), recurrence);
    }

    #[test]
    fn parsing_any_json_never_panics_and_accepted_values_round_trip(
        kind in prop_oneof![Just("once".to_owned()), Just("weekly".to_owned()), Just("every".to_owned()), ".{0,8}"],
        days in prop_oneof![
            Just(serde_json::Value::Null),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            proptest::collection::vec("[a-z]{0,4}", 0..9).prop_map(serde_json::Value::from),
        ],
    ) {
        let input = serde_json::json!({ "type": kind, "days": days });
        if let Ok(recurrence) = Recurrence::parse(&input) {
            prop_assert_eq!(Recurrence::from_db(&recurrence.to_db()), recurrence.clone());
            // What the API accepts, it also accepts back in its own output.
            let echoed = serde_json::to_value(&recurrence).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(Recurrence::parse(&echoed), Ok(recurrence));
        }
    }
}
