//! When a todo is due, all rules together: its recurrence makes it due that day, it is
//! active by then, and its course runs that day. The one rule behind both `GET /api/today`
//! and marking a todo done, so a done entry can only exist where the todo was due.

use super::{Day, Recurrence};

/// What decides the days a todo is due.
#[derive(Debug, Clone, Copy)]
pub struct Schedule<'a> {
    pub recurrence: &'a Recurrence,
    /// The todo's `active_date`: the first day it can be due, and the day an
    /// every-N-days recurrence counts from.
    pub active: Day,
    pub course_start: Day,
    /// The course's last day, if it has one.
    pub course_end: Option<Day>,
}

/// Why a todo is not due on a day; each names the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotDue {
    #[error("{day} is before the course starts ({start})")]
    BeforeCourseStart { day: Day, start: Day },
    #[error("{day} is after the course ends ({end})")]
    AfterCourseEnd { day: Day, end: Day },
    #[error("{day} is before the todo's active_date ({active})")]
    BeforeActiveDate { day: Day, active: Day },
    #[error("the todo is not due on {day}: it is due {schedule}")]
    NotScheduled { day: Day, schedule: String },
}

impl NotDue {
    /// A stable, machine-readable name of the rule broken.
    pub fn rule(&self) -> &'static str {
        match self {
            NotDue::BeforeCourseStart { .. } => "before_course_start",
            NotDue::AfterCourseEnd { .. } => "after_course_end",
            NotDue::BeforeActiveDate { .. } => "before_active_date",
            NotDue::NotScheduled { .. } => "not_scheduled",
        }
    }
}

impl Schedule<'_> {
    /// Whether the todo is due on `day`, and if not, the first rule that says no (the
    /// course's run, then the active date, then the recurrence).
    pub fn check(&self, day: Day) -> Result<(), NotDue> {
        if day < self.course_start {
            return Err(NotDue::BeforeCourseStart {
                day,
                start: self.course_start,
            });
        }
        if let Some(end) = self.course_end.filter(|end| day > *end) {
            return Err(NotDue::AfterCourseEnd { day, end });
        }
        if day < self.active {
            return Err(NotDue::BeforeActiveDate {
                day,
                active: self.active,
            });
        }
        if self.recurrence.due_on(self.active, day) {
            Ok(())
        } else {
            Err(NotDue::NotScheduled {
                day,
                schedule: self.recurrence.describe(self.active),
            })
        }
    }

    pub fn is_due(&self, day: Day) -> bool {
        self.check(day).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::todo::domain::Weekday;

    fn day(s: &str) -> Day {
        Day::parse("d", s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn each_rule_is_named() {
        let weekly = Recurrence::Weekly {
            days: vec![Weekday::Mon, Weekday::Thu],
        };
        let schedule = Schedule {
            recurrence: &weekly,
            active: day("2026-01-05"),
            course_start: day("2026-01-01"),
            course_end: Some(day("2026-01-31")),
        };
        assert_eq!(schedule.check(day("2026-01-05")), Ok(()));
        assert_eq!(schedule.check(day("2026-01-29")), Ok(()));
        let rule = |d| schedule.check(day(d)).map_err(|e| e.rule());
        assert_eq!(rule("2025-12-29"), Err("before_course_start"));
        assert_eq!(rule("2026-02-02"), Err("after_course_end"));
        // 2026-01-01 is a Thursday, inside the course but before the todo is active.
        assert_eq!(rule("2026-01-01"), Err("before_active_date"));
        assert_eq!(rule("2026-01-06"), Err("not_scheduled"));
        let message = schedule.check(day("2026-01-06")).map_err(|e| e.to_string());
        assert_eq!(
            message,
            Err("the todo is not due on 2026-01-06: it is due weekly on mon, thu".to_owned())
        );
    }

    #[test]
    fn a_one_off_is_due_on_its_day_only_and_every_n_counts_from_the_active_date() {
        let once = Recurrence::Once;
        let schedule = Schedule {
            recurrence: &once,
            active: day("2026-01-10"),
            course_start: day("2026-01-01"),
            course_end: None,
        };
        assert!(schedule.is_due(day("2026-01-10")));
        assert!(!schedule.is_due(day("2026-01-11")));
        let every = Recurrence::Every { days: 3 };
        let schedule = Schedule {
            recurrence: &every,
            ..schedule
        };
        assert!(schedule.is_due(day("2026-01-13")));
        assert!(!schedule.is_due(day("2026-01-12")));
    }
}
