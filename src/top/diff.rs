//! What changed between two refreshes: rows that are new, rows that closed, and how fast each
//! connection's byte counters moved.
//!
//! A row is identified by where the socket is (namespace, protocol, both endpoints), not by
//! its inode or state, so a connection that goes from ESTABLISHED to TIME_WAIT stays the same
//! row (TCPView does the same). Several sockets on the same endpoints (listeners with
//! `SO_REUSEPORT`) are told apart by their order.

use std::cmp::Ordering;

use super::key::RowKey;
use super::model::{Row, Status};

/// Row indices in key order (a sorted snapshot's rows already are).
fn in_key_order<'r>(rows: impl Iterator<Item = (usize, &'r Row)>) -> Vec<(usize, &'r RowKey)> {
    let mut keyed: Vec<(usize, &RowKey)> = rows.map(|(i, r)| (i, &r.key)).collect();
    if !keyed.is_sorted_by(|a, b| a.1 <= b.1) {
        keyed.sort_by(|a, b| a.1.cmp(b.1));
    }
    keyed
}

/// Compares this refresh's rows with the previous one's, `seconds` apart: marks the rows that
/// are new, sets byte rates, and returns the rows that closed (to be shown once, marked
/// closed). Rows that were already closed in `previous` are gone for good.
///
/// A merge of the two key-ordered lists: no hashing, linear for the sorted rows collectors
/// give (20,000 rows a second must not cost more than the collection).
pub fn compare(previous: &[Row], current: &mut [Row], seconds: f64) -> Vec<Row> {
    let before = in_key_order(
        previous
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status != Status::Closed),
    );
    let now: Vec<usize> = in_key_order(current.iter().enumerate())
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    let mut closed = Vec::new();
    let (mut b, mut n) = (0, 0);
    loop {
        let order = match (before.get(b), now.get(n)) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((_, old)), Some(&i)) => (*old).cmp(&current[i].key),
        };
        match order {
            Ordering::Less => {
                let old = &previous[before[b].0];
                closed.push(Row {
                    status: Status::Closed,
                    socket: None,
                    sent_rate: None,
                    received_rate: None,
                    ..old.clone()
                });
                b += 1;
            }
            Ordering::Greater => {
                current[now[n]].status = Status::New;
                n += 1;
            }
            Ordering::Equal => {
                let old = &previous[before[b].0];
                let row = &mut current[now[n]];
                row.status = Status::Normal;
                row.sent_rate = rate(old.sent, row.sent, seconds);
                row.received_rate = rate(old.received, row.received, seconds);
                b += 1;
                n += 1;
            }
        }
    }
    closed
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
    use crate::top::model::tests::{row, snapshot_fixture};
    use crate::top::model::{number_duplicates, rows};

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
    fn unsorted_rows_compare_the_same() {
        let a = row("a", 1, None);
        let b = row("b", 2, None);
        let c = row("c", 3, None);
        let mut now = vec![c.clone(), a.clone()];
        let gone = compare(&[b.clone(), a.clone()], &mut now, 1.0);
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].key, b.key);
        assert_eq!(now[0].status, Status::New);
        assert_eq!(now[1].status, Status::Normal);
    }

    #[test]
    fn a_connection_changing_state_stays_one_row() {
        let a = row("nginx", 80, Some(("203.0.113.5", 40000)));
        let mut b = a.clone();
        b.state = "TIME_WAIT";
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
        // Sorted (neighbours) and not (a map).
        let mut rows = vec![row("sshd", 22, None), a.clone(), a.clone()];
        number_duplicates(&mut rows);
        let nth: Vec<u32> = rows.iter().map(|r| r.key.nth).collect();
        assert_eq!(nth, [0, 0, 1]);
        let mut rows = vec![a.clone(), row("sshd", 22, None), a.clone()];
        number_duplicates(&mut rows);
        let nth: Vec<u32> = rows.iter().map(|r| r.key.nth).collect();
        assert_eq!(nth, [0, 0, 1]);
    }
}
