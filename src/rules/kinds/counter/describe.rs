//! Counter evidence in words: `TcpExt.SyncookiesSent 120.0/s` and the like, for findings and `stats`.

use crate::model::counters::CounterEvidence;

/// `TcpExt.SyncookiesSent +3000 in 4.4 s (680.3/s, threshold 10/s) in namespace host`.
pub fn describe(e: &CounterEvidence) -> String {
    let names: Vec<&str> = e.counters.iter().map(|d| d.name.as_str()).collect();
    let delta: i64 = e.counters.iter().map(|d| d.current - d.previous).sum();
    let mut text = format!(
        "{} +{delta} in {:.1} s ({}/s",
        names.join(" + "),
        e.interval_seconds,
        number(e.rate)
    );
    if let Some(min) = e.min_rate {
        text.push_str(&format!(", threshold {}/s", number(min)));
    }
    text.push(')');
    if let (Some(ratio), Some(base), Some(min)) = (e.ratio, e.base_rate, e.min_ratio) {
        let base_names: Vec<&str> = e.relative_to.iter().map(|d| d.name.as_str()).collect();
        text.push_str(&format!(
            ", {} of {} ({}/s; threshold {})",
            percent(ratio),
            base_names.join(" + "),
            number(base),
            percent(min)
        ));
    }
    text.push_str(&format!(" in namespace {}", e.namespace));
    text
}

/// A rate for people: one decimal below 100, whole numbers above.
pub fn number(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn percent(ratio: f64) -> String {
    format!("{}%", number(ratio * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(680.27), "680");
        assert_eq!(number(8.47), "8.5");
        assert_eq!(number(10.0), "10");
        assert_eq!(percent(0.05), "5%");
        assert_eq!(percent(0.125), "12.5%");
    }
}
