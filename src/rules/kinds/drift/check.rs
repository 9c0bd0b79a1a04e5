//! The drift checks a baseline turns into rules: five about sockets, four about routes, two
//! about gateway MACs.

use crate::model::finding::Severity;

/// The drift checks: five about sockets, four about routes, two about gateway MACs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftCheck {
    /// A listener the baseline does not have.
    NewListener,
    /// A baselined listener that is gone.
    ExpectedListenerMissing,
    /// Same port, different executable or user.
    OwnerChanged,
    /// Same port, wider bind.
    ScopeWidened,
    /// A program with sockets that the baseline does not list.
    NewProcess,
    /// A default route's gateway changed (or a default route appeared).
    DefaultRouteChanged,
    /// A new route sends public destinations somewhere more specific than the default route.
    RouteCapturesPublic,
    /// A default route out of an interface that carried none in the baseline.
    DefaultRouteNewInterface,
    /// A baselined route is gone.
    ExpectedRouteMissing,
    /// A baselined gateway answers with another MAC address.
    GatewayMacChanged,
    /// A gateway's MAC address also answers for another neighbour.
    GatewayMacShared,
}

impl DriftCheck {
    /// Every check with its rule id, default severity and description.
    pub const ALL: [(DriftCheck, &'static str, Severity, &'static str); 11] = [
        (
            DriftCheck::NewListener,
            "new-listener",
            Severity::Medium,
            "Listener not in the baseline",
        ),
        (
            DriftCheck::ExpectedListenerMissing,
            "expected-listener-missing",
            Severity::Medium,
            "Baselined listener is not listening",
        ),
        (
            DriftCheck::OwnerChanged,
            "owner-changed",
            Severity::High,
            "Baselined port owned by a different program or user",
        ),
        (
            DriftCheck::ScopeWidened,
            "scope-widened",
            Severity::High,
            "Baselined listener now binds more widely",
        ),
        (
            DriftCheck::NewProcess,
            "new-process",
            Severity::Low,
            "Program with sockets not in the baseline",
        ),
        (
            DriftCheck::DefaultRouteChanged,
            "default-route-changed",
            Severity::High,
            "Default route now via another gateway than the baseline's",
        ),
        (
            DriftCheck::RouteCapturesPublic,
            "route-captures-public",
            Severity::Medium,
            "New route captures public destinations more specifically than the default route",
        ),
        (
            DriftCheck::DefaultRouteNewInterface,
            "default-route-new-interface",
            Severity::Medium,
            "Default route out of an interface that had none in the baseline",
        ),
        (
            DriftCheck::ExpectedRouteMissing,
            "expected-route-missing",
            Severity::Low,
            "Baselined route is gone",
        ),
        (
            DriftCheck::GatewayMacChanged,
            "gateway-mac-changed",
            Severity::High,
            "Gateway answers with another MAC address than in the baseline (ARP/NDP spoofing)",
        ),
        (
            DriftCheck::GatewayMacShared,
            "gateway-mac-shared",
            Severity::Medium,
            "Gateway's MAC address also answers for another neighbour (ARP spoofing)",
        ),
    ];

    /// Whether the check compares routes or gateways (and so needs the routing table).
    pub fn is_route_check(self) -> bool {
        !matches!(
            self,
            DriftCheck::NewListener
                | DriftCheck::ExpectedListenerMissing
                | DriftCheck::OwnerChanged
                | DriftCheck::ScopeWidened
                | DriftCheck::NewProcess
        )
    }

    /// Whether the check needs the neighbour (ARP/NDP) table too.
    pub fn needs_neighbours(self) -> bool {
        matches!(
            self,
            DriftCheck::GatewayMacChanged | DriftCheck::GatewayMacShared
        )
    }
}
