//! Placeholder; failing-closed tests land here.
