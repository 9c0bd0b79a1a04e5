//! What every command run in a test must hold to: it never panics, whatever the input, and
//! its output is read the same way everywhere.

use std::process::Output;

/// Fails when `stderr` shows a panic or a backtrace hint (`what` names the run).
pub fn assert_no_panic(what: &str, stderr: &str) {
    let lower = stderr.to_ascii_lowercase();
    assert!(
        !lower.contains("panicked") && !lower.contains("backtrace"),
        "{what}: {stderr}"
    );
}

/// A finished run: exit code, stdout and stderr (non-UTF-8 bytes in stderr replaced).
#[derive(Debug)]
pub struct Outcome {
    /// The exit code (None when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Reads `out`, asserting the run did not panic and printed UTF-8 on stdout.
pub fn outcome(out: Output) -> Outcome {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_no_panic("stderr", &stderr);
    Outcome {
        code: out.status.code(),
        // Everything sockaudit prints is escaped text: raw bytes on stdout are a bug.
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr,
    }
}
