//! Storage of courses, todos, the done log and likes, behind one small trait per aggregate
//! ([`CourseStore`], [`LikeStore`], [`TodoStore`], [`PhotoStore`], [`ProfileStore`], and
//! [`UserDataStore`] for erasing a user across all of them). Handlers hold the traits; [`SqlStore`] implements them over
//! an `AnyPool`, so SQLite and PostgreSQL share one implementation.

mod courses;
mod photos;
mod sql;
mod todos;

use async_trait::async_trait;

pub use courses::{
    CourseFilter, CoursePatch, CourseRow, CourseStore, Forked, LikeStore, NewCourse, SearchResults,
};
pub use photos::{NewPhoto, PhotoRow, PhotoStore, ProfileStore, UserStats};
pub use sql::SqlStore;
pub use sql::hot_queries::hot_queries;
pub use todos::{
    DayCount, DoneRow, DoneScope, DueCandidate, NewDone, NewTodo, TodoPatch, TodoRow, TodoStore,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule said no (e.g. the same todo done twice on one day).
    #[error("conflict")]
    Conflict,
    /// A row the write refers to (a course, a todo) was deleted meanwhile: the database's
    /// foreign keys refused an orphan.
    #[error("referenced row is gone")]
    Gone,
    #[error(transparent)]
    Db(sqlx::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Whether the storage answers, for the readiness check.
#[async_trait]
pub trait StoreHealth: Send + Sync {
    async fn ping(&self) -> Result<()>;
}

/// What a user leaves in this service, across every aggregate.
#[async_trait]
pub trait UserDataStore: Send + Sync {
    /// Removes everything the user owns or did: their courses (with todos, tags, done
    /// log, photos and the likes they received), the likes they gave and their profile.
    async fn delete_user(&self, user: &str) -> Result<()>;
}
