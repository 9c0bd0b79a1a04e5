//! Kernel network counters (`netstat -s`, `netstat -e`, `ip -s link`) as plain data, and the
//! rate arithmetic between two samples. No I/O: the collector reads `/proc/PID/net/{snmp,
//! netstat,snmp6,dev}` into a [`CounterSample`] (`src/collect/live/linux/counters.rs`).
//!
//! A counter only ever grows while the kernel and the namespace live, so a rate is
//! `(current - previous) / seconds`. A counter that went down (reboot, namespace re-created,
//! wrap), two samples from different boots or namespaces, or samples not in time order give no
//! rate: [`NoRate`] says why.

pub mod names;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One reading of a network namespace's counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterSample {
    /// When the files were read (a saved copy: its `taken_at` file, else the time `snmp` was
    /// written).
    pub taken_at: jiff::Timestamp,
    /// `/proc/sys/kernel/random/boot_id` of the machine: samples of different boots are not
    /// compared.
    #[serde(default)]
    pub boot_id: Option<String>,
    /// Inode of the sampled `/proc/PID/ns/net`: samples of different namespaces are not
    /// compared.
    #[serde(default)]
    pub netns: Option<u64>,
    /// Every counter by `Group.Name` (`Tcp.ActiveOpens`, `TcpExt.SyncookiesSent`,
    /// `Udp.RcvbufErrors`, `Ip6.InReceives`), as `/proc/net/{snmp,netstat,snmp6}` print them.
    pub values: BTreeMap<String, i64>,
    /// Per-interface counters from `/proc/net/dev`, by interface name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub interfaces: BTreeMap<String, InterfaceCounters>,
}

/// One line of `/proc/net/dev`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // the field names are the /proc/net/dev columns
pub struct InterfaceCounters {
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errors: u64,
    pub rx_dropped: u64,
    pub rx_fifo: u64,
    pub rx_frame: u64,
    pub rx_compressed: u64,
    pub rx_multicast: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
    pub tx_dropped: u64,
    pub tx_fifo: u64,
    pub tx_collisions: u64,
    pub tx_carrier: u64,
    pub tx_compressed: u64,
}

impl InterfaceCounters {
    /// Field names in `/proc/net/dev` column order.
    pub const FIELDS: [&'static str; 16] = [
        "rx_bytes",
        "rx_packets",
        "rx_errors",
        "rx_dropped",
        "rx_fifo",
        "rx_frame",
        "rx_compressed",
        "rx_multicast",
        "tx_bytes",
        "tx_packets",
        "tx_errors",
        "tx_dropped",
        "tx_fifo",
        "tx_collisions",
        "tx_carrier",
        "tx_compressed",
    ];

    /// Builds from the 16 numbers of a `/proc/net/dev` line, in column order.
    pub fn from_columns(c: [u64; 16]) -> InterfaceCounters {
        InterfaceCounters {
            rx_bytes: c[0],
            rx_packets: c[1],
            rx_errors: c[2],
            rx_dropped: c[3],
            rx_fifo: c[4],
            rx_frame: c[5],
            rx_compressed: c[6],
            rx_multicast: c[7],
            tx_bytes: c[8],
            tx_packets: c[9],
            tx_errors: c[10],
            tx_dropped: c[11],
            tx_fifo: c[12],
            tx_collisions: c[13],
            tx_carrier: c[14],
            tx_compressed: c[15],
        }
    }

    /// The 16 numbers in column order (the order of [`InterfaceCounters::FIELDS`]).
    pub fn columns(&self) -> [u64; 16] {
        [
            self.rx_bytes,
            self.rx_packets,
            self.rx_errors,
            self.rx_dropped,
            self.rx_fifo,
            self.rx_frame,
            self.rx_compressed,
            self.rx_multicast,
            self.tx_bytes,
            self.tx_packets,
            self.tx_errors,
            self.tx_dropped,
            self.tx_fifo,
            self.tx_collisions,
            self.tx_carrier,
            self.tx_compressed,
        ]
    }
}

/// One network namespace's latest sample and the one it is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceCounters {
    /// Label of the namespace, as its sockets carry it (`host` is the host's; see
    /// [`crate::model::NetNamespace`]).
    pub namespace: String,
    /// The latest sample.
    pub current: CounterSample,
    /// The earlier sample rates are computed against: an in-run sample (`--sample`), the
    /// previous run's (`--state`), or the previous scan of `watch`. `null` when there is none.
    #[serde(default)]
    pub previous: Option<CounterSample>,
}

/// The label of the host's network namespace (the same as the sockets').
pub const HOST_NAMESPACE: &str = crate::model::namespace::HOST;

