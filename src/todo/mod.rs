//! The Belf todo/course service (placeholder while the validator lands).
