//! Who may see and change what: the todo service's ownership and visibility rules.
//!
//! A request's validated claims become a [`Caller`]; the caller becomes a [`Reader`]
//! (scope `courses:read`) or a [`Writer`] (scope `courses:write` and a user behind the
//! token), and only those two can ask about a course. So a handler cannot check a course
//! before it has checked the scope, and the rules live here, once, with their tests.
//!
//! | rule | refusal |
//! |---|---|
//! | reading needs `courses:read` | 403 `insufficient_scope` |
//! | writing needs `courses:write` | 403 `insufficient_scope` |
//! | writing, and personal lists, need a user (not a client-credentials token) | 403 `user_required` |
//! | someone else's private course does not exist for the caller | 404 |
//! | only the owner changes a course (someone else's public course) | 403 `not_owner` |
//! | a course's done log, activity and photos are seen by whoever sees the course (public: any reader; private: the owner) | 404 |

use crate::validator::AccessClaims;

pub const READ: &str = "courses:read";
pub const WRITE: &str = "courses:write";

/// Why a caller may not do what they asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// The token lacks this scope.
    #[error("insufficient scope: needs `{0}`")]
    MissingScope(&'static str),
    /// A client-credentials token asked for something only a user has.
    #[error("this needs a token issued to a user")]
    UserRequired,
    /// The course does not exist for this caller (it may exist for its owner).
    #[error("not found")]
    NotFound,
    /// The caller sees the course but it is someone else's.
    #[error("not the owner")]
    NotOwner,
}

/// What the rules need to know about a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourseAccess<'a> {
    pub owner: &'a str,
    pub is_public: bool,
}

/// The caller of a request, as its validated access token describes it.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    claims: &'a AccessClaims,
}

impl<'a> Caller<'a> {
    pub fn new(claims: &'a AccessClaims) -> Self {
        Self { claims }
    }

    /// Reading needs `courses:read`; a client-credentials token reads public data only.
    pub fn reader(self) -> Result<Reader, AccessError> {
        if !self.claims.has_scope(READ) {
            return Err(AccessError::MissingScope(READ));
        }
        Ok(Reader {
            user: self.claims.user().map(str::to_owned),
        })
    }

    /// Writing needs `courses:write` (checked first) and a user behind the token.
    pub fn writer(self) -> Result<Writer, AccessError> {
        if !self.claims.has_scope(WRITE) {
            return Err(AccessError::MissingScope(WRITE));
        }
        let user = self.claims.user().ok_or(AccessError::UserRequired)?;
        Ok(Writer {
            user: user.to_owned(),
        })
    }
}

/// A caller allowed to read; `user` is `None` for a client-credentials token. Owns what it
/// needs, so it can outlive the request's claims (an extractor hands it to the handler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    user: Option<String>,
}

impl Reader {
    /// The user, for what only a user has (their courses, done log, today's list).
    pub fn user(&self) -> Result<&str, AccessError> {
        self.user.as_deref().ok_or(AccessError::UserRequired)
    }

    /// A public course, or the caller's own; anything else is "not found" so that the
    /// existence of a private course does not leak.
    pub fn see(&self, course: CourseAccess<'_>) -> Result<(), AccessError> {
        if course.is_public || self.user.as_deref() == Some(course.owner) {
            Ok(())
        } else {
            Err(AccessError::NotFound)
        }
    }

    /// A course's history (done log, activity, photos) is shown with the course: on a
    /// public course to every reader (the web app's course page and heatmap), on a private
    /// one to its owner alone.
    pub fn read_history(&self, course: CourseAccess<'_>) -> Result<(), AccessError> {
        self.see(course)
    }
}

/// A user allowed to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    user: String,
}

impl Writer {
    pub fn user(&self) -> &str {
        &self.user
    }

    /// What the writer may see (to fork or like it): as for [`Reader::see`].
    pub fn see(&self, course: CourseAccess<'_>) -> Result<(), AccessError> {
        if course.is_public || course.owner == self.user {
            Ok(())
        } else {
            Err(AccessError::NotFound)
        }
    }