/// Why a rate cannot be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum NoRate {
    /// Only one sample.
    NoPrevious,
    /// The samples come from different boots.
    OtherBoot,
    /// The samples come from different network namespaces (re-created under the same label).
    OtherNamespace,
    /// The previous sample is not earlier than the current one.
    NotLater,
    /// A counter is absent from one of the samples.
    Missing {
        /// The counter.
        name: String,
        /// Absent from the current sample (else from the previous one only).
        now: bool,
    },
    /// A counter went down (reset, wrapped, or the namespace was re-created).
    WentDown {
        /// The counter.
        name: String,
        /// Earlier value.
        previous: i64,
        /// Later value.
        current: i64,
    },
}

impl fmt::Display for NoRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoRate::NoPrevious => f.write_str("only one counter sample"),
            NoRate::OtherBoot => f.write_str("the previous counter sample is from another boot"),
            NoRate::OtherNamespace => f.write_str(
                "the previous counter sample is from another network namespace with the same label",
            ),
            NoRate::NotLater => f.write_str("the previous counter sample is not earlier"),
            NoRate::Missing { name, now: true } => {
                write!(f, "the kernel (or the input) does not report {name}")
            }
            NoRate::Missing { name, now: false } => {
                write!(f, "the previous counter sample lacks {name}")
            }
            NoRate::WentDown {
                name,
                previous,
                current,
            } => write!(
                f,
                "{name} went down ({previous} -> {current}): reset or re-created since the previous sample"
            ),
        }
    }
}

/// How one counter changed between two samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterDelta {
    /// `Group.Name`.
    pub name: String,
    /// Value in the earlier sample.
    pub previous: i64,
    /// Value in the later sample.
    pub current: i64,
    /// Per second over the interval.
    pub rate: f64,
}

/// What a counter rule saw: the evidence of its finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterEvidence {
    /// The namespace label.
    pub namespace: String,
    /// Seconds between the two samples.
    pub interval_seconds: f64,
    /// The counters the rule sums, each with both values.
    pub counters: Vec<CounterDelta>,
    /// Their summed rate, per second.
    pub rate: f64,
    /// The rule's `min-rate`, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rate: Option<f64>,
    /// The counters of `relative-to`, when the rule has them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relative_to: Vec<CounterDelta>,
    /// Their summed rate, per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_rate: Option<f64>,
    /// `rate / base_rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// The rule's `min-ratio`, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ratio: Option<f64>,
}

// Findings compare with `Eq`; every number here is finite (rates divide integer deltas by a
// positive interval, thresholds are checked finite when rules load), so equality is reflexive.
impl Eq for CounterEvidence {}

impl NamespaceCounters {
    /// Seconds between the two samples, when they can be compared at all.
    pub fn interval_seconds(&self) -> Result<f64, NoRate> {
        let previous = self.previous.as_ref().ok_or(NoRate::NoPrevious)?;
        interval_between(previous, &self.current)
    }

    /// How `name` changed, with its rate.
    pub fn delta(&self, name: &str) -> Result<CounterDelta, NoRate> {
        let previous = self.previous.as_ref().ok_or(NoRate::NoPrevious)?;
        delta_between(previous, &self.current, name)
    }
}

/// Seconds from `previous` to `current`, when the two can be compared (same boot and
/// namespace where known, strictly later).
pub fn interval_between(previous: &CounterSample, current: &CounterSample) -> Result<f64, NoRate> {
    if let (Some(a), Some(b)) = (&previous.boot_id, &current.boot_id)
        && a != b
    {
        return Err(NoRate::OtherBoot);
    }
    if let (Some(a), Some(b)) = (previous.netns, current.netns)
        && a != b
    {
        return Err(NoRate::OtherNamespace);
    }
    let seconds = current
        .taken_at
        .duration_since(previous.taken_at)
        .as_secs_f64();
    if seconds > 0.0 {
        Ok(seconds)
    } else {
        Err(NoRate::NotLater)
    }
}

/// How `name` changed from `previous` to `current`.
pub fn delta_between(
    previous: &CounterSample,
    current: &CounterSample,
    name: &str,
) -> Result<CounterDelta, NoRate> {
    let seconds = interval_between(previous, current)?;
    let now = *current.values.get(name).ok_or_else(|| NoRate::Missing {
        name: name.to_string(),
        now: true,
    })?;
    let was = *previous.values.get(name).ok_or_else(|| NoRate::Missing {
        name: name.to_string(),
        now: false,
    })?;
    if now < was {
        return Err(NoRate::WentDown {
            name: name.to_string(),
            previous: was,
            current: now,
        });
    }
    Ok(CounterDelta {
        name: name.to_string(),
        previous: was,
        current: now,
        rate: rate(now - was, seconds),
    })
}

