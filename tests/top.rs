//! `sockaudit top` on a real terminal: tmux runs it in a detached session of a fixed size
//! while holder processes keep known sockets open; keys go in with `tmux send-keys` and the
//! screen comes back with `tmux capture-pane -p`. Every wait polls with a deadline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::netns::{self, TestNetns};
use common::{Holder, copy_self_to, sockaudit_path};

/// How long a screen may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(20);

/// A private tmux server with one session running `sh`; killed on drop.
struct Tmux {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// A `width`x`height` session, or `None` (after saying why) when tmux is missing.
    fn start(width: u16, height: u16) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var("SOCKAUDIT_REQUIRE_TOOLS").is_err(),
                "tmux is required (SOCKAUDIT_REQUIRE_TOOLS); scripts/test installs it"
            );
            eprintln!("skipped: tmux is not installed (Debian: apt-get install tmux)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let tmux = Tmux {
            socket: dir.path().join("tmux.sock"),
            _dir: dir,
        };
        let out = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "-s",
            "t",
            "env PS1='$ ' sh",
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        tmux.wait_for("the shell prompt", |s| s.lines().next() == Some("$"));
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Types `text` (literally), then Enter when `enter`.
    fn type_text(&self, text: &str, enter: bool) {
        assert!(
            self.run(&["send-keys", "-t", "t", "-l", text])
                .status
                .success()
        );
        if enter {
            self.key("Enter");
        }
    }

    /// Presses one key by its tmux name (`Enter`, `Escape`, `q`...).
    fn key(&self, name: &str) {
        assert!(self.run(&["send-keys", "-t", "t", name]).status.success());
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "t", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the screen until `ready` holds on two captures in a row that are the same (so a
    /// screen caught half redrawn is not taken), and returns it; fails with the last screen.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        loop {
            let screen = self.screen();
            if ready(&screen) && screen == last {
                return screen;
            }
            last = screen.clone();
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The PID of the `sockaudit` the session's shell runs, waited for.
    fn top_pid(&self) -> String {
        let shell = self.format("#{pane_pid}");
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(pid) = children(&shell).into_iter().next() {
                return pid;
            }
            assert!(Instant::now() < deadline, "no sockaudit under the shell");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The `sockaudit` processes whose parent is `parent`.
fn children(parent: &str) -> Vec<String> {
    let out = Command::new("pgrep")
        .args(["-P", parent, "-x", "sockaudit"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

/// Whether `pid` is still a live process (a zombie counts as gone).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.starts_with(" Z"))
    })
}

/// Waits up to `limit` for `pid` to end; whether it did.
fn ends_within(pid: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

impl Drop for Tmux {
    /// Kills the server, and then any `sockaudit` the shell was running that outlived it (a
    /// failing test must not leave one behind).
    fn drop(&mut self) {
        let shell = self.format("#{pane_pid}");
        let left = if shell.is_empty() {
            Vec::new()
        } else {
            children(&shell)
        };
        let _ = self.run(&["kill-server"]);
        for pid in left {
            if !ends_within(&pid, Duration::from_secs(5)) {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
            }
        }
    }
}

/// The line of the screen that contains `needle`.
fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{screen}"))
}

fn sh_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn top_shows_the_listener_filters_details_and_quits_cleanly() {
    if !netns::can_create() {
        return;
    }
    // A namespace of our own: the only sockets in it are the holder's, so the footer's counts
    // are exact.
    let ns = TestNetns::create("sa-top");
    let dir = tempfile::tempdir().unwrap();
    let exe = copy_self_to(dir.path(), "topholder");
    let holder = Holder::spawn_exe_in(&ns.exec(), &exe, "tcp;pair");
    let (listener, paired) = (holder.ports[0], holder.ports[1]);
    let Some(tmux) = Tmux::start(80, 24) else {
        return;
    };
    tmux.type_text(
        &format!(
            "ip netns exec {} {} top --no-all-namespaces --interval 0.5; echo TOP-EXIT:$?",
            ns.name,
            sh_quote(&sockaudit_path())
        ),
        true,
    );
    let listener_addr = format!("127.0.0.1:{listener}");
    let screen = tmux.wait_for("the listener row", |s| {
        s.contains(" sockaudit top ") && s.contains(&listener_addr)
    });
    assert_eq!(tmux.format("#{alternate_on}"), "1", "{screen}");
    let row = line_with(&screen, &listener_addr);
    assert!(row.starts_with("topholder"), "{row}");
    assert!(row.contains(&holder.pid.to_string()), "{row}");
    assert!(row.contains("*:*") && row.contains("LISTEN"), "{row}");
    // The holder runs from a temp dir: the built-in pack's exe-in-temp rule flags its sockets
    // (the column may cut the rule id at 80 columns; the detail pane below has it whole).
    assert!(row.contains("HIGH exe-in"), "{row}");
    let header = screen.lines().nth(1).unwrap();
    for column in [
        "Process", "PID", "Local", "Remote", "State", "Sent", "Recv", "Finding",
    ] {
        assert!(header.contains(column), "{column}: {screen}");
    }
    // Two listeners and both ends of one connection, nothing else: the footer counts them.
    let footer = screen.lines().nth(22).unwrap();
    assert_eq!(
        footer, "Endpoints: 4  Estab: 2  Listen: 2  TimeWait: 0  CloseWait: 0  SynRecv: 0",
        "{screen}"
    );
    assert!(
        screen.lines().nth(23).unwrap().starts_with("q quit"),
        "{screen}"
    );

    // `/` and a port: only that socket is left.
    tmux.key("/");
    tmux.type_text(&format!(":{listener}"), false);
    tmux.key("Enter");
    let paired_addr = format!("127.0.0.1:{paired}");
    let screen = tmux.wait_for("the filtered table", |s| {
        s.contains(&format!("filter /:{listener}")) && !s.contains(&paired_addr)
    });
    assert!(screen.contains(&listener_addr), "{screen}");
    assert!(screen.contains("showing 1 of 4"), "{screen}");

    // Enter: the detail pane of the selected (only) row.
    tmux.key("Enter");
    let screen = tmux.wait_for("the detail pane", |s| s.contains("Details"));
    assert!(
        screen.contains(&format!("topholder (pid {})", holder.pid)),
        "{screen}"
    );
    assert!(screen.contains("common::holder_main"), "{screen}");
    assert!(
        screen.contains(&format!("Exe       {}", exe.display())),
        "{screen}"
    );
    assert!(screen.contains("Findings  1"), "{screen}");
    assert!(screen.contains("HIGH      exe-in-temp: "), "{screen}");
    assert!(screen.contains("evidence: 4 socket(s)"), "{screen}");
    tmux.key("Escape");
    tmux.wait_for("the pane to close", |s| !s.contains("Details"));

    // q: top ends, the alternate screen is left and the shell is back, in cooked mode.
    tmux.key("q");
    let screen = tmux.wait_for("the shell after top", |s| s.contains("TOP-EXIT:0"));
    assert!(!screen.contains(" sockaudit top "), "{screen}");
    assert_eq!(tmux.format("#{alternate_on}"), "0", "{screen}");
    tmux.type_text(
        "stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo",
        true,
    );
    tmux.wait_for("stty to show a cooked terminal", |s| {
        s.contains("icanon echo")
    });
    holder.stop();
}

#[test]
fn sigterm_restores_the_terminal_and_narrow_screens_keep_the_essentials() {
    let Some(tmux) = Tmux::start(60, 15) else {
        return;
    };
    tmux.type_text(
        &format!(
            "{} top --no-all-namespaces; echo TOP-EXIT:$?",
            sh_quote(&sockaudit_path())
        ),
        true,
    );
    let screen = tmux.wait_for("top", |s| {
        s.contains(" sockaudit top ") && s.contains("q quit")
    });
    let header = screen.lines().nth(1).unwrap();
    assert!(
        header.contains("Process") && header.contains("Local"),
        "{screen}"
    );
    assert!(header.contains("State"), "{screen}");
    // 60 columns: the rate columns are the first to go.
    assert!(!header.contains("Tx/s"), "{screen}");

    let top = tmux.top_pid();
    assert!(
        Command::new("kill")
            .args(["-TERM", &top])
            .status()
            .unwrap()
            .success()
    );
    let screen = tmux.wait_for("the shell after SIGTERM", |s| s.contains("TOP-EXIT:"));
    assert!(screen.contains("TOP-EXIT:0"), "{screen}");
    assert_eq!(tmux.format("#{alternate_on}"), "0", "{screen}");
    tmux.type_text(
        "stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo",
        true,
    );
    tmux.wait_for("stty to show a cooked terminal", |s| {
        s.contains("icanon echo")
    });
}

/// With stdin redirected, top reads keys from /dev/tty and runs as usual: the watchdog that
/// ends top when its terminal goes away must not take a stdin that never was one for a lost
/// terminal.
#[test]
fn top_with_stdin_redirected_still_runs_and_quits() {
    let Some(tmux) = Tmux::start(80, 24) else {
        return;
    };
    tmux.type_text(
        &format!(
            "{} top --no-all-namespaces < /dev/null; echo TOP-EXIT:$?",
            sh_quote(&sockaudit_path())
        ),
        true,
    );
    tmux.wait_for("top", |s| s.contains("q quit"));
    let top = tmux.top_pid();
    // Several watchdog ticks (250 ms each).
    std::thread::sleep(Duration::from_millis(1500));
    assert!(alive(&top), "top ended by itself:\n{}", tmux.screen());
    tmux.key("q");
    let screen = tmux.wait_for("the shell after q", |s| s.contains("TOP-EXIT:"));
    assert!(screen.contains("TOP-EXIT:0"), "{screen}");
}

/// A terminal that goes away (the SSH session or the tmux server died) ends top, with the
/// status a shell gives a hangup, even when SIGHUP is ignored: crossterm alone would spin on
/// the dead tty forever.
#[test]
fn a_vanished_terminal_ends_top() {
    let Some(tmux) = Tmux::start(80, 24) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("status");
    tmux.type_text(
        &format!(
            // A non-interactive shell that outlives the hangup to tell top's status.
            "exec sh -c \"trap '' HUP; {} top --no-all-namespaces; echo \\$? > {}\"",
            sh_quote(&sockaudit_path()),
            sh_quote(&status)
        ),
        true,
    );
    tmux.wait_for("top", |s| s.contains("q quit"));
    let top = tmux.top_pid();
    assert!(tmux.run(&["kill-server"]).status.success());
    let ended = ends_within(&top, WAIT);
    if !ended {
        let _ = Command::new("kill").args(["-KILL", &top]).status();
    }
    assert!(ended, "sockaudit top outlived its terminal");
    let deadline = Instant::now() + WAIT;
    while !status.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let code = std::fs::read_to_string(&status).unwrap_or_default();
    assert_eq!(code.trim(), "129", "the shell's $? after the hangup");
}

#[test]
fn top_refuses_a_pipe_and_batch_prints_a_screen() {
    let out = common::sockaudit()
        .args(["top", "--input", "fixtures/top/after.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("use --batch"), "{err}");

    let out = common::sockaudit()
        .args([
            "top",
            "--batch",
            "--input",
            "fixtures/top/after.json",
            "--size",
            "100x20",
            "--sort",
            "sent",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let screen = String::from_utf8(out.stdout).unwrap();
    assert_eq!(screen.lines().count(), 20, "{screen}");
    let rows: Vec<&str> = screen.lines().skip(2).collect();
    assert!(rows[0].starts_with("curl"), "{screen}");
    assert!(screen.contains("evil\\x1b[2J"), "{screen}");
    assert!(!screen.contains('\u{1b}'), "{screen}");

    let help = common::sockaudit()
        .args(["top", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("never kills processes or closes connections"),
        "{help}"
    );
}
