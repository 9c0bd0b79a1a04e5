//! A parsed baseline: the listeners, programs, routes and gateways recorded as normal for a
//! host. The rule loader builds it from a `[baseline]` table; the drift rules compare a
//! snapshot with it; `baseline create | update` (src/baseline/) write it.
//!
//! Nothing here is keyed by PID or by ephemeral client port: a restarted service is the same
//! entry.

mod listener;
mod route;

pub use listener::{
    BasePort, Bind, DEFAULT_EPHEMERAL, KnownProgram, Listener, covers, in_range, recorded_bind,
    scope_width,
};
pub use route::{GatewayEntry, RouteEntry, sharing};

/// A parsed baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// The host it was made on.
    pub host: Option<String>,
    /// The client port range of the host it was made on (`ephemeral-ports`), for snapshots
    /// that do not carry their own.
    pub ephemeral_ports: Option<[u16; 2]>,
    /// Expected listeners.
    pub listeners: Vec<Listener>,
    /// Programs expected to own sockets.
    pub programs: Vec<KnownProgram>,
    /// Whether routes and gateways are checked (`check-routes`; when absent, whether the file
    /// has route or gateway entries). Off for baselines made before routes were recorded, so
    /// they do not report every route as new.
    pub check_routes: bool,
    /// Expected routes (`[[baseline.route]]`).
    pub routes: Vec<RouteEntry>,
    /// Gateways' MAC addresses (`[[baseline.gateway]]`).
    pub gateways: Vec<GatewayEntry>,
}

impl Baseline {
    /// The client port range a `port = "ephemeral"` entry matches in `snapshot`: the
    /// snapshot's own, else the one recorded with the baseline, else IANA's dynamic ports.
    pub fn ephemeral_range(&self, snapshot: &crate::model::Snapshot) -> [u16; 2] {
        snapshot
            .host
            .ephemeral_ports
            .or(self.ephemeral_ports)
            .unwrap_or(DEFAULT_EPHEMERAL)
    }
}
