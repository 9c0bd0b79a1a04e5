//! Placeholder: filled in by the counters work of #21.
