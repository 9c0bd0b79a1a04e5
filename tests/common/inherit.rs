//! Socket holders that are not this test binary: a program (usually a copy of `sleep`) started
//! with a listener it inherits from the test, so its name, argv and lifetime are the test's to
//! choose (libtest would refuse a non-UTF-8 argv, and a holder's start-up costs ~10 ms).

use std::ffi::OsStr;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Spawns that may pass a listener on, and every other spawn of a test that uses them, take
/// this lock: a process started by another thread in the window would inherit it too.
pub static SPAWN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Spawns `command` while no listener is being handed out.
pub fn spawn_exclusive(command: &mut Command) -> std::io::Result<Child> {
    let _one = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    command.spawn()
}

/// A free TCP port below the usual ephemeral range (a baseline records ports in that range as
/// `ephemeral`, matched by program rather than number).
pub fn fixed_port() -> u16 {
    (21_000..31_000)
        .find(|p| TcpListener::bind(("0.0.0.0", *p)).is_ok())
        .expect("a free port")
}

/// A process holding a 127.0.0.1 listener it inherited; killed and reaped on drop.
pub struct Inheritor {
    /// The process.
    pub child: Child,
    /// The listener's port.
    pub port: u16,
}

impl Inheritor {
    /// Runs `exe` as `arg0 ARGS...` holding a fresh listener on 127.0.0.1.
    pub fn spawn(exe: &Path, arg0: &OsStr, args: &[&str]) -> Inheritor {
        Inheritor::spawn_at("127.0.0.1:0", exe, arg0, args)
    }

    /// [`Inheritor::spawn`] with the listener on `addr`.
    pub fn spawn_at(addr: &str, exe: &Path, arg0: &OsStr, args: &[&str]) -> Inheritor {
        let _one = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        let listener = TcpListener::bind(addr).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        // Inherited across exec: close-on-exec is cleared on this one descriptor only.
        rustix::io::fcntl_setfd(&listener, rustix::io::FdFlags::empty()).expect("fcntl");
        let child = Command::new(exe)
            .arg0(arg0)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn holder");
        drop(listener);
        Inheritor { child, port }
    }

    /// Waits for it to exit by itself (a short `sleep`); kills it after `limit`.
    pub fn reap(mut self, limit: std::time::Duration) {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Inheritor {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
