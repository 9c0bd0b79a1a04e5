//! A clean host stays clean: seven stock Debian daemons from their packages, with their
//! packaged configurations, started as children of this test (as their init scripts would
//! run them, in the foreground) and stopped by process group: sshd, nginx, redis, memcached,
//! PostgreSQL, dnsmasq and exim4. The default pack must report nothing at medium or above,
//! and none of the shell, bind-shell and impostor rules at all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::group::Group;
use common::privileged::require_root;
use common::{machine_wide, sockaudit};
use serde_json::Value;

/// (name, the program that must exist, command line, a TCP port it listens on).
const DAEMONS: &[(&str, &str, &[&str], u16)] = &[
    ("sshd", "/usr/sbin/sshd", &["/usr/sbin/sshd", "-D"], 22),
    (
        "nginx",
        "/usr/sbin/nginx",
        &["/usr/sbin/nginx", "-g", "daemon off;"],
        80,
    ),
    (
        "redis",
        "/usr/bin/redis-server",
        &[
            "setpriv",
            "--reuid=redis",
            "--regid=redis",
            "--init-groups",
            "/usr/bin/redis-server",
            "/etc/redis/redis.conf",
            "--daemonize",
            "no",
        ],
        6379,
    ),
    (
        "memcached",
        "/usr/bin/memcached",
        // /etc/memcached.conf, as Debian's start script passes it.
        &[
            "/usr/bin/memcached",
            "-m",
            "64",
            "-p",
            "11211",
            "-u",
            "memcache",
            "-l",
            "127.0.0.1",
        ],
        11211,
    ),
    (
        "postgresql",
        "/usr/lib/postgresql/15/bin/postgres",
        &[
            "setpriv",
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "/usr/lib/postgresql/15/bin/postgres",
            "-D",
            "/var/lib/postgresql/15/main",
            "-c",
            "config_file=/etc/postgresql/15/main/postgresql.conf",
        ],
        5432,
    ),
    (
        "dnsmasq",
        "/usr/sbin/dnsmasq",
        &["/usr/sbin/dnsmasq", "-k"],
        53,
    ),
    (
        "exim4",
        "/usr/sbin/exim4",
        &["/usr/sbin/exim4", "-bdf", "-q30m"],
        25,
    ),
];

/// Rules added for what a socket table hides: on a clean host they must not fire at all.
const SHELL_RULES: &[&str] = &[
    "relayed-shell",
    "relayed-shell-loopback",
    "shell-holds-connection",
    "shell-holds-connection-loopback",
    "kernel-thread-impostor",
    "kernel-thread-impostor-idle",
    "bind-shell",
    "bind-shell-exec",
    "relay-listener",
    "reverse-shell",
    "masquerade",
];

fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

#[test]
fn seven_stock_debian_daemons_keep_the_default_pack_quiet() {
    if !require_root("starting system daemons") {
        return;
    }
    let missing: Vec<&str> = DAEMONS
        .iter()
        .filter(|(_, program, ..)| !Path::new(program).exists())
        .map(|(name, ..)| *name)
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var("SOCKAUDIT_REQUIRE_TOOLS").is_err(),
            "scripts/test should have installed {missing:?}"
        );
        eprintln!("skipped: {missing:?} not installed (./scripts/test installs them)");
        return;
    }
    let _machine = machine_wide();
    std::fs::create_dir_all("/run/sshd").unwrap();
    std::fs::create_dir_all("/run/redis").unwrap();
    // What the packages' units create (RuntimeDirectory=), as the daemons' users expect.
    let chown = Command::new("chown")
        .args(["redis:redis", "/run/redis"])
        .status()
        .unwrap();
    assert!(chown.success());
    let mut daemons = Vec::new();
    for (name, _, argv, port) in DAEMONS {
        assert!(
            !listening(*port),
            "port {port} is taken before {name} starts"
        );
        let daemon = Group::start(Command::new(argv[0]).args(&argv[1..]));
        daemons.push((*name, *port, daemon));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for (name, port, _) in &daemons {
        while !listening(*port) {
            assert!(Instant::now() < deadline, "{name} never listened on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    let out = sockaudit()
        .args(["scan", "--format", "json", "--fail-on", "medium"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let loud: Vec<&Value> = findings
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("medium" | "high" | "critical")))
        .collect();
    assert!(loud.is_empty(), "findings at medium or above: {loud:#?}");
    let shells: Vec<&Value> = findings
        .iter()
        .filter(|f| SHELL_RULES.contains(&f["rule"].as_str().unwrap_or_default()))
        .collect();
    assert!(shells.is_empty(), "{shells:#?}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The daemons were seen, with their owners: this is no empty scan.
    let names: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["process"]["name"].as_str())
        .collect();
    let listed = common::json_of(&["list", "--format", "json", "--listening"]);
    let owners: Vec<String> = listed["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["process"]["name"].as_str().map(str::to_string))
        .collect();
    for want in [
        "sshd",
        "nginx",
        "redis-server",
        "memcached",
        "postgres",
        "dnsmasq",
        "exim4",
    ] {
        assert!(
            owners.iter().any(|o| o == want),
            "{want} not among the listeners' owners {owners:?} (findings named {names:?})"
        );
    }
    drop(daemons);
}
