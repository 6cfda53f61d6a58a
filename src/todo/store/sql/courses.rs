//! Courses, their tags, likes and forks, in SQL.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, now_micros, sql};
use crate::todo::domain::{Sort, new_id};
use crate::todo::store::{
    CourseFilter, CoursePatch, CourseRow, CourseStore, Forked, LikeStore, NewCourse, Result,
    SearchResults, StoreError,
};

/// The columns of a [`CourseRow`], without its tags, over `courses c`.
macro_rules! course_columns {
    () => {
        "c.id, c.owner, c.title, c.explanation, c.colour, c.start_date, \
         c.end_date, c.is_public, c.forked_from, c.created_at, c.updated_at, \
         c.like_count, c.fork_count, \
         (SELECT p.display_name FROM profiles p WHERE p.user_id = c.owner) AS owner_name"
    };
}

const SELECT: &str = concat!("SELECT ", course_columns!(), " FROM courses c");

fn from_row(row: &AnyRow) -> std::result::Result<CourseRow, sqlx::Error> {
    Ok(CourseRow {
        id: row.try_get("id")?,
        owner: row.try_get("owner")?,
        title: row.try_get("title")?,
        explanation: row.try_get("explanation")?,
        colour: row.try_get("colour")?,
        start_date: row.try_get("start_date")?,
        end_date: row.try_get("end_date")?,
        is_public: row.try_get::<i64, _>("is_public")? != 0,
        forked_from: row.try_get("forked_from")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        like_count: row.try_get("like_count")?,
        fork_count: row.try_get("fork_count")?,
        owner_name: row.try_get("owner_name")?,
        tags: Vec::new(),
    })
}

/// `%` and `_` typed by a user are literal characters, not wildcards.
fn like_pattern(keyword: &str) -> String {
    let escaped = keyword
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

// Statements of the hot paths, built in one place so the query-plan test
// (`hot_queries.rs`) explains exactly what the store sends.

/// One course with its tags, in one query.
pub(super) fn course_page_sql() -> String {
    format!(
        "SELECT x.*, t.tag FROM ({SELECT} WHERE c.id = $1) x \
         LEFT JOIN course_tags t ON t.course_id = x.id ORDER BY t.tag"
    )
}

/// A person's own courses, newest first ($1 owner, $2 limit, $3 offset), and their number.
pub(super) fn courses_of_sql() -> String {
    format!("{SELECT} WHERE c.owner = $1 ORDER BY c.created_at DESC, c.id LIMIT $2 OFFSET $3")
}
pub(super) const COURSES_OF_COUNT: &str = "SELECT COUNT(*) AS n FROM courses WHERE owner = $1";

pub(super) const LIKED: &str = "SELECT 1 AS one FROM likes WHERE course_id = $1 AND user_id = $2";

/// The tags of `n` courses ($1…).
pub(super) fn tags_of_sql(n: usize) -> String {
    let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!(
        "SELECT course_id, tag FROM course_tags WHERE course_id IN ({}) ORDER BY tag",
        marks.join(", ")
    )
}

/// A search page: its statement, its capped count, and the text arguments both take first
/// (the page then takes the viewer, if the filter names one, then limit and offset).
///
/// One statement for the page: the courses with their owner's name, their tags and whether
/// the viewer likes each. A page used to take four (page, count, tags, likes), and on
/// SQLite each is a hop to a connection thread and back.
pub(super) struct Search {
    pub page: String,
    pub count: String,
    pub args: Vec<String>,
}

pub(super) fn search_sql(f: &CourseFilter) -> Search {
    let mut clauses = vec!["c.is_public = 1".to_owned()];
    let mut args: Vec<String> = Vec::new();
    if let Some(k) = &f.keyword {
        args.push(like_pattern(k));
        let n = args.len();
        clauses.push(format!(
            "(LOWER(c.title) LIKE ${n} ESCAPE '\\' OR LOWER(c.explanation) LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(t) = &f.tag {
        args.push(t.clone());
        let n = args.len();
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM course_tags t WHERE t.course_id = c.id AND t.tag = ${n})"
        ));
    }
    let filter = clauses.join(" AND ");
    let order = match f.sort {
        Sort::Likes => "like_count DESC, c.created_at DESC, c.id",
        Sort::Forks => "fork_count DESC, c.created_at DESC, c.id",
        Sort::Recent => "c.created_at DESC, c.id",
    };
    let mut n = args.len();
    // Tags hold no spaces (`Tags::parse_one`), so a space joins them unambiguously.
    // `string_agg` is PostgreSQL's and, since 3.44, SQLite's.
    let mut columns =
        ", (SELECT string_agg(t.tag, ' ') FROM course_tags t WHERE t.course_id = c.id) AS tag_list"
            .to_owned();
    if f.viewer.is_some() {
        n += 1;
        columns.push_str(&format!(
            ", (SELECT COUNT(*) FROM likes l WHERE l.course_id = c.id AND l.user_id = ${n}) AS liked"
        ));
    } else {
        columns.push_str(", 0 AS liked");
    }
    Search {
        page: format!(
            "SELECT {}{columns} FROM courses c WHERE {filter} ORDER BY {order} \
             LIMIT ${} OFFSET ${}",
            course_columns!(),
            n + 1,
            n + 2
        ),
        // Counted up to one past the cap: beyond it the exact number costs a scan of every
        // match and tells a person nothing a "10,000+" does not. With no keyword and no tag
        // nine courses in ten match, and PostgreSQL would read the table itself from its
        // start until the cap; in the recent index's order it counts the narrow index
        // entries instead (tests/e2e/query_plans.rs).
        count: format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM courses c WHERE {filter}{} LIMIT {}) m",
            if args.is_empty() {
                " ORDER BY c.created_at DESC, c.id"
            } else {
                ""
            },
            SEARCH_COUNT_CAP + 1
        ),
        args,
    }
}

