//! The done history as a calendar heatmap, GitHub-contribution style: one column per week
//! (Sunday at the top), one square per day, darker for more todos done. Rendered on the
//! server as inline SVG; colours come from the stylesheet (classes `l0`..`l4`), so the
//! picture follows the light/dark theme, and each square has a `<title>` for people who
//! hover or use a screen reader.

use std::collections::HashMap;
use std::fmt::Write;

use time::{Date, Duration, Month, Weekday};

use super::zone::format_date;

const CELL: i64 = 11;
const GAP: i64 = 2;
const LEFT: i64 = 28;
const TOP: i64 = 16;
/// Columns a month's name needs above the grid ("Nov", "11월" at the label's font size
/// take under 3 × 13 px): a name closer than this to the next one, or to the right edge,
/// would overlap it or be cut.
const LABEL_WEEKS: i64 = 3;

/// Days shown: 53 weeks back from `last`, starting on a Sunday.
pub fn first_day(last: Date) -> Date {
    let start = last - Duration::days(364);
    start - Duration::days(i64::from(start.weekday().number_days_from_sunday()))
}

/// The month names above the grid: (week column, month), one where a month's first Sunday
/// column is, except where a name would not fit: the first column's month when the next
/// month begins less than [`LABEL_WEEKS`] columns later (its few days keep no name, as the
/// next name would overlap it), and a month that begins in the last columns.
fn month_labels(first: Date, last: Date) -> Vec<(i64, Month)> {
    let weeks = (last - first).whole_days() / 7 + 1;
    let mut starts: Vec<(i64, Month)> = Vec::new();
    for week in 0..weeks {
        let sunday = first + Duration::days(week * 7);
        if starts.last().is_none_or(|(_, m)| *m != sunday.month()) {
            starts.push((week, sunday.month()));
        }
    }
    let mut labels: Vec<(i64, Month)> = Vec::with_capacity(starts.len());
    for (i, &(week, month)) in starts.iter().enumerate() {
        let next = starts.get(i + 1).map_or(weeks, |(w, _)| *w);
        let crowded_first = i == 0 && next - week < LABEL_WEEKS && next < weeks;
        let cut_at_edge = weeks - week < LABEL_WEEKS;
        if !crowded_first && !cut_at_edge {
            labels.push((week, month));
        }
    }
    labels
}

/// 0 for nothing done, else 1..=4 relative to the busiest day (so one todo a day still
/// shows, and a busy day is the darkest).
fn level(count: u32, max: u32) -> u8 {
    if count == 0 || max == 0 {
        return 0;
    }
    let quarter = (count * 4).div_ceil(max);
    quarter.clamp(1, 4) as u8
}

