//! Placeholder: filled in by the routes work of #21.
