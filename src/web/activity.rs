//! Todos done per day, for the heatmaps: the todo API's activity endpoints
//! (`/api/courses/{id}/activity`, `/api/me/activity`), which count on the server.

use std::collections::HashMap;

use serde::Deserialize;
use time::Date;

use super::api::{ApiResult, TodoApi};
use super::zone::{format_date, parse_date};

#[derive(Deserialize)]
struct Day {
    date: String,
    count: u32,
}

#[derive(Deserialize)]
struct ActivityView {
    days: Vec<Day>,
}

/// Done entries per day from `from` to `to` (inclusive).
pub async fn counts(
    api: &TodoApi,
    token: &str,
    path: &str,
    from: Date,
    to: Date,
) -> ApiResult<HashMap<Date, u32>> {
    let (from, to) = (format_date(from), format_date(to));
    let view: ActivityView = api
        .get(token, path, &[("from", &from), ("to", &to)])
        .await?;
    Ok(view
        .days
        .into_iter()
        .filter_map(|d| parse_date(&d.date).map(|day| (day, d.count)))
        .collect())
}
