//! A network namespace a test creates and removes again (on drop, also when an assertion
//! fails), with loopback up. Needs root and iproute2; [`can_create`] says whether the test
//! should run, and fails instead of skipping when scripts/test demands the tools.

use std::process::Command;

use super::is_root;

/// Whether namespaces can be created here. When not, prints why (the caller returns); under
/// `SOCKAUDIT_REQUIRE_TOOLS=1` as root a missing `ip` is a failure, not a skip.
pub fn can_create() -> bool {
    let have_ip = Command::new("ip").arg("-V").output().is_ok();
    if is_root() && have_ip {
        return true;
    }
    assert!(
        !is_root() || std::env::var("SOCKAUDIT_REQUIRE_TOOLS").is_err(),
        "iproute2 is required (SOCKAUDIT_REQUIRE_TOOLS)"
    );
    eprintln!("skipped: needs root and iproute2 to create network namespaces (CI runs as root)");
    false
}

/// Runs `ip ARGS`, asserting success.
pub fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(
        out.status.success(),
        "ip {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A named namespace (`ip netns add`), deleted on drop.
pub struct TestNetns {
    /// Its name under /run/netns.
    pub name: String,
}

impl TestNetns {
    /// Creates `PREFIX-PID` with loopback up.
    pub fn create(prefix: &str) -> TestNetns {
        let name = format!("{prefix}-{}", std::process::id() % 100_000);
        // A namespace left over by a killed earlier run of the same PID is replaced.
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(std::process::Stdio::null())
            .status();
        ip(&["netns", "add", &name]);
        let ns = TestNetns { name };
        ip(&["-n", &ns.name, "link", "set", "lo", "up"]);
        ns
    }

    /// `ip netns exec NAME` as a command prefix.
    pub fn exec(&self) -> [&str; 4] {
        ["ip", "netns", "exec", &self.name]
    }

    /// The namespace inode (what `/proc/PID/ns/net` of its processes points at).
    pub fn inode(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(format!("/run/netns/{}", self.name))
            .expect("namespace file")
            .ino()
    }
}

impl Drop for TestNetns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

impl TestNetns {
    /// The built sockaudit run with `args` inside this namespace (it sees the namespace as its
    /// own, as on a host of its own); asserts it did not panic.
    pub fn sockaudit(&self, args: &[&str]) -> super::output::Outcome {
        let out = Command::new("ip")
            .args(&self.exec()[1..])
            .arg(super::sockaudit_path())
            .args(args)
            .output()
            .expect("sockaudit runs");
        super::output::outcome(out)
    }

    /// `ip -n NAME ARGS`, asserting success.
    pub fn ip(&self, args: &[&str]) {
        let mut full = vec!["-n", self.name.as_str()];
        full.extend_from_slice(args);
        ip(&full);
    }

    /// A veth pair from device `here` in this namespace to `there` in `other`, both ends up.
    pub fn veth_to(&self, here: &str, other: &TestNetns, there: &str) {
        ip(&[
            "link",
            "add",
            here,
            "netns",
            &self.name,
            "type",
            "veth",
            "peer",
            "name",
            there,
            "netns",
            &other.name,
        ]);
        self.ip(&["link", "set", here, "up"]);
        other.ip(&["link", "set", there, "up"]);
    }
}

/// Two namespaces `PREFIX-a-PID` and `PREFIX-b-PID` joined by veth (`DEV-PIDa` in `a`,
/// `DEV-PIDb` in `b`; DEV short enough for the kernel's 15-byte device names). Both
/// namespaces go on drop, and with them the veth ends.
pub struct VethPair {
    /// The first namespace.
    pub a: TestNetns,
    /// The second namespace.
    pub b: TestNetns,
    /// The veth end in `a`.
    pub dev_a: String,
    /// The veth end in `b`.
    pub dev_b: String,
}

impl VethPair {
    /// Creates both namespaces (loopback up) and the veth pair between them (both ends up).
    pub fn create(prefix: &str, dev: &str) -> VethPair {
        let id = std::process::id() % 100_000;
        let a = TestNetns::create(&format!("{prefix}-a"));
        let b = TestNetns::create(&format!("{prefix}-b"));
        let (dev_a, dev_b) = (format!("{dev}{id}a"), format!("{dev}{id}b"));
        a.veth_to(&dev_a, &b, &dev_b);
        VethPair { a, b, dev_a, dev_b }
    }
}
