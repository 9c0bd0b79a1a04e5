//! The Windows build of sockaudit under Wine, in a Wine prefix of the test's own (removed on
//! drop, its wineserver stopped first). scripts/test builds the exe with mingw-w64 and names
//! it in `SOCKAUDIT_WINDOWS_EXE`; the test builds its helpers from `tests/wine/*.c`:
//!
//! - `bcryptprimitives.dll`, a stand-in exporting `ProcessPrng`, which Rust's std needs and
//!   Debian's Wine 8.0 lacks (test-only, never shipped);
//! - `listener.exe`, a Windows program that listens on 127.0.0.1 and exits by itself.
//!
//! Wine's socket table is the Linux host's: it shows every listener of the machine, and
//! reports owner PID 0 for all of them (so owners are tested by unit tests instead).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// How long one sockaudit run under Wine may take before the test fails.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// A Wine prefix with sockaudit.exe and the test helpers in one folder.
pub struct Wine {
    dir: tempfile::TempDir,
    wine: PathBuf,
    wineserver: PathBuf,
}

/// Whether Wine must be there (scripts/test installs it as root on Debian).
fn required() -> bool {
    std::env::var("SOCKAUDIT_REQUIRE_TOOLS").is_ok()
}

/// Prints why the Wine tests skip, or fails when scripts/test demanded the tools.
fn skip(why: &str) -> Option<Wine> {
    assert!(!required(), "{why} (SOCKAUDIT_REQUIRE_TOOLS)");
    eprintln!("skipped: {why}");
    None
}

fn first_existing(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

impl Wine {
    /// A fresh prefix with the exe, the stand-in DLL and the listener; `None` (after saying
    /// why) when the Windows exe, Wine or mingw-w64 is missing and the suite does not demand them.
    pub fn start() -> Option<Wine> {
        let Some(exe) = std::env::var_os("SOCKAUDIT_WINDOWS_EXE").map(PathBuf::from) else {
            return skip(
                "SOCKAUDIT_WINDOWS_EXE is not set (scripts/test builds the Windows exe and sets it)",
            );
        };
        let Some(wine) = first_existing(&["/usr/lib/wine/wine64", "/usr/bin/wine64"]) else {
            return skip("Wine (Debian wine64) is not installed");
        };
        let Some(wineserver) = first_existing(&[
            "/usr/lib/wine/wineserver64",
            "/usr/lib/wine/wineserver",
            "/usr/bin/wineserver",
        ]) else {
            return skip("wineserver is not installed");
        };
        if Command::new("x86_64-w64-mingw32-gcc")
            .arg("--version")
            .output()
            .is_err()
        {
            return skip("mingw-w64 (gcc-mingw-w64-x86-64) is not installed");
        }
        let dir = tempfile::Builder::new()
            .prefix("sockaudit-wine.")
            .tempdir()
            .expect("temp dir");
        std::fs::copy(&exe, dir.path().join("sockaudit.exe"))
            .unwrap_or_else(|e| panic!("copy {}: {e}", exe.display()));
        let wine = Wine {
            dir,
            wine,
            wineserver,
        };
        wine.compile(
            &["-shared", "-o", "bcryptprimitives.dll"],
            &["bcryptprimitives.c", "bcryptprimitives.def"],
            "-ladvapi32",
        );
        wine.compile(&["-o", "listener.exe"], &["listener.c"], "-lws2_32");
        let boot = wine
            .command(&wine.wine)
            .args(["wineboot", "-i"])
            .output()
            .expect("wineboot runs");
        assert!(
            boot.status.success(),
            "wineboot -i failed: {}",
            String::from_utf8_lossy(&boot.stderr)
        );
        Some(wine)
    }

    fn compile(&self, out: &[&str], sources: &[&str], lib: &str) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wine");
        let status = Command::new("x86_64-w64-mingw32-gcc")
            .current_dir(self.dir.path())
            .arg("-O2")
            .args(out)
            .args(sources.iter().map(|s| src.join(s)))
            .arg(lib)
            .status()
            .expect("mingw-w64 gcc runs");
        assert!(status.success(), "building {out:?} from {sources:?} failed");
    }

    fn prefix(&self) -> PathBuf {
        self.dir.path().join("prefix")
    }

    /// The prefix's `C:` drive.
    pub fn drive_c(&self) -> PathBuf {
        self.prefix().join("drive_c")
    }

    /// The folder holding sockaudit.exe (and the files a test writes next to it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.dir.path())
            .env("WINEPREFIX", self.prefix())
            .env("WINEDEBUG", "-all")
            // No display: Wine must not try to open windows or dialogs.
            .env_remove("DISPLAY")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
        command
    }

    /// Runs `sockaudit.exe ARGS` under Wine, failing the test after [`RUN_TIMEOUT`].
    pub fn sockaudit(&self, args: &[&str]) -> Output {
        let mut command = assert_cmd::Command::from_std(self.command(&self.wine));
        command.arg("sockaudit.exe").args(args).timeout(RUN_TIMEOUT);
        command
            .output()
            .unwrap_or_else(|e| panic!("wine sockaudit.exe {args:?}: {e}"))
    }

    /// Starts the Windows listener at the first free port from `first_port` (it exits by
    /// itself after `seconds`); its port once it listens. Killed on drop.
    pub fn listener(&self, seconds: u32, first_port: u16) -> (Listener, u16) {
        let mut child = self
            .command(&self.wine)
            .arg("listener.exe")
            .arg(seconds.to_string())
            .arg(first_port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("wine listener.exe starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("listener prints its port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("listener printed {line:?}, not a port"));
        (Listener(child), port)
    }
}

impl Drop for Wine {
    fn drop(&mut self) {
        // Only this prefix's wineserver (and so every Wine process of the test).
        let _ = self.command(&self.wineserver).arg("-k").status();
        let _ = self.command(&self.wineserver).arg("-w").status();
    }
}

/// The Windows listener process, killed on drop.
pub struct Listener(Child);

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
