//! Photos on done entries, and what people tell about themselves (display names, totals).

use async_trait::async_trait;

use super::Result;

/// A photo to store with a new done entry: already recognised and stripped of metadata
/// ([`crate::todo::domain::photo`]).
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A stored photo, with the course that decides who may see it.
#[derive(Clone)]
pub struct PhotoRow {
    pub id: String,
    pub course_id: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The bytes are left out: a photo is not something to print into a log line.
impl std::fmt::Debug for PhotoRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoRow")
            .field("id", &self.id)
            .field("course_id", &self.course_id)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

#[async_trait]
pub trait PhotoStore: Send + Sync {
    /// A photo by id, whoever owns it (the caller applies the course's access rules).
    async fn photo(&self, id: &str) -> Result<Option<PhotoRow>>;
}

/// A user's totals across their courses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserStats {
    pub courses: i64,
    pub todos_done: i64,
    pub likes_received: i64,
    /// Forks of their courses, counted as `fork_count` counts them (people per course).
    pub forks_received: i64,
}

#[async_trait]
pub trait ProfileStore: Send + Sync {
    /// Sets (or replaces) the user's display name.
    async fn set_display_name(&self, user: &str, name: &str) -> Result<()>;
    async fn stats(&self, user: &str) -> Result<UserStats>;
}
