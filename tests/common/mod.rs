//! Shared helpers for the integration tests: the built binary, and real socket-holding
//! processes.
//!
//! A "holder" is this very test executable re-run with `SOCKAUDIT_TEST_HOLDER` set: it opens
//! the sockets asked for, prints `HOLDER ...` lines, and keeps them open until its stdin closes.
//! That gives tests a separate process with a known PID and exe, without a helper binary that
//! would ship with the package. Copy the executable elsewhere first to control its path/name.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod desktop;
pub mod docker;
pub mod events;
pub mod geo;
pub mod group;
pub mod inherit;
pub mod netns;
pub mod output;
pub mod privileged;
pub mod wine;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// Tests that look at the whole machine's sockets (baselines, watch) hold this lock; the
/// holder self-test below takes it too, so it never opens a listener in their middle.
pub static MACHINE_WIDE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Takes [`MACHINE_WIDE`], surviving a poisoned lock (a failed test elsewhere).
pub fn machine_wide() -> std::sync::MutexGuard<'static, ()> {
    MACHINE_WIDE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The `sockaudit` binary under test.
pub fn sockaudit() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("sockaudit").expect("binary built")
}

/// Path of the `sockaudit` binary under test.
pub fn sockaudit_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("sockaudit")
}

/// Runs sockaudit with `args`, asserts exit 0, and parses stdout as JSON.
pub fn json_of(args: &[&str]) -> serde_json::Value {
    let out = sockaudit().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "sockaudit {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Sockets of a `list --format json` document whose local or remote port is `port`.
pub fn sockets_on_port(doc: &serde_json::Value, port: u16) -> Vec<serde_json::Value> {
    doc["sockets"]
        .as_array()
        .expect("sockets array")
        .iter()
        .filter(|s| s["local_port"] == port || s["remote_port"] == port)
        .cloned()
        .collect()
}

/// A child process holding real sockets until dropped.
pub struct Holder {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Its PID.
    pub pid: u32,
    /// The ports it reported, in order.
    pub ports: Vec<u16>,
}

impl Holder {
    /// Starts this test executable as a holder of `spec` (see [`run_holder`]).
    pub fn spawn(spec: &str) -> Holder {
        Holder::spawn_exe(&std::env::current_exe().expect("current exe"), spec)
    }

    /// Starts `exe` (a copy of this test executable) as a holder of `spec`.
    pub fn spawn_exe(exe: &Path, spec: &str) -> Holder {
        Holder::spawn_wrapped(&[], exe, spec)
    }

    /// Starts this test executable as a holder of `spec` under `wrapper` (e.g.
    /// `["ip", "netns", "exec", "ns1"]`, which execs it in place: the PID stays the same).
    pub fn spawn_in(wrapper: &[&str], spec: &str) -> Holder {
        Holder::spawn_wrapped(
            wrapper,
            &std::env::current_exe().expect("current exe"),
            spec,
        )
    }

    /// Starts `exe` (a copy of this test executable) as a holder of `spec` under `wrapper`.
    pub fn spawn_exe_in(wrapper: &[&str], exe: &Path, spec: &str) -> Holder {
        Holder::spawn_wrapped(wrapper, exe, spec)
    }

    /// Starts this test executable as a holder of `spec` with `arg0` as its argv[0] (what `ps`
    /// shows), as `exec -a` does.
    pub fn spawn_as(arg0: &str, spec: &str) -> Holder {
        Holder::spawn_command(
            &[],
            &std::env::current_exe().expect("current exe"),
            spec,
            Some(arg0),
        )
    }

    fn spawn_wrapped(wrapper: &[&str], exe: &Path, spec: &str) -> Holder {
        Holder::spawn_command(wrapper, exe, spec, None)
    }

    fn spawn_command(wrapper: &[&str], exe: &Path, spec: &str, arg0: Option<&str>) -> Holder {
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(exe);
                c
            }
            None => {
                let mut c = Command::new(exe);
                if let Some(arg0) = arg0 {
                    std::os::unix::process::CommandExt::arg0(&mut c, arg0);
                }
                c
            }
        };
        command
            .args([
                "common::holder_main",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SOCKAUDIT_TEST_HOLDER", spec)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // A freshly copied executable is "busy" while a child another test thread forks at that
        // moment still holds the copy's write fd (until its exec closes it): try again.
        let mut attempts = 0;
        let mut child = loop {
            match command.spawn() {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 100 => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => break other.expect("holder starts"),
            }
        };
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("holder stdout");
        let mut ports = Vec::new();
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let line = lines
                .next()
                .expect("holder said READY")
                .expect("holder output");
            // libtest may print "test common::holder_main ... " before our first line.
            if let Some((_, port)) = line.split_once("HOLDER PORT ") {
                ports.push(port.trim().parse().expect("port number"));
            } else if line.contains("HOLDER READY") {
                break;
            }
        }
        // Keep draining so the holder never writes into a closed pipe.
        std::thread::spawn(move || for _ in lines {});
        let pid = child.id();
        Holder {
            child,
            stdin,
            pid,
            ports,
        }
    }

    /// Closes its stdin and waits for it to exit.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Sets TCP_DEFER_ACCEPT on a listener: clients that connect and send nothing then stay in
/// the server's SYN_RECV queue, the one way to get real SYN_RECV sockets on loopback without
/// root.
#[allow(unsafe_code)]
pub fn set_defer_accept(listener: &TcpListener, seconds: libc::c_int) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let value: libc::c_int = seconds;
    let len = libc::socklen_t::try_from(std::mem::size_of::<libc::c_int>()).expect("small");
    // SAFETY: `listener` owns an open socket fd for the whole call; `value` is a live c_int on
    // this stack frame, and `len` is exactly its size, so the kernel reads only valid memory.
    // setsockopt does not retain the pointer.
    let rc = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_DEFER_ACCEPT,
            (&raw const value).cast(),
            len,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The holder's body. `spec` is a `;`-separated list of:
/// `tcp` (listener on 127.0.0.1:0), `tcp6` (on [::1]:0), `udp` (bound 127.0.0.1:0),
/// `pair` (listener + one established connection), `defer:N` (TCP_DEFER_ACCEPT listener with
/// N silent clients: N SYN_RECV sockets), `port:P` (listener on 127.0.0.1:P),
/// `any:P` (listener on 0.0.0.0:P), `serve:ADDR` (listener on ADDR that accepts and keeps
/// every connection), `connect:ADDR` (one client connection to ADDR), `bindonly` (a TCP socket
/// bound to 127.0.0.1 that never listens), `fullqueue` (a listener whose accept queue is full),
/// `hide:NETNS` (a listener in the named namespace,
/// held from ours), `churn` (a thread opening and closing sockets for up to 60 s; port 0),
/// `drain:ADDR` (a listener on ADDR that reads and discards whatever its connections send),
/// `send:ADDR:N` (a connection to ADDR that writes N bytes and stays open; its local port).
fn run_holder(spec: &str) {
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    let say = |port: u16| println!("HOLDER PORT {port}");
    for item in spec.split(';').filter(|s| !s.is_empty()) {
        let (kind, arg) = item.split_once(':').unwrap_or((item, ""));
        match kind {
            "tcp" | "tcp6" | "port" | "any" => {
                let addr: SocketAddr = match kind {
                    "tcp" => "127.0.0.1:0".parse().unwrap(),
                    "tcp6" => "[::1]:0".parse().unwrap(),
                    "port" => format!("127.0.0.1:{arg}").parse().unwrap(),
                    _ => format!("0.0.0.0:{arg}").parse().unwrap(),
                };
                let l = TcpListener::bind(addr).expect("bind");
                say(l.local_addr().unwrap().port());
                keep.push(Box::new(l));
            }
            "serve" => {
                let l = TcpListener::bind(arg).expect("bind serve address");
                say(l.local_addr().unwrap().port());
                std::thread::spawn(move || {
                    let mut accepted = Vec::new();
                    for stream in l.incoming().flatten() {
                        accepted.push(stream);
                    }
                });
            }
            "drain" => {
                let l = TcpListener::bind(arg).expect("bind drain address");
                say(l.local_addr().unwrap().port());
                std::thread::spawn(move || {
                    for mut stream in l.incoming().flatten() {
                        std::thread::spawn(move || {
                            let mut sink = [0u8; 64 * 1024];
                            while let Ok(n) = stream.read(&mut sink) {
                                if n == 0 {
                                    break;
                                }
                            }
                        });
                    }
                });
            }
            "send" => {
                let (addr, n) = arg.rsplit_once(':').expect("send:ADDR:N");
                let n: usize = n.parse().expect("send:ADDR:N");
                let mut stream = TcpStream::connect(addr).expect("connect");
                stream.write_all(&vec![0x5a; n]).expect("send");
                say(stream.local_addr().unwrap().port());
                keep.push(Box::new(stream));
            }
            "connect" => {
                let stream = TcpStream::connect(arg).expect("connect");
                say(stream.local_addr().unwrap().port());
                keep.push(Box::new(stream));
            }
            "udp" => {
                let u = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind udp");
                say(u.local_addr().unwrap().port());
                keep.push(Box::new(u));
            }
            "pair" => {
                let l = TcpListener::bind("127.0.0.1:0").expect("bind");
                let c = TcpStream::connect(l.local_addr().unwrap()).expect("connect");
                let (a, _) = l.accept().expect("accept");
                say(l.local_addr().unwrap().port());
                keep.push(Box::new(l));
                keep.push(Box::new(c));
                keep.push(Box::new(a));
            }
            "defer" => {
                let n: usize = arg.parse().expect("defer:N");
                let l = TcpListener::bind("127.0.0.1:0").expect("bind");
                set_defer_accept(&l, 60).expect("TCP_DEFER_ACCEPT");
                let addr = l.local_addr().unwrap();
                for _ in 0..n {
                    keep.push(Box::new(TcpStream::connect(addr).expect("connect")));
                }
                say(addr.port());
                keep.push(Box::new(l));
            }
            "fullqueue" => {
                // A listener with a backlog of 2 and three clients it never accepts: its accept
                // queue holds 3 (the kernel admits one beyond the backlog), i.e. it is full.
                let sock = bound_loopback_tcp();
                rustix::net::listen(&sock, 2).expect("listen");
                let l = TcpListener::from(sock);
                let addr = l.local_addr().unwrap();
                for _ in 0..3 {
                    keep.push(Box::new(TcpStream::connect(addr).expect("connect")));
                }
                say(addr.port());
                keep.push(Box::new(l));
            }
            "bindonly" => {
                // Bound, never listening nor connected: in no socket table, port taken.
                let sock = bound_loopback_tcp();
                let bound = SocketAddr::try_from(rustix::net::getsockname(&sock).unwrap()).unwrap();
                say(bound.port());
                keep.push(Box::new(sock));
            }
            "hide" => {
                // A listener in namespace ARG, then back to our own: once ARG's name is gone,
                // no process and no name leads to that namespace, so no table lists it.
                use rustix::thread::{LinkNameSpaceType, move_into_link_name_space};
                use std::os::fd::AsFd;
                let own = std::fs::File::open("/proc/thread-self/ns/net").expect("own netns");
                let target = std::fs::File::open(format!("/run/netns/{arg}")).expect("netns");
                move_into_link_name_space(target.as_fd(), Some(LinkNameSpaceType::Network))
                    .expect("setns into the test namespace");
                let l = TcpListener::bind("127.0.0.1:0").expect("bind");
                move_into_link_name_space(own.as_fd(), Some(LinkNameSpaceType::Network))
                    .expect("setns back");
                say(l.local_addr().unwrap().port());
                keep.push(Box::new(l));
            }
            "churn" => {
                // Sockets opening and closing as fast as they can, for at most 60 s (the holder's
                // own end stops it sooner): a scan in the middle sees half-made and half-gone ones.
                std::thread::spawn(|| {
                    let deadline = Instant::now() + Duration::from_secs(60);
                    while Instant::now() < deadline {
                        if let Ok(l) = TcpListener::bind("127.0.0.1:0")
                            && let Ok(addr) = l.local_addr()
                            && let Ok(c) = TcpStream::connect(addr)
                        {
                            // Closed with a reset: no TIME_WAIT sockets pile up.
                            let zero = Some(Duration::ZERO);
                            let _ = rustix::net::sockopt::set_socket_linger(&c, zero);
                            let accepted = l.accept();
                            drop((c, accepted, l));
                        }
                        std::thread::sleep(Duration::from_micros(200));
                        if let Ok(u) = std::net::UdpSocket::bind("127.0.0.1:0") {
                            let _ = u.connect("127.0.0.1:9");
                        }
                    }
                });
                say(0);
            }
            other => panic!("unknown holder item {other}"),
        }
    }
    println!("HOLDER READY");
    std::io::stdout().flush().unwrap();
    // Hold until the parent closes our stdin (or dies), with a hard stop so nothing lingers.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        let _ = tx.send(());
    });
    let _ = rx.recv_timeout(Duration::from_secs(300));
    drop(keep);
}

