//! Placeholder: services per PID (lead).
