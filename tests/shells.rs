//! Shells a socket table hides, with the real tools attackers use, on 127.0.0.1 only: socat
//! with a pty, `ncat -e`, `busybox nc -e`, a python `pty.spawn` wrapper, an interactive bash
//! holding a `/dev/tcp` connection at fd 3, a shell holding a listener, and programs dressed
//! as kernel threads (busybox, which cannot bind one address, in a namespace of its own).
//! Every process is started in its own process group and killed with it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::group::Group;
use common::privileged::{require_root, require_tool};
use common::{Holder, machine_wide, sockaudit};
use serde_json::Value;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Connects to 127.0.0.1:`port` once something listens there (5 s at most).
fn connect(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) if Instant::now() > deadline => panic!("nothing listens on {port}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn scan() -> Value {
    let out = sockaudit()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    common::output::assert_no_panic("scan", &String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Scans until a finding of `rule` matching `want` appears (10 s at most): the finding.
fn wait_for(rule: &str, want: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let doc = scan();
        if let Some(f) = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule && want(f))
        {
            return f.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no {rule} finding; findings: {:#}",
            doc["findings"]
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn tools(names: &[&str]) -> bool {
    require_root("reading other processes' fds") && names.iter().all(|t| require_tool(t))
}

/// Whether `pid` is behind the finding: its process, or an owner of one of its sockets
/// (listeners in the ephemeral range share a fingerprint, so two runs' findings merge).
fn involves(f: &Value, pid: u32) -> bool {
    f["process"]["pid"] == pid
        || f["evidence"]["sockets"].as_array().is_some_and(|a| {
            a.iter().any(|s| {
                s["pids"]
                    .as_array()
                    .is_some_and(|p| p.contains(&pid.into()))
            })
        })
}

fn message(f: &Value) -> &str {
    f["message"].as_str().unwrap_or_default()
}

#[test]
fn socat_with_a_pty_is_a_bind_shell_then_a_relayed_shell() {
    if !tools(&["socat"]) {
        return;
    }
    let _machine = machine_wide();
    let port = free_port();
    let socat = Group::start(Command::new("socat").args([
        &format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr"),
        "EXEC:sh -i,pty,stderr",
    ]));
    let pid = socat.pid();
    let f = wait_for("bind-shell-exec", |f| involves(f, pid));
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["process"]["cmdline"][2], "EXEC:sh -i,pty,stderr", "{f:#}");

    let _client = connect(port);
    let f = wait_for("relayed-shell-loopback", |f| f["process"]["ppid"] == pid);
    assert_eq!(f["severity"], "high");
    assert_eq!(f["process"]["name"], "sh");
    let text = message(&f);
    assert!(
        text.contains("on /dev/pts/") && text.contains("whose master socat (pid"),
        "{text}"
    );
    assert!(
        text.contains(&format!("127.0.0.1:{port} <-> 127.0.0.1:")),
        "{text}"
    );
    assert_eq!(
        f["evidence"]["sockets"][0]["local_port"], port,
        "the relay's connection is the evidence"
    );
}

#[test]
fn ncat_exec_hands_the_shell_pipes_and_a_leaked_socket() {
    if !tools(&["ncat"]) {
        return;
    }
    let _machine = machine_wide();
    let port = free_port();
    let ncat = Group::start(Command::new("ncat").args([
        "-l",
        "127.0.0.1",
        &port.to_string(),
        "-e",
        "/bin/sh",
    ]));
    let pid = ncat.pid();
    let f = wait_for("bind-shell-exec", |f| involves(f, pid));
    assert_eq!(f["severity"], "critical");
    let f = wait_for("relay-listener", |f| involves(f, pid));
    assert_eq!(f["severity"], "high");

    let _client = connect(port);
    let f = wait_for("relayed-shell-loopback", |f| f["process"]["ppid"] == pid);
    assert!(
        message(&f).contains("on pipe:[") && message(&f).contains("ncat (pid"),
        "{f:#}"
    );
    let f = wait_for("shell-holds-connection-loopback", |f| {
        f["process"]["ppid"] == pid
    });
    assert!(message(&f).contains(&format!("127.0.0.1:{port}")), "{f:#}");
}

#[test]
fn busybox_nc_with_an_exec_option_is_a_bind_shell() {
    if !tools(&["busybox"]) || !common::netns::can_create() {
        return;
    }
    let _machine = machine_wide();
    // Debian's busybox nc cannot bind one address: it listens in a namespace of our own.
    let ns = common::netns::TestNetns::create("sa-bb");
    let nc = Group::start(
        Command::new("ip")
            .args([
                "netns", "exec", &ns.name, "busybox", "nc", "-l", "-p", "4444", "-e",
            ])
            .arg("/bin/sh"),
    );
    let pid = nc.pid();
    let f = wait_for("bind-shell-exec", |f| involves(f, pid));
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["process"]["cmdline"][0], "busybox", "{f:#}");
    assert_eq!(f["socket"]["netns"], ns.name.as_str(), "{f:#}");
    drop(nc);
}

#[test]
fn a_python_pty_wrapper_drives_a_shell_over_its_connection() {
    if !tools(&["python3"]) {
        return;
    }
    let _machine = machine_wide();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // The classic one-liner: the socket on python's stdio, a pty for the shell.
    let script = format!(
        "import os,pty,socket\ns=socket.create_connection(('127.0.0.1',{port}))\n[os.dup2(s.fileno(),f) for f in (0,1,2)]\npty.spawn('/bin/sh')"
    );
    let python = Group::start(Command::new("/usr/bin/python3").args(["-c", &script]));
    let (_accepted, _) = listener.accept().unwrap();
    let pid = python.pid();
    let f = wait_for("relayed-shell-loopback", |f| f["process"]["ppid"] == pid);
    assert_eq!(f["process"]["name"], "sh");
    assert!(message(&f).contains("whose master python3 (pid"), "{f:#}");
    // The wrapper itself has the socket on its stdio: the classic reverse shell.
    let f = wait_for("reverse-shell", |f| f["process"]["pid"] == pid);
    assert_eq!(f["severity"], "critical");
}

#[test]
fn an_interactive_bash_holding_a_dev_tcp_connection_at_fd_3() {
    if !tools(&["bash"]) {
        return;
    }
    let _machine = machine_wide();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut bash = Command::new("bash")
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = bash.stdin.take().unwrap();
    writeln!(stdin, "exec 3<>/dev/tcp/127.0.0.1/{port}").unwrap();
    let (_accepted, _) = listener.accept().unwrap();
    let pid = bash.id();
    let bash = Group(bash);
    let f = wait_for("shell-holds-connection-loopback", |f| {
        f["process"]["pid"] == pid
    });
    assert_eq!(f["severity"], "high");
    assert!(
        message(&f).contains(&format!("<-> 127.0.0.1:{port} ESTABLISHED")),
        "{f:#}"
    );
    drop(stdin);
    drop(bash);
}

#[test]
fn a_shell_holding_a_listener_is_a_bind_shell() {
    if !tools(&["python3"]) {
        return;
    }
    let _machine = machine_wide();
    // A listener on an ordinary high port, handed to a shell that waits on its stdin.
    let script = "import os,socket\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nos.set_inheritable(s.fileno(),True)\nos.execv('/bin/sh',['sh','-c','read x'])";
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().unwrap();
    let pid = child.id();
    let _shell = Group(child);
    let f = wait_for("bind-shell", |f| involves(f, pid));
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["socket"]["local_port"], port);
    assert!(port > 1024, "an ordinary port, not a famous backdoor one");
}

#[test]
fn programs_dressed_as_kernel_threads_are_impostors() {
    if !require_root("reading other processes' exe links") {
        return;
    }
    let _machine = machine_wide();
    // argv[0] like `ps` shows a kernel worker, a real executable behind it, a listener.
    let holder = Holder::spawn_as("[kworker/0:1]", "tcp");
    let f = wait_for("kernel-thread-impostor", |f| {
        f["process"]["pid"] == holder.pid
    });
    assert_eq!(f["severity"], "high");
    assert!(
        message(&f).contains("named `[kworker/0:1]` like a kernel thread"),
        "{f:#}"
    );
    // Without a socket it is still reported, at medium.
    let sleeper = Group::start(Command::new("sleep").arg("60").arg0("kswapd0"));
    let pid = sleeper.pid();
    let f = wait_for("kernel-thread-impostor-idle", |f| {
        f["process"]["pid"] == pid
    });
    assert_eq!(f["severity"], "medium");
    assert!(message(&f).contains("owns no socket"), "{f:#}");
    holder.stop();
}