/// Per-second rates of every interface field, for interfaces present in both samples; a field
/// that went down has none.
pub fn interface_rates(
    previous: &CounterSample,
    current: &CounterSample,
) -> Result<BTreeMap<String, [Option<f64>; 16]>, NoRate> {
    let seconds = interval_between(previous, current)?;
    let mut out = BTreeMap::new();
    for (name, now) in &current.interfaces {
        let Some(was) = previous.interfaces.get(name) else {
            continue;
        };
        let mut rates = [None; 16];
        for (slot, (n, w)) in rates
            .iter_mut()
            .zip(now.columns().iter().zip(was.columns()))
        {
            *slot = n
                .checked_sub(w)
                .and_then(|d| i64::try_from(d).ok())
                .map(|d| rate(d, seconds));
        }
        out.insert(name.clone(), rates);
    }
    Ok(out)
}

/// `delta / seconds`. Counter deltas stay far below 2^53, where f64 is exact.
#[allow(clippy::cast_precision_loss)]
fn rate(delta: i64, seconds: f64) -> f64 {
    delta as f64 / seconds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: i64, values: &[(&str, i64)]) -> CounterSample {
        CounterSample {
            taken_at: jiff::Timestamp::from_second(at).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            boot_id: Some("b1".into()),
            netns: Some(4026531833),
            values: values.iter().map(|(k, v)| ((*k).to_string(), *v)).collect(),
            interfaces: BTreeMap::new(),
        }
    }

    fn pair(prev: CounterSample, cur: CounterSample) -> NamespaceCounters {
        NamespaceCounters {
            namespace: HOST_NAMESPACE.into(),
            current: cur,
            previous: Some(prev),
        }
    }

    #[test]
    fn rate_is_delta_over_seconds() {
        let ns = pair(
            sample(100, &[("Tcp.ActiveOpens", 10)]),
            sample(104, &[("Tcp.ActiveOpens", 30)]),
        );
        assert_eq!(ns.interval_seconds(), Ok(4.0));
        let d = ns
            .delta("Tcp.ActiveOpens")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((d.previous, d.current, d.rate), (10, 30, 5.0));
    }

    #[test]
    fn no_rate_across_boots_namespaces_resets_or_time_travel() {
        let mut other_boot = sample(104, &[("Tcp.ActiveOpens", 30)]);
        other_boot.boot_id = Some("b2".into());
        assert_eq!(
            pair(sample(100, &[("Tcp.ActiveOpens", 1)]), other_boot).delta("Tcp.ActiveOpens"),
            Err(NoRate::OtherBoot)
        );
        let mut other_ns = sample(104, &[("Tcp.ActiveOpens", 30)]);
        other_ns.netns = Some(1);
        assert_eq!(
            pair(sample(100, &[]), other_ns).interval_seconds(),
            Err(NoRate::OtherNamespace)
        );
        let went_down = pair(
            sample(100, &[("Tcp.ActiveOpens", 50)]),
            sample(104, &[("Tcp.ActiveOpens", 3)]),
        );
        assert!(matches!(
            went_down.delta("Tcp.ActiveOpens"),
            Err(NoRate::WentDown {
                previous: 50,
                current: 3,
                ..
            })
        ));
        assert_eq!(
            pair(sample(104, &[]), sample(100, &[])).interval_seconds(),
            Err(NoRate::NotLater)
        );
        let missing = pair(sample(100, &[]), sample(104, &[("Tcp.ActiveOpens", 3)]));
        assert!(matches!(
            missing.delta("Tcp.ActiveOpens"),
            Err(NoRate::Missing { now: false, .. })
        ));
        assert!(matches!(
            missing.delta("TcpExt.Nope"),
            Err(NoRate::Missing { now: true, .. })
        ));
        let alone = NamespaceCounters {
            namespace: HOST_NAMESPACE.into(),
            current: sample(1, &[]),
            previous: None,
        };
        assert_eq!(alone.interval_seconds(), Err(NoRate::NoPrevious));
    }

    #[test]
    fn interface_fields_that_went_down_have_no_rate() {
        let mut a = sample(100, &[]);
        let mut b = sample(102, &[]);
        let was = InterfaceCounters {
            rx_bytes: 1000,
            tx_bytes: 500,
            ..InterfaceCounters::default()
        };
        let mut now = was;
        now.rx_bytes = 3000;
        now.tx_bytes = 10;
        a.interfaces.insert("eth0".into(), was);
        b.interfaces.insert("eth0".into(), now);
        b.interfaces.insert("new0".into(), now);
        let rates = interface_rates(&a, &b).unwrap_or_default();
        assert_eq!(rates.len(), 1, "an interface absent before has no rate");
        assert_eq!(rates["eth0"][0], Some(1000.0));
        assert_eq!(rates["eth0"][8], None);
        assert_eq!(rates["eth0"][1], Some(0.0));
    }
}
