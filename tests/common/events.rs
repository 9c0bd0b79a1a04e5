//! A running `sockaudit watch --events --format jsonl` for the event tests: its lines are
//! collected in the background; it stops on SIGTERM and is killed if it will not.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whether an eBPF event test may run: root, or a skip line; under
/// `SOCKAUDIT_REQUIRE_TOOLS=1` not being root is a failure.
pub fn can_run(test: &str) -> bool {
    if super::is_root() {
        return true;
    }
    assert!(
        std::env::var("SOCKAUDIT_REQUIRE_TOOLS").is_err(),
        "{test}: the event tests need root (SOCKAUDIT_REQUIRE_TOOLS)"
    );
    eprintln!("skipped: {test} needs root for eBPF");
    false
}

/// One event stream.
pub struct Stream {
    child: Child,
    lines: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Stream {
    /// Starts `sockaudit watch --events --format jsonl ARGS` through `wrapper` (e.g. setpriv)
    /// with `env`, and waits (up to 30 s) for its first line, printed once it is attached.
    pub fn start(
        wrapper: &[&str],
        bin: &std::path::Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Stream {
        let mut command = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut c = Command::new(program);
                c.args(rest).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        command
            .args(["watch", "--events", "--format", "jsonl"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("sockaudit starts");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                sink.lock().unwrap().push(value);
            }
        });
        let stream = Stream { child, lines };
        let deadline = Instant::now() + Duration::from_secs(30);
        while stream.lines.lock().unwrap().is_empty() {
            assert!(Instant::now() < deadline, "no first line within 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        stream
    }

    /// The first line (`"event": "stream"`).
    pub fn first(&self) -> serde_json::Value {
        self.lines.lock().unwrap()[0].clone()
    }

    /// Lets the reader catch up for `settle`, stops the stream with SIGTERM, and returns
    /// every line.
    pub fn stop(mut self, settle: Duration) -> Vec<serde_json::Value> {
        std::thread::sleep(settle);
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("watch --events ignored SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // The reader thread ends at EOF; give it a moment to push the last lines.
        std::thread::sleep(Duration::from_millis(200));
        self.lines.lock().unwrap().clone()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The socket events of `lines` of kind `event`.
pub fn socket_events<'a>(
    lines: &'a [serde_json::Value],
    event: &str,
) -> Vec<&'a serde_json::Value> {
    lines
        .iter()
        .filter(|l| l["event"] == "socket" && l["socket_event"]["event"] == event)
        .map(|l| &l["socket_event"])
        .collect()
}
