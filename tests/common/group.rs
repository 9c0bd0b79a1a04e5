//! A program a test starts in a process group of its own, so that it and every child it forks
//! are stopped together: SIGTERM to the group, SIGKILL after a short grace, then reaped.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A process group this test started; stopped and reaped on drop.
pub struct Group(pub Child);

impl Group {
    /// Starts `command` as the leader of a new process group, stdio to /dev/null.
    pub fn start(command: &mut Command) -> Group {
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // A program the test just copied is "busy" while a child another test thread forks at
        // that moment still holds the copy's write fd (until its exec closes it): try again,
        // as Holder does.
        let mut attempts = 0;
        let child = loop {
            match command.spawn() {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 100 => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => break other.expect("program starts"),
            }
        };
        Group(child)
    }

    /// The leader's PID (the group's id).
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        use rustix::process::{Pid, Signal, kill_process_group};
        let Some(group) = i32::try_from(self.0.id()).ok().and_then(Pid::from_raw) else {
            return;
        };
        let _ = kill_process_group(group, Signal::TERM);
        let deadline = Instant::now() + Duration::from_millis(300);
        while Instant::now() < deadline && !matches!(self.0.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(20));
        }
        // The leader may be gone while children of the group still run.
        let _ = kill_process_group(group, Signal::KILL);
        let _ = self.0.wait();
    }
}
