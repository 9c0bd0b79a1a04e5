//! Desktop notifications (`--notify`): one per scan summarising the new findings.
//!
//! A notification server that owns the bus name but never answers makes `show()` block
//! forever, so sending happens on a helper thread and the scan waits a bounded time. No bus,
//! no server, or no answer is a one-line warning; the report and the exit status are unchanged.

use std::time::Duration;

use crate::model::finding::{Finding, Severity};
use crate::text::escape::{FIELD_MAX_CHARS, MESSAGE_MAX_CHARS, for_display};

/// How long a scan waits for the notification server.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// What is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Title line.
    pub summary: String,
    /// Body (markup-escaped).
    pub body: String,
    /// The highest severity among the findings.
    pub worst: Severity,
}

/// Escapes text for the notification body markup: `<b>x</b>` and `&` must show literally,
/// control characters must not reach the screen, and a long message is cut with a marker.
pub fn escape_markup(text: &str) -> String {
    for_display(text, MESSAGE_MAX_CHARS)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The notification for these (new) findings: the top three by severity and a count of the
/// rest; `None` when there is nothing to say.
pub fn compose(findings: &[Finding], host: Option<&str>) -> Option<Message> {
    let worst = findings.iter().map(|f| f.severity).max()?;
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    let host = host.map_or_else(String::new, |h| {
        format!(" on {}", for_display(h, FIELD_MAX_CHARS))
    });
    let summary = format!(
        "sockaudit: {} new finding{}{host}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    );
    let mut lines: Vec<String> = sorted
        .iter()
        .take(3)
        .map(|f| {
            format!(
                "{} {}: {}",
                f.severity.as_str().to_uppercase(),
                f.rule,
                escape_markup(&f.message)
            )
        })
        .collect();
    if findings.len() > 3 {
        lines.push(format!("and {} more", findings.len() - 3));
    }
    Some(Message {
        summary,
        body: lines.join("\n"),
        worst,
    })
}

/// Why a notification was not shown.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// No session bus, no notification server, or another D-Bus error.
    #[error("desktop notification failed: {0}")]
    Failed(String),
    /// The server did not answer in time.
    #[error("desktop notification timed out after {} s (is the notification server stuck?)", .0.as_secs())]
    Timeout(Duration),
}

/// Sends the notification, waiting at most `timeout`.
pub fn send(message: &Message, timeout: Duration) -> Result<(), NotifyError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let msg = message.clone();
    // Detached on purpose: if the server never answers, the thread is abandoned and the
    // process exits without it.
    std::thread::spawn(move || {
        let _ = tx.send(show(&msg));
    });
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(_) => Err(NotifyError::Timeout(timeout)),
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
fn show(message: &Message) -> Result<(), NotifyError> {
    use notify_rust::{Notification, Urgency};
    let urgency = match message.worst {
        Severity::Critical | Severity::High => Urgency::Critical,
        Severity::Medium => Urgency::Normal,
        Severity::Low | Severity::Info => Urgency::Low,
    };
    Notification::new()
        .appname("sockaudit")
        .summary(&message.summary)
        .body(&message.body)
        .urgency(urgency)
        .show()
        .map(|_| ())
        .map_err(|e| NotifyError::Failed(e.to_string()))
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn show(message: &Message) -> Result<(), NotifyError> {
    notify_rust::Notification::new()
        .appname("sockaudit")
        .summary(&message.summary)
        .body(&message.body)
        .show()
        .map(|_| ())
        .map_err(|e| NotifyError::Failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::finding::{Evidence, RuleKind};

    fn f(rule: &str, severity: Severity, message: &str) -> Finding {
        Finding {
            rule: rule.into(),
            kind: RuleKind::new("listen"),
            severity,
            message: message.into(),
            fingerprint: "0".into(),
            origin: "x:1".into(),
            socket: None,
            process: None,
            remote: None,
            evidence: Evidence::default(),
        }
    }

    #[test]
    fn top_three_by_severity_and_escaped() {
        let findings = [
            f("a", Severity::Low, "low one"),
            f("b", Severity::Critical, "nc <b>x</b> & co"),
            f("c", Severity::Medium, "m"),
            f("d", Severity::High, "h"),
            f("e", Severity::Info, "i"),
        ];
        let m = compose(&findings, Some("web1")).unwrap_or_else(|| panic!("a message"));
        assert_eq!(m.summary, "sockaudit: 5 new findings on web1");
        assert_eq!(m.worst, Severity::Critical);
        assert_eq!(
            m.body,
            "CRITICAL b: nc &lt;b&gt;x&lt;/b&gt; &amp; co\nHIGH d: h\nMEDIUM c: m\nand 2 more"
        );
        assert!(compose(&[], None).is_none());
    }
}
