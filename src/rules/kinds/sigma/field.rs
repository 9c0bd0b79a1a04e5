//! The Sysmon network-connection fields (Event ID 3) a Sigma rule may name, and the facts a
//! snapshot must carry to answer each (docs/sigma.md has the table).

use crate::model::Fact;

/// A `network_connection` field sockaudit maps to a socket or process fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The owner's executable path.
    Image,
    /// The owner's command line, arguments joined by spaces.
    CommandLine,
    /// The owner's user (`DOMAIN\name` on Windows).
    User,
    /// The owner's PID.
    ProcessId,
    /// The executable of the owner's parent, when the snapshot describes the parent.
    ParentImage,
    /// `true` for a connection this host opened, `false` for one it accepted.
    Initiated,
    /// The initiator's address.
    SourceIp,
    /// The initiator's port.
    SourcePort,
    /// The address connected to.
    DestinationIp,
    /// The port connected to.
    DestinationPort,
    /// Whether the destination address is IPv6.
    DestinationIsIpv6,
    /// Whether the source address is IPv6.
    SourceIsIpv6,
    /// `tcp` or `udp`.
    Protocol,
    /// The destination's host name, where a capture printed one.
    DestinationHostname,
    /// The source's host name, where a capture printed one.
    SourceHostname,
}

impl Field {
    /// Every field, in the order of docs/sigma.md.
    pub const ALL: [Field; 15] = [
        Field::Image,
        Field::CommandLine,
        Field::User,
        Field::ProcessId,
        Field::ParentImage,
        Field::Initiated,
        Field::SourceIp,
        Field::SourcePort,
        Field::DestinationIp,
        Field::DestinationPort,
        Field::DestinationIsIpv6,
        Field::SourceIsIpv6,
        Field::Protocol,
        Field::DestinationHostname,
        Field::SourceHostname,
    ];

    /// The Sysmon name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Image => "Image",
            Field::CommandLine => "CommandLine",
            Field::User => "User",
            Field::ProcessId => "ProcessId",
            Field::ParentImage => "ParentImage",
            Field::Initiated => "Initiated",
            Field::SourceIp => "SourceIp",
            Field::SourcePort => "SourcePort",
            Field::DestinationIp => "DestinationIp",
            Field::DestinationPort => "DestinationPort",
            Field::DestinationIsIpv6 => "DestinationIsIpv6",
            Field::SourceIsIpv6 => "SourceIsIpv6",
            Field::Protocol => "Protocol",
            Field::DestinationHostname => "DestinationHostname",
            Field::SourceHostname => "SourceHostname",
        }
    }

    /// The field a rule names. Sigma field names are case-sensitive in principle; SigmaHQ
    /// writes them one way, so any case is accepted rather than silently never matching.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// Whether values are process facts (then the socket's owner must be known).
    pub fn is_process_fact(self) -> bool {
        matches!(
            self,
            Field::Image
                | Field::CommandLine
                | Field::User
                | Field::ProcessId
                | Field::ParentImage
        )
    }

    /// The snapshot facts the field needs.
    pub fn facts(self) -> &'static [Fact] {
        match self {
            Field::Image => &[Fact::Pids, Fact::Exe],
            Field::CommandLine => &[Fact::Pids, Fact::Cmdline],
            Field::User => &[Fact::Pids, Fact::User],
            Field::ProcessId => &[Fact::Pids],
            Field::ParentImage => &[Fact::Pids, Fact::Ppid, Fact::Exe],
            _ => &[],
        }
    }
}
