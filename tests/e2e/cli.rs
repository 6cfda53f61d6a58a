//! Placeholder; CLI tests land here.