    /// Only the owner changes a course: someone else's private course is "not found",
    /// someone else's public course "not the owner".
    pub fn change(&self, course: CourseAccess<'_>) -> Result<(), AccessError> {
        self.see(course)?;
        if course.owner == self.user {
            Ok(())
        } else {
            Err(AccessError::NotOwner)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "some-client";

    /// A user's token (`sub` ≠ `client_id`) or, with `user: None`, a client-credentials
    /// token (`sub` = `client_id`, RFC 9068 §2.2).
    fn claims(user: Option<&str>, scopes: &[&str]) -> AccessClaims {
        AccessClaims {
            iss: "https://id.example".into(),
            sub: user.unwrap_or(CLIENT).into(),
            client_id: CLIENT.into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            jti: "jti".into(),
            iat: 0,
            exp: 0,
            auth_time: None,
            aud: vec!["belf-todo".into()],
        }
    }

    fn course(owner: &str, is_public: bool) -> CourseAccess<'_> {
        CourseAccess { owner, is_public }
    }

    #[test]
    fn reading_needs_the_read_scope() {
        let c = claims(Some("alice"), &[WRITE]);
        assert_eq!(
            Caller::new(&c).reader(),
            Err(AccessError::MissingScope(READ))
        );
        let c = claims(Some("alice"), &[READ]);
        let reader = Caller::new(&c).reader().expect("may read");
        assert_eq!(reader.user(), Ok("alice"));
    }

    #[test]
    fn a_client_token_reads_but_has_no_user() {
        let c = claims(None, &[READ]);
        let reader = Caller::new(&c).reader().expect("may read");
        assert_eq!(reader.user(), Err(AccessError::UserRequired));
    }

    #[test]
    fn writing_needs_the_write_scope_then_a_user() {
        let c = claims(Some("alice"), &[READ]);
        assert_eq!(
            Caller::new(&c).writer(),
            Err(AccessError::MissingScope(WRITE))
        );
        // The scope is checked first: a client without it hears about the scope.
        let c = claims(None, &[READ]);
        assert_eq!(
            Caller::new(&c).writer(),
            Err(AccessError::MissingScope(WRITE))
        );
        let c = claims(None, &[READ, WRITE]);
        assert_eq!(Caller::new(&c).writer(), Err(AccessError::UserRequired));
        let c = claims(Some("alice"), &[WRITE]);
        let writer = Caller::new(&c).writer().expect("may write");
        assert_eq!(writer.user(), "alice");
    }

    #[test]
    fn public_courses_are_seen_by_everyone_private_ones_by_their_owner_only() {
        let alice = claims(Some("alice"), &[READ]);
        let bob = claims(Some("bob"), &[READ]);
        let client = claims(None, &[READ]);
        for c in [&alice, &bob, &client] {
            let reader = Caller::new(c).reader().expect("may read");
            assert_eq!(reader.see(course("alice", true)), Ok(()));
        }
        let reader = |c| Caller::new(c).reader().expect("may read");
        assert_eq!(reader(&alice).see(course("alice", false)), Ok(()));
        assert_eq!(
            reader(&bob).see(course("alice", false)),
            Err(AccessError::NotFound)
        );
        assert_eq!(
            reader(&client).see(course("alice", false)),
            Err(AccessError::NotFound)
        );
        // A client whose id happens to equal an owner's id is still no user.
        assert_eq!(
            reader(&client).see(course(CLIENT, false)),
            Err(AccessError::NotFound)
        );
    }

    #[test]
    fn history_is_seen_with_its_course() {
        let reader = |c| Caller::new(c).reader().expect("may read");
        let alice = claims(Some("alice"), &[READ]);
        let bob = claims(Some("bob"), &[READ]);
        let client = claims(None, &[READ]);
        for c in [&alice, &bob, &client] {
            assert_eq!(reader(c).read_history(course("alice", true)), Ok(()));
        }
        assert_eq!(reader(&alice).read_history(course("alice", false)), Ok(()));
        for c in [&bob, &client] {
            assert_eq!(
                reader(c).read_history(course("alice", false)),
                Err(AccessError::NotFound)
            );
        }
    }

    #[test]
    fn writers_see_what_readers_see() {
        let writer = |c| Caller::new(c).writer().expect("may write");
        let bob = claims(Some("bob"), &[WRITE]);
        assert_eq!(writer(&bob).see(course("alice", true)), Ok(()));
        assert_eq!(writer(&bob).see(course("bob", false)), Ok(()));
        assert_eq!(
            writer(&bob).see(course("alice", false)),
            Err(AccessError::NotFound)
        );
    }

    #[test]
    fn only_the_owner_changes_a_course_and_private_ones_stay_hidden() {
        let writer = |c| Caller::new(c).writer().expect("may write");
        let alice = claims(Some("alice"), &[WRITE]);
        let bob = claims(Some("bob"), &[WRITE]);
        assert_eq!(writer(&alice).change(course("alice", true)), Ok(()));
        assert_eq!(writer(&alice).change(course("alice", false)), Ok(()));
        assert_eq!(
            writer(&bob).change(course("alice", true)),
            Err(AccessError::NotOwner)
        );
        assert_eq!(
            writer(&bob).change(course("alice", false)),
            Err(AccessError::NotFound)
        );
    }
}
