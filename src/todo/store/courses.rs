//! Courses (with their tags and fork origin) and likes.

use std::collections::HashSet;

use async_trait::async_trait;

use super::Result;
use crate::todo::domain::Sort;
use crate::todo::domain::access::CourseAccess;

/// A course as stored, with its counts and tags.
#[derive(Debug, Clone)]
pub struct CourseRow {
    pub id: String,
    pub owner: String,
    pub title: String,
    pub explanation: String,
    pub colour: String,
    pub start_date: String,
    pub end_date: Option<String>,
    pub is_public: bool,
    pub forked_from: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub like_count: i64,
    /// How many people (distinct owners) have a fork of this course.
    pub fork_count: i64,
    /// The display name the owner set (`PUT /api/me/profile`), if they did.
    pub owner_name: Option<String>,
    pub tags: Vec<String>,
}

impl CourseRow {
    /// What the access rules need to decide who may see or change this course.
    pub fn access(&self) -> CourseAccess<'_> {
        CourseAccess {
            owner: &self.owner,
            is_public: self.is_public,
        }
    }
}

pub struct NewCourse {
    pub owner: String,
    pub title: String,
    pub explanation: String,
    pub colour: String,
    pub start_date: String,
    pub end_date: Option<String>,
    pub is_public: bool,
    pub tags: Vec<String>,
}

/// A partial update; `None` leaves a field alone (`end_date: Some(None)` clears it).
#[derive(Default)]
pub struct CoursePatch {
    pub title: Option<String>,
    pub explanation: Option<String>,
    pub colour: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<Option<String>>,
    pub is_public: Option<bool>,
    pub tags: Option<Vec<String>>,
}

/// Search over public courses.
pub struct CourseFilter {
    pub keyword: Option<String>,
    pub tag: Option<String>,
    pub sort: Sort,
    pub limit: i64,
    pub offset: i64,
    /// The signed-in person searching, whose likes the results mark; `None` when the
    /// caller is a client without a person.
    pub viewer: Option<String>,
}

/// One page of search results.
pub struct SearchResults {
    pub courses: Vec<CourseRow>,
    /// How many courses match in all, counted up to a cap (see the store).
    pub total: i64,
    /// Which of `courses` the viewer likes (empty without a viewer).
    pub liked: HashSet<String>,
}

#[async_trait]
pub trait CourseStore: Send + Sync {
    async fn create_course(&self, course: NewCourse) -> Result<CourseRow>;
    /// One course with its tags and counts, whoever owns it (the caller applies the
    /// access rules).
    async fn course(&self, id: &str) -> Result<Option<CourseRow>>;
    /// A page of the owner's courses, most recent first, and how many they have in all.
    async fn courses_of(
        &self,
        owner: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<CourseRow>, i64)>;
    /// Public courses matching the filter, how many match in all, and which of them the
    /// filter's viewer likes.
    async fn search(&self, filter: &CourseFilter) -> Result<SearchResults>;
    /// The updated course, or `None` if it no longer exists.
    async fn update_course(&self, id: &str, patch: CoursePatch) -> Result<Option<CourseRow>>;
    /// Deletes the course with its todos, tags, done log, photos and likes.
    async fn delete_course(&self, id: &str) -> Result<()>;
    /// Copies a course, its tags and its live todos to `owner`, remembering the origin.
    /// The done log stays with the original: it is the original owner's history.
    ///
    /// One fork per person and original: if `owner` already has one (even one made by a
    /// concurrent request), that fork is returned as [`Forked::Existing`] and nothing is
    /// copied. Once they delete it, a new fork can be made.
    async fn fork(&self, original: &CourseRow, owner: &str) -> Result<Forked>;
}

/// What a fork request did.
#[derive(Debug, Clone)]
pub enum Forked {
    Created(CourseRow),
    /// The caller's earlier fork of the same course.
    Existing(CourseRow),
}

#[async_trait]
pub trait LikeStore: Send + Sync {
    /// Idempotent: liking twice is one like, unliking what was never liked is no error.
    async fn set_like(&self, course: &str, user: &str, liked: bool) -> Result<()>;
    async fn liked(&self, course: &str, user: &str) -> Result<bool>;
}
