//! What changed between two refreshes: rows that are new, rows that closed, and how fast each
//! connection's byte counters moved.
//!
//! A row is identified by where the socket is (namespace, protocol, both endpoints), not by
//! its inode or state, so a connection that goes from ESTABLISHED to TIME_WAIT stays the same
//! row (TCPView does the same). Several sockets on the same endpoints (listeners with
//! `SO_REUSEPORT`) are told apart by their order.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use super::model::{Row, Status};
use crate::model::{Protocol, Socket};

/// The identity of a row across refreshes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    /// The namespace label; `None` for the host's (or a source that does not say).
    pub netns: Option<Arc<str>>,
    /// `tcp` or `udp`.
    pub proto: Protocol,
    /// Local address and port.
    pub local: (IpAddr, u16),
    /// Remote address and port, when connected.
    pub remote: Option<(IpAddr, u16)>,
    /// 0 for the first socket on these endpoints, 1 for the second...
    pub nth: u32,
}

impl RowKey {
    /// The key of a socket, as the first on its endpoints.
    pub fn of(socket: &Socket) -> RowKey {
        RowKey {
            netns: socket.netns.clone().filter(|_| !socket.in_host_netns()),
            proto: socket.proto,
            local: (socket.local_addr, socket.local_port),
            remote: socket.remote_addr.zip(socket.remote_port),
            nth: 0,
        }
    }
}

/// Numbers the keys of sockets on the same endpoints (0, 1, 2...), in row order.
pub fn number_duplicates(rows: &mut [Row]) {
    let mut seen: HashMap<RowKey, u32> = HashMap::new();
    for row in rows {
        let count = seen.entry(row.key.clone()).or_insert(0);
        row.key.nth = *count;
        *count += 1;
    }
}

/// Compares this refresh's rows with the previous one's, `seconds` apart: marks the rows that
/// are new, sets byte rates, and returns the rows that closed (to be shown once, marked
/// closed). Rows that were already closed in `previous` are gone for good.
pub fn compare(previous: &[Row], current: &mut [Row], seconds: f64) -> Vec<Row> {
    let before: HashMap<&RowKey, &Row> = previous
        .iter()
        .filter(|r| r.status != Status::Closed)
        .map(|r| (&r.key, r))
        .collect();
    let mut still: HashSet<&RowKey> = HashSet::with_capacity(current.len());
    for row in current.iter_mut() {
        match before.get(&row.key) {
            None => row.status = Status::New,
            Some(old) => {
                still.insert(&old.key);
                row.status = Status::Normal;
                row.sent_rate = rate(old.sent, row.sent, seconds);
                row.received_rate = rate(old.received, row.received, seconds);
            }
        }
    }
    previous
        .iter()
        .filter(|r| r.status != Status::Closed && !still.contains(&r.key))
        .map(|r| Row {
            status: Status::Closed,
            socket: None,
            sent_rate: None,
            received_rate: None,
            ..r.clone()
        })
        .collect()
}

/// Bytes per second between two counter readings; `None` when either is unknown, the interval
/// is not positive, or the counter went backwards (a different socket on the same endpoints).
fn rate(before: Option<u64>, now: Option<u64>, seconds: f64) -> Option<f64> {
    let (before, now) = (before?, now?);
    if seconds <= 0.0 || now < before {
        return None;
    }
    #[allow(clippy::cast_precision_loss)] // a rate shown to 2-3 digits
    Some((now - before) as f64 / seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::top::model::rows;
    use crate::top::model::tests::{row, snapshot_fixture};

    #[test]
    fn new_closed_and_rates_between_two_snapshots() {
        let (first, _) = snapshot_fixture();
        let mut second = first.clone();
        // One connection closed, one opened, one sent 3000 bytes more in 2 s.
        let closed = second.sockets.remove(1);
        let mut opened = second.sockets[0].clone();
        opened.local_port = 9999;
        second.sockets.push(opened);
        second.sort();
        let busy = second
            .sockets
            .iter_mut()
            .find(|s| s.traffic.is_some() && !s.is_listener())
            .expect("the fixture has a connection with counters");
        let busy_key = RowKey::of(busy);
        if let Some(t) = busy.traffic.as_mut() {
            t.bytes_acked += 3000;
            t.bytes_received += 1000;
        }
        let none = crate::enrich::Enrichment::default();
        let before = rows(&first, &[], &none);
        let mut after = rows(&second, &[], &none);
        let gone = compare(&before, &mut after, 2.0);

        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].key, RowKey::of(&closed));
        assert_eq!(gone[0].status, Status::Closed);
        assert_eq!(gone[0].socket, None);
        let new: Vec<&Row> = after.iter().filter(|r| r.status == Status::New).collect();
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].key.local.1, 9999);
        let busy_row = after.iter().find(|r| r.key == busy_key).unwrap();
        assert_eq!(busy_row.sent_rate, Some(1500.0));
        assert_eq!(busy_row.received_rate, Some(500.0));
        assert_eq!(busy_row.status, Status::Normal);

        // A refresh later, the closed row is gone and nothing is new.
        let mut again = rows(&second, &[], &none);
        let mut shown = after.clone();
        shown.extend(gone);
        assert!(compare(&shown, &mut again, 1.0).is_empty());
        assert!(again.iter().all(|r| r.status == Status::Normal));
    }

    #[test]
    fn a_connection_changing_state_stays_one_row() {
        let a = row("nginx", 80, Some(("203.0.113.5", 40000)));
        let mut b = a.clone();
        b.state = "TIME_WAIT".to_string();
        let mut current = vec![b];
        assert!(compare(&[a], &mut current, 1.0).is_empty());
        assert_eq!(current[0].status, Status::Normal);
    }

    #[test]
    fn counters_going_backwards_give_no_rate() {
        assert_eq!(rate(Some(10), Some(5), 1.0), None);
        assert_eq!(rate(Some(10), Some(20), 0.0), None);
        assert_eq!(rate(None, Some(20), 1.0), None);
        assert_eq!(rate(Some(10), Some(30), 2.0), Some(10.0));
    }

    #[test]
    fn duplicate_endpoints_are_numbered() {
        let a = row("nginx", 80, None);
        let mut rows = vec![a.clone(), a.clone(), row("sshd", 22, None)];
        number_duplicates(&mut rows);
        let nth: Vec<u32> = rows.iter().map(|r| r.key.nth).collect();
        assert_eq!(nth, [0, 1, 0]);
    }
}
