//! The plain, serialisable data every stage of the pipeline shares.
//!
//! A [`Snapshot`] is what a collector produces (live or from a file) and what the engine and
//! reporters consume. Its JSON form is versioned ([`SCHEMA_VERSION`]) and documented in
//! `docs/json.md`.

pub mod baseline;
pub mod capture;
pub mod counters;
pub mod deep;
pub mod event;
pub mod fact;
pub mod filter;
pub mod finding;
pub mod namespace;
pub mod process;
pub mod raw;
pub mod rawsock;
pub mod remote;
pub mod routes;
pub mod scope;
pub mod snapshot;
pub mod socket;
pub mod tcp_state;
pub mod time;
pub mod traffic;

pub use fact::Fact;
pub use namespace::{Container, Forward, ListenFacts, NetNamespace, ReadVia};
pub use process::{HiddenFromProc, Process, StdioPeer, StdioVia};
pub use rawsock::{RawKind, RawSocket};
pub use snapshot::{
    Coverage, HiddenProcessCheck, Host, SCHEMA_VERSION, Snapshot, UnattributedCounts,
};
pub use socket::{Attribution, CaptureFacts, Family, Protocol, Socket, TcpState, Unattributed};
pub use time::TimeSource;
pub use traffic::Traffic;
