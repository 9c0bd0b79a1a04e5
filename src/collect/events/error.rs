//! Why an event stream could not start.

/// Why no event source could be opened.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The BPF programs could not be loaded or attached (the message says which and why).
    #[error("eBPF: {0}")]
    Bpf(String),
    /// The sock_diag fallback could not start either.
    #[error("sock_diag destroy notifications: {0}")]
    Fallback(String),
    /// No event source on this system: the caller polls.
    #[error("no event source on this system")]
    Unsupported,
}
