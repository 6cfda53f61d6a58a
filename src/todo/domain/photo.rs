//! Photos on done entries: recognised by their bytes and stripped of metadata by the
//! neutral [`crate::photo`] module, which the identity server's profile pictures share.

pub use crate::photo::{CleanPhoto, PhotoError, PhotoKind};
