//! The todo service's hot statements (see [`crate::db::HotQuery`]): Today, a course page,
//! Explore's search in each order (with the viewer's likes), and the tags of a page of courses.

use super::courses::{
    COURSES_OF_COUNT, LIKED, Search, course_page_sql, courses_of_sql, search_sql, tags_of_sql,
};
use super::todos::{
    TODOS_COUNT, candidate_todos_sql, done_entries_on_sql, done_log_sql, todos_page_sql,
};
use crate::db::HotParam::{Int, Text};
use crate::db::{HotParam, HotQuery};
use crate::todo::domain::Sort;
use crate::todo::store::CourseFilter;

fn hot(name: &'static str, sql: String, params: Vec<HotParam>) -> HotQuery {
    HotQuery { name, sql, params }
}

/// A page of Explore is 20 courses.
const PAGE: usize = 20;

fn explore(sort: Sort, tag: Option<&str>) -> CourseFilter {
    CourseFilter {
        keyword: None,
        tag: tag.map(str::to_owned),
        sort,
        limit: PAGE as i64,
        offset: 0,
        viewer: Some("user_id".to_owned()),
    }
}

/// Every statement of the todo service's hot paths.
pub fn hot_queries() -> Vec<HotQuery> {
    let mut list = vec![
        hot(
            "today_candidate_todos",
            candidate_todos_sql(),
            vec![Text("owner"), Text("day")],
        ),
        hot(
            "today_done_entries",
            done_entries_on_sql(),
            vec![Text("owner"), Text("day")],
        ),
        hot("course_page", course_page_sql(), vec![Text("course_id")]),
        hot(
            "course_todos",
            todos_page_sql(),
            vec![Text("course_id"), Int(50), Int(0)],
        ),
        hot(
            "course_todos_count",
            TODOS_COUNT.to_owned(),
            vec![Text("course_id")],
        ),
        hot(
            "my_courses",
            courses_of_sql(),
            vec![Text("owner"), Int(50), Int(0)],
        ),
        hot(
            "my_courses_count",
            COURSES_OF_COUNT.to_owned(),
            vec![Text("owner")],
        ),
        hot(
            "liked",
            LIKED.to_owned(),
            vec![Text("course_id"), Text("user_id")],
        ),
        hot(
            "tags_of_page",
            tags_of_sql(PAGE),
            std::iter::repeat_n(Text("course_id"), PAGE).collect(),
        ),
    ];
    for (column, name, who) in [
        ("course_id", "course_done_log", "course_id"),
        ("owner", "my_done_log", "owner"),
    ] {
        let (page, count) = done_log_sql(column);
        let range = [Text(who), Text("day_from"), Text("day")];
        let mut page_params = range.to_vec();
        page_params.extend([Int(50), Int(0)]);
        list.push(hot(name, page, page_params));
        list.push(hot(
            if column == "owner" {
                "my_done_log_count"
            } else {
                "course_done_log_count"
            },
            count,
            range.to_vec(),
        ));
    }
    for (sort, name) in [
        (Sort::Likes, "search_by_likes"),
        (Sort::Forks, "search_by_forks"),
        (Sort::Recent, "search_recent"),
    ] {
        let Search { page, count, .. } = search_sql(&explore(sort, None));
        // One row past the page: it tells whether the count is needed.
        list.push(hot(
            name,
            page,
            vec![Text("user_id"), Int(PAGE as i64 + 1), Int(0)],
        ));
        // The capped count does not depend on the order: once is enough.
        if sort == Sort::Recent {
            list.push(hot("search_count", count, vec![]));
        }
    }
    // A tag's page (Explore's tag links).
    let Search { page, count, .. } = search_sql(&explore(Sort::Recent, Some("tag")));
    list.push(hot(
        "search_tag_recent",
        page,
        vec![Text("tag"), Text("user_id"), Int(PAGE as i64 + 1), Int(0)],
    ));
    list.push(hot("search_tag_count", count, vec![Text("tag")]));
    list
}