/// The SVG for the days from [`first_day`]`(last)` to `last`, with `counts` by date.
/// `label` is the picture's accessible name; `month_names` are the 12 column headers.
pub fn render(
    last: Date,
    counts: &HashMap<Date, u32>,
    label: &str,
    month_names: &[&str; 12],
) -> String {
    let first = first_day(last);
    let max = counts
        .iter()
        .filter(|(d, _)| **d >= first && **d <= last)
        .map(|(_, c)| *c)
        .max()
        .unwrap_or(0);
    let weeks = (last - first).whole_days() / 7 + 1;
    let width = LEFT + weeks * (CELL + GAP);
    let height = TOP + 7 * (CELL + GAP);
    let mut svg = String::with_capacity(40_000);
    let _ = write!(
        svg,
        r#"<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{}">"#,
        escape(label)
    );
    for (week, month) in month_labels(first, last) {
        let x = LEFT + week * (CELL + GAP);
        let name = month_names[usize::from(u8::from(month)) - 1];
        let _ = write!(
            svg,
            r#"<text x="{x}" y="10" class="hm-label">{}</text>"#,
            escape(name)
        );
    }
    let mut day = first;
    while day <= last {
        let week = (day - first).whole_days() / 7;
        let row = i64::from(day.weekday().number_days_from_sunday());
        let x = LEFT + week * (CELL + GAP);
        let y = TOP + row * (CELL + GAP);
        let count = counts.get(&day).copied().unwrap_or(0);
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" class="l{}"><title>{}: {count}</title></rect>"#,
            level(count, max),
            format_date(day)
        );
        day = day.next_day().unwrap_or(Date::MAX);
        if day == Date::MAX {
            break;
        }
    }
    for (row, weekday) in [
        (1, Weekday::Monday),
        (3, Weekday::Wednesday),
        (5, Weekday::Friday),
    ] {
        let y = TOP + row * (CELL + GAP) + CELL - 2;
        let _ = write!(
            svg,
            r#"<text x="0" y="{y}" class="hm-label">{}</text>"#,
            &format!("{weekday:?}")[..3]
        );
    }
    svg.push_str("</svg>");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];

    #[test]
    fn the_grid_starts_on_a_sunday_and_covers_a_year() {
        let last = date!(2026 - 11 - 30); // a Monday
        let first = first_day(last);
        assert_eq!(first.weekday(), Weekday::Sunday);
        assert!((last - first).whole_days() >= 364 && (last - first).whole_days() < 371);
        let svg = render(last, &HashMap::new(), "x", &MONTHS);
        let days = (last - first).whole_days() + 1;
        assert_eq!(svg.matches("<rect").count() as i64, days);
        assert_eq!(svg.matches("class=\"l0\"").count() as i64, days);
    }

    #[test]
    fn busier_days_are_darker_and_each_day_is_titled() {
        let last = date!(2026 - 11 - 30);
        let counts = HashMap::from([
            (date!(2026 - 11 - 29), 1),
            (date!(2026 - 11 - 30), 4),
            (date!(2026 - 11 - 28), 2),
            // Outside the picture: neither drawn nor counted in the scale.
            (date!(2020 - 01 - 01), 100),
        ]);
        let svg = render(last, &counts, "Done <history>", &MONTHS);
        assert!(
            svg.contains(r#"class="l4"><title>2026-11-30: 4</title>"#),
            "{svg}"
        );
        assert!(svg.contains(r#"class="l1"><title>2026-11-29: 1</title>"#));
        assert!(svg.contains(r#"class="l2"><title>2026-11-28: 2</title>"#));
        assert!(svg.contains(r#"aria-label="Done &lt;history&gt;""#));
        assert!(!svg.contains("2020-01-01"));
        assert!(svg.contains(">Nov</text>"));
    }

    #[test]
    fn month_names_never_crowd_each_other_or_the_edge() {
        // Every day of 2026 and 2027 as the last day: every start weekday and month length.
        let mut last = date!(2026 - 01 - 01);
        while last <= date!(2027 - 12 - 31) {
            let first = first_day(last);
            let weeks = (last - first).whole_days() / 7 + 1;
            let labels = month_labels(first, last);
            assert!(labels.len() >= 11, "{last}: {labels:?}");
            for pair in labels.windows(2) {
                assert!(pair[1].0 - pair[0].0 >= LABEL_WEEKS, "{last}: {labels:?}");
            }
            for (week, month) in &labels {
                assert!(weeks - week >= LABEL_WEEKS, "{last}: cut at the edge");
                // The name stands over a column whose Sunday is in that month.
                let sunday = first + Duration::days(week * 7);
                assert_eq!(sunday.month(), *month, "{last}");
            }
            last = last.next_day().expect("date");
        }
    }

    #[test]
    fn a_first_column_of_a_month_s_last_days_keeps_no_name() {
        // 2026-11-30: the grid starts on Sunday 2025-11-30; December starts one column on.
        let last = date!(2026 - 11 - 30);
        let labels = month_labels(first_day(last), last);
        assert_eq!(labels.first(), Some(&(1, Month::December)), "{labels:?}");
        let svg = render(last, &HashMap::new(), "x", &MONTHS);
        let x_of = |name: &str| {
            let end = svg.find(&format!(">{name}</text>")).expect(name);
            let start = svg[..end].rfind("x=\"").expect("x") + 3;
            svg[start..end]
                .split('"')
                .next()
                .expect("x")
                .parse::<i64>()
                .expect("number")
        };
        assert_eq!(x_of("Dec"), LEFT + (CELL + GAP));
        assert_eq!(
            svg.matches(">Nov</text>").count(),
            1,
            "only the Nov of 2026"
        );
        assert!(x_of("Nov") - x_of("Oct") >= LABEL_WEEKS * (CELL + GAP));
    }

    #[test]
    fn levels_scale_to_the_busiest_day() {
        assert_eq!(level(0, 10), 0);
        assert_eq!(level(1, 10), 1);
        assert_eq!(level(5, 10), 2);
        assert_eq!(level(10, 10), 4);
        assert_eq!(level(1, 1), 4);
    }
}