#[async_trait]
impl CourseStore for SqlStore {
    async fn create_course(&self, c: NewCourse) -> Result<CourseRow> {
        let id = new_id();
        let now = now_micros();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO courses (id, owner, title, explanation, colour, start_date, end_date, \
             is_public, forked_from, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9)",
        )
        .bind(&id)
        .bind(&c.owner)
        .bind(&c.title)
        .bind(&c.explanation)
        .bind(&c.colour)
        .bind(&c.start_date)
        .bind(&c.end_date)
        .bind(i64::from(c.is_public))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for tag in &c.tags {
            sqlx::query("INSERT INTO course_tags (course_id, tag) VALUES ($1, $2)")
                .bind(&id)
                .bind(tag)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.course(&id).await?.ok_or(StoreError::Conflict)
    }

    /// One course with its tags, in one query: a course page is the hottest read, and on
    /// SQLite every query is a round trip to the connection's thread.
    async fn course(&self, id: &str) -> Result<Option<CourseRow>> {
        let rows = sqlx::query(sql(course_page_sql()))
            .bind(id)
            .fetch_all(&self.reads)
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let mut course = from_row(first)?;
        for row in &rows {
            if let Some(tag) = row.try_get::<Option<String>, _>("tag")? {
                course.tags.push(tag);
            }
        }
        Ok(Some(course))
    }