/// A TCP socket bound to 127.0.0.1 on a free port, neither listening nor connected (std
/// cannot make one: its listener listens at once).
fn bound_loopback_tcp() -> rustix::fd::OwnedFd {
    let sock = rustix::net::socket(
        rustix::net::AddressFamily::INET,
        rustix::net::SocketType::STREAM,
        None,
    )
    .expect("socket");
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    rustix::net::bind(&sock, &addr).expect("bind");
    sock
}

/// Entry point of a holder run; as a plain test, checks that a holder starts, serves its
/// port and goes away again.
#[test]
fn holder_main() {
    if let Ok(spec) = std::env::var("SOCKAUDIT_TEST_HOLDER") {
        run_holder(&spec);
        return;
    }
    let _machine = machine_wide();
    let holder = Holder::spawn("tcp");
    let port = holder.ports[0];
    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    holder.stop();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// Copies this test executable to `dir/name` (executable) and returns the path.
pub fn copy_self_to(dir: &Path, name: &str) -> PathBuf {
    let target = dir.join(name);
    std::fs::copy(std::env::current_exe().unwrap(), &target).expect("copy test exe");
    target
}

/// Whether we run as root (some tests need it and say so when skipped).
pub fn is_root() -> bool {
    // /proc/self/status "Uid:" first field is the real uid.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}
