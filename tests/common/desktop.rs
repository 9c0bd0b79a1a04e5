//! The private desktop scripts/test starts for the notification tests: a D-Bus session bus
//! and dunst (under Xvfb) printing what it receives. Without it, tests skip with a line,
//! unless SOCKAUDIT_REQUIRE_TOOLS=1 (set by scripts/test) demands it.

use std::process::Command;
use std::time::{Duration, Instant};

/// The session bus address, dunst's PID and its `-print` log.
pub struct Desktop {
    /// `DBUS_SESSION_BUS_ADDRESS` of the test bus.
    pub bus: String,
    /// dunst's PID (to stop and continue it).
    pub dunst_pid: String,
    /// The file dunst `-print`s every notification into.
    pub log: String,
}

impl Desktop {
    /// The running test desktop, or None (after saying why) when there is none.
    pub fn find() -> Option<Desktop> {
        let vars = (
            std::env::var("DBUS_SESSION_BUS_ADDRESS").ok(),
            std::env::var("SOCKAUDIT_TEST_DUNST_PID").ok(),
            std::env::var("SOCKAUDIT_TEST_DUNST_LOG").ok(),
        );
        match vars {
            (Some(bus), Some(dunst_pid), Some(log)) => Some(Desktop {
                bus,
                dunst_pid,
                log,
            }),
            _ => {
                assert!(
                    std::env::var("SOCKAUDIT_REQUIRE_TOOLS").is_err(),
                    "scripts/test should have started dbus-daemon and dunst"
                );
                eprintln!(
                    "skipped: no test notification server (run ./scripts/test, which starts dbus-daemon, Xvfb and dunst)"
                );
                None
            }
        }
    }

    /// `dunstctl ARGS` on the test bus; its stdout.
    pub fn dunstctl(&self, args: &[&str]) -> String {
        let out = Command::new("dunstctl")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .output()
            .expect("dunstctl runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Closes every notification and forgets the history.
    pub fn clear(&self) {
        self.dunstctl(&["close-all"]);
        self.dunstctl(&["history-clear"]);
    }

    /// dunst's history once it holds a notification (closing moves them there), or whatever
    /// it holds after 5 s.
    pub fn wait_for_history(&self) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            self.dunstctl(&["close-all"]);
            let h: serde_json::Value =
                serde_json::from_str(&self.dunstctl(&["history"])).unwrap_or_default();
            if h["data"][0].as_array().is_some_and(|a| !a.is_empty()) || Instant::now() > deadline {
                return h;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
