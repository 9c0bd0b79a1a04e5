//! Placeholder: elevation check (lead).
