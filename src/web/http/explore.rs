//! Explore: public courses by keyword and tag, sorted by likes, forks or recency; the
//! pagination links keep the query.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::errors::WebError;
use super::{AppState, Member};
use crate::web::api::{Course, Page};

const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    sort: String,
    offset: Option<String>,
}

fn link(q: &str, tag: &str, sort: &str, offset: i64) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("q", q), ("tag", tag), ("sort", sort)] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    if offset > 0 {
        s.append_pair("offset", &offset.to_string());
    }
    format!("/explore?{}", s.finish())
}

pub async fn page(
    State(state): State<AppState>,
    member: Member,
    Query(search): Query<Search>,
) -> Result<Response, WebError> {
    let sort = match search.sort.as_str() {
        "likes" | "forks" => search.sort.as_str(),
        _ => "recent",
    };
    let q = search.q.trim();
    let tag = search.tag.trim().trim_start_matches('#');
    let offset = super::paging::offset_of(search.offset.as_deref());
    let per_page = PER_PAGE.to_string();
    let offset_text = offset.to_string();
    let mut query = vec![
        ("sort", sort),
        ("limit", per_page.as_str()),
        ("offset", offset_text.as_str()),
    ];
    if !q.is_empty() {
        query.push(("q", q));
    }
    if !tag.is_empty() {
        query.push(("tag", tag));
    }
    let results: Page<Course> = state
        .api
        .get(member.token(), "/api/courses/search", &query)
        .await?;
    let previous = (offset > 0).then(|| link(q, tag, sort, (offset - PER_PAGE).max(0)));
    let next = results.next_offset.map(|n| link(q, tag, sort, n));
    Ok(state.pages.render(
        StatusCode::OK,
        "explore.html",
        member.lang,
        minijinja::context! {
            nav => member.nav(),
            q, tag, sort,
            courses => super::pages::ser(&results.items),
            total => results.total,
            page_previous => previous, page_next => next,
        },
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn pagination_links_keep_the_query() {
        assert_eq!(
            super::link("run & walk", "", "likes", 20),
            "/explore?q=run+%26+walk&sort=likes&offset=20"
        );
        assert_eq!(
            super::link("", "health", "recent", 0),
            "/explore?tag=health&sort=recent"
        );
    }
}