    async fn courses_of(
        &self,
        owner: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<CourseRow>, i64)> {
        let rows = sqlx::query(sql(courses_of_sql()))
            .bind(owner)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.reads)
            .await?;
        let total: i64 = sqlx::query(COURSES_OF_COUNT)
            .bind(owner)
            .fetch_one(&self.reads)
            .await?
            .try_get("n")?;
        Ok((self.finish(rows).await?, total))
    }

    /// One row past the page is fetched, so `total` needs its own count only when the
    /// matches go on beyond it.
    async fn search(&self, f: &CourseFilter) -> Result<SearchResults> {
        let Search {
            page: sql_text,
            count: count_sql,
            args,
        } = search_sql(f);
        let mut q = sqlx::query(sql(sql_text));
        for a in &args {
            q = q.bind(a);
        }
        if let Some(viewer) = &f.viewer {
            q = q.bind(viewer);
        }
        let rows = q
            .bind(f.limit.saturating_add(1))
            .bind(f.offset)
            .fetch_all(&self.reads)
            .await?;
        let limit = usize::try_from(f.limit).unwrap_or(0);
        let more = rows.len() > limit;
        let mut courses = Vec::with_capacity(rows.len());
        let mut liked = HashSet::new();
        for row in rows.iter().take(limit) {
            let mut course = from_row(row)?;
            if let Some(list) = row.try_get::<Option<String>, _>("tag_list")? {
                course.tags = list.split(' ').map(str::to_owned).collect();
                course.tags.sort_unstable();
            }
            if row.try_get::<i64, _>("liked")? > 0 {
                liked.insert(course.id.clone());
            }
            courses.push(course);
        }
        let total = if !more && (!courses.is_empty() || f.offset == 0) {
            f.offset.saturating_add(courses.len() as i64)
        } else {
            let mut cq = sqlx::query(sql(count_sql));
            for a in &args {
                cq = cq.bind(a);
            }
            cq.fetch_one(&self.reads).await?.try_get("n")?
        };
        Ok(SearchResults {
            courses,
            total,
            liked,
        })
    }

    async fn update_course(&self, id: &str, p: CoursePatch) -> Result<Option<CourseRow>> {
        let Some(cur) = self.course(id).await? else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE courses SET title = $1, explanation = $2, colour = $3, start_date = $4, \
             end_date = $5, is_public = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(p.title.unwrap_or(cur.title))
        .bind(p.explanation.unwrap_or(cur.explanation))
        .bind(p.colour.unwrap_or(cur.colour))
        .bind(p.start_date.unwrap_or(cur.start_date))
        .bind(p.end_date.unwrap_or(cur.end_date))
        .bind(i64::from(p.is_public.unwrap_or(cur.is_public)))
        .bind(now_micros())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(tags) = p.tags {
            sqlx::query("DELETE FROM course_tags WHERE course_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for tag in &tags {
                sqlx::query("INSERT INTO course_tags (course_id, tag) VALUES ($1, $2)")
                    .bind(id)
                    .bind(tag)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        self.course(id).await
    }

    async fn delete_course(&self, id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let origin: Option<String> = sqlx::query("SELECT forked_from FROM courses WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get::<Option<String>, _>("forked_from"))
            .transpose()?
            .flatten();
        for sql_text in [
            "DELETE FROM likes WHERE course_id = $1",
            "DELETE FROM photos WHERE course_id = $1",
            "DELETE FROM done_log WHERE course_id = $1",
            "DELETE FROM todos WHERE course_id = $1",
            "DELETE FROM course_tags WHERE course_id = $1",
            "DELETE FROM courses WHERE id = $1",
        ] {
            sqlx::query(sql_text).bind(id).execute(&mut *tx).await?;
        }
        if let Some(origin) = origin {
            recount_forks(&mut tx, &origin).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn fork(&self, original: &CourseRow, owner: &str) -> Result<Forked> {
        if let Some(existing) = self.fork_of(&original.id, owner).await? {
            return Ok(Forked::Existing(existing));
        }
        let id = fork_id(&original.id, owner);
        match self.copy_course(original, owner, &id).await {
            Ok(fork) => Ok(Forked::Created(fork)),
            // A concurrent twin of this request (a double click) inserted the same id first.
            Err(StoreError::Conflict) => self
                .course(&id)
                .await?
                .map(Forked::Existing)
                .ok_or(StoreError::Conflict),
            Err(e) => Err(e),
        }
    }
}

/// Searches count their matches up to this many (then `total` is one more, meaning "more").
pub const SEARCH_COUNT_CAP: i64 = 10_000;

/// Sets `original`'s `fork_count` (people with a fork of it) from the forks themselves:
/// forks are rare next to reads, and counting distinct owners cannot be kept by +1/-1.
pub(super) async fn recount_forks(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    original: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE courses SET fork_count = \
         (SELECT COUNT(DISTINCT f.owner) FROM courses f WHERE f.forked_from = $1) WHERE id = $1",
    )
    .bind(original)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The id of `owner`'s fork of `original`: derived from both, so the primary key itself
/// refuses a second copy even when two requests race (a name-based UUID: SHA-256,
/// truncated, as version 8).
fn fork_id(original: &str, owner: &str) -> String {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    for part in ["belf-fork", original, owner] {
        // Length-prefixed, so no two (original, owner) pairs hash the same input.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

impl SqlStore {
    /// `owner`'s oldest fork of `original`. Looked up by origin, not by [`fork_id`]: forks
    /// made before one-fork-per-person have random ids.
    async fn fork_of(&self, original: &str, owner: &str) -> Result<Option<CourseRow>> {
        let row = sqlx::query(
            "SELECT id FROM courses WHERE forked_from = $1 AND owner = $2 \
             ORDER BY created_at, id LIMIT 1",
        )
        .bind(original)
        .bind(owner)
        .fetch_optional(&self.reads)
        .await?;
        match row {
            Some(row) => self.course(&row.try_get::<String, _>("id")?).await,
            None => Ok(None),
        }
    }

    /// Copies `original`, its tags and its live todos into a new course `id` of `owner`;
    /// [`StoreError::Conflict`] if `id` is taken. The done log stays with the original.
    async fn copy_course(&self, original: &CourseRow, owner: &str, id: &str) -> Result<CourseRow> {
        let now = now_micros();
        let mut tx = self.pool.begin().await?;
        let copied = sqlx::query(
            "INSERT INTO courses (id, owner, title, explanation, colour, start_date, end_date, \
             is_public, forked_from, created_at, updated_at) \
             SELECT $1, $2, title, explanation, colour, start_date, end_date, is_public, id, $3, $3 \
             FROM courses WHERE id = $4",
        )
        .bind(id)
        .bind(owner)
        .bind(now)
        .bind(&original.id)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_insert)?;
        if copied.rows_affected() == 0 {
            // The original was deleted after the caller looked it up.
            return Err(StoreError::Gone);
        }
        recount_forks(&mut tx, &original.id).await?;
        sqlx::query(
            "INSERT INTO course_tags (course_id, tag) SELECT $1, tag FROM course_tags WHERE course_id = $2",
        )
        .bind(id)
        .bind(&original.id)
        .execute(&mut *tx)
        .await?;
        let todos = sqlx::query(
            "SELECT id FROM todos WHERE course_id = $1 AND deleted_at IS NULL ORDER BY created_at",
        )
        .bind(&original.id)
        .fetch_all(&mut *tx)
        .await?;
        for t in todos {
            let old: String = t.try_get("id")?;
            sqlx::query(
                "INSERT INTO todos (id, course_id, title, explanation, active_date, recurrence, \
                 deleted_at, created_at, updated_at) \
                 SELECT $1, $2, title, explanation, active_date, recurrence, NULL, $3, $3 \
                 FROM todos WHERE id = $4",
            )
            .bind(new_id())
            .bind(id)
            .bind(now)
            .bind(&old)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.course(id).await?.ok_or(StoreError::Conflict)
    }
}

#[async_trait]
impl LikeStore for SqlStore {
    async fn set_like(&self, course: &str, user: &str, liked: bool) -> Result<()> {
        // The row and the course's count change in one transaction, and the count moves
        // only when a row really came or went: a repeated like or unlike counts nothing.
        let mut tx = self.pool.begin().await?;
        let (changed, delta) = if liked {
            let r = sqlx::query(
                "INSERT INTO likes (course_id, user_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (course_id, user_id) DO NOTHING",
            )
            .bind(course)
            .bind(user)
            .bind(now_micros())
            .execute(&mut *tx)
            .await?;
            (r.rows_affected(), 1)
        } else {
            let r = sqlx::query("DELETE FROM likes WHERE course_id = $1 AND user_id = $2")
                .bind(course)
                .bind(user)
                .execute(&mut *tx)
                .await?;
            (r.rows_affected(), -1)
        };
        if changed > 0 {
            sqlx::query("UPDATE courses SET like_count = like_count + $1 WHERE id = $2")
                .bind(delta)
                .bind(course)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn liked(&self, course: &str, user: &str) -> Result<bool> {
        let row = sqlx::query(LIKED)
            .bind(course)
            .bind(user)
            .fetch_optional(&self.reads)
            .await?;
        Ok(row.is_some())
    }
}

impl SqlStore {
    async fn finish(&self, rows: Vec<AnyRow>) -> Result<Vec<CourseRow>> {
        let mut courses = rows
            .iter()
            .map(from_row)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        self.fill_tags(&mut courses).await?;
        Ok(courses)
    }

    async fn fill_tags(&self, courses: &mut [CourseRow]) -> Result<()> {
        if courses.is_empty() {
            return Ok(());
        }
        let mut q = sqlx::query(sql(tags_of_sql(courses.len())));
        for c in courses.iter() {
            q = q.bind(&c.id);
        }
        let mut by_course: HashMap<String, Vec<String>> = HashMap::new();
        for row in q.fetch_all(&self.reads).await? {
            let id: String = row.try_get("course_id")?;
            by_course.entry(id).or_default().push(row.try_get("tag")?);
        }
        for c in courses.iter_mut() {
            c.tags = by_course.remove(&c.id).unwrap_or_default();
        }
        Ok(())
    }
}
