//! Todos done per day, for the heatmaps: counted from a done log (`/api/courses/{id}/done`
//! or `/api/done`), page by page.

use std::collections::HashMap;

use time::Date;

use super::api::{ApiResult, Done, Page, TodoApi};
use super::zone::{format_date, parse_date};

/// Pages read at most (100 entries each): a year of a busy person's log.
const MAX_PAGES: usize = 40;

pub struct Activity {
    pub counts: HashMap<Date, u32>,
    pub total: u32,
}

pub async fn from_done_log(
    api: &TodoApi,
    token: &str,
    path: &str,
    from: Date,
    to: Date,
) -> ApiResult<Activity> {
    let (from, to) = (format_date(from), format_date(to));
    let mut counts = HashMap::new();
    let mut total = 0;
    let mut offset = 0i64;
    for _ in 0..MAX_PAGES {
        let offset_text = offset.to_string();
        let page: Page<Done> = api
            .get(
                token,
                path,
                &[
                    ("from", &from),
                    ("to", &to),
                    ("limit", "100"),
                    ("offset", &offset_text),
                ],
            )
            .await?;
        for done in &page.items {
            if let Some(day) = parse_date(&done.date) {
                *counts.entry(day).or_insert(0) += 1;
                total += 1;
            }
        }
        match page.next_offset {
            Some(next) if next > offset => offset = next,
            _ => break,
        }
    }
    Ok(Activity { counts, total })
}
