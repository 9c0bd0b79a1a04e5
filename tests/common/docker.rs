//! A real Docker engine for a test, inside a network namespace the test creates: its own
//! `dockerd` (started with `nsenter --net`, so it keeps the host's mounts and cgroups, which
//! `ip netns exec` would hide), data and exec roots in a temp dir, and an image built offline
//! from this machine's busybox (no registry is reachable). The bridge, veths, docker-proxy
//! listeners and the iptables rules all live in that namespace and go with it.
//!
//! Drop removes the containers, the image, the daemon (and the containerd it started) and the
//! namespace, in that order, also when an assertion failed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::group::Group;
use super::netns::TestNetns;

/// The image every test container runs.
pub const IMAGE: &str = "sockaudit-test-busybox:local";

/// A private Docker engine in its own network namespace.
pub struct Docker {
    containers: std::cell::RefCell<Vec<String>>,
    daemon: Option<Group>,
    dir: tempfile::TempDir,
    /// The namespace dockerd, its bridge and docker-proxy live in.
    pub netns: TestNetns,
}

impl Docker {
    /// Starts dockerd and imports the test image; waits (at most 60 s) until it answers.
    pub fn start(prefix: &str) -> Docker {
        let netns = TestNetns::create(prefix);
        let dir = tempfile::Builder::new()
            .prefix("sockaudit-docker")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let root = dir.path();
        let mut command = Command::new("nsenter");
        command
            .arg(format!("--net=/run/netns/{}", netns.name))
            .arg("dockerd")
            .arg("--data-root")
            .arg(root.join("data"))
            .arg("--exec-root")
            .arg(root.join("exec"))
            .arg("--pidfile")
            .arg(root.join("docker.pid"))
            .arg("-H")
            .arg(format!("unix://{}", root.join("docker.sock").display()));
        let daemon = Group::start(&mut command);
        let docker = Docker {
            containers: std::cell::RefCell::new(Vec::new()),
            daemon: Some(daemon),
            dir,
            netns,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !docker.docker(&["version"]).status.success() {
            assert!(Instant::now() < deadline, "dockerd did not answer in 60 s");
            std::thread::sleep(Duration::from_millis(200));
        }
        docker.import_image();
        docker
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    /// `docker ARGS` against this engine.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", format!("unix://{}", self.socket().display()))
            .stdin(Stdio::null())
            .output()
            .expect("docker client runs")
    }

    /// `docker ARGS`, asserting success.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A root file system of /bin/busybox and the libraries it links (from `ldd`), imported as
    /// [`IMAGE`].
    fn import_image(&self) {
        let rootfs = self.dir.path().join("rootfs");
        std::fs::create_dir_all(rootfs.join("bin")).expect("rootfs");
        copy_into(&rootfs, Path::new("/bin/busybox"));
        let ldd = Command::new("ldd")
            .arg("/bin/busybox")
            .output()
            .expect("ldd runs");
        for lib in String::from_utf8_lossy(&ldd.stdout)
            .split_whitespace()
            .filter(|w| w.starts_with('/'))
        {
            copy_into(&rootfs, Path::new(lib));
        }
        let archive = self.dir.path().join("rootfs.tar");
        let tar = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .arg("-cf")
            .arg(&archive)
            .arg(".")
            .status()
            .expect("tar runs");
        assert!(tar.success(), "tar of the rootfs failed");
        let status = Command::new("docker")
            .args(["import", &archive.display().to_string(), IMAGE])
            .env("DOCKER_HOST", format!("unix://{}", self.socket().display()))
            .stdout(Stdio::null())
            .status()
            .expect("docker import runs");
        assert!(status.success(), "docker import failed");
    }

    /// Runs a detached busybox httpd container publishing host port `port` to its port 80.
    pub fn run_published(&self, name: &str, port: u16) {
        let publish = format!("{port}:80");
        self.ok(&[
            "run",
            "-d",
            "--name",
            name,
            "-p",
            &publish,
            IMAGE,
            "/bin/busybox",
            "httpd",
            "-f",
            "-p",
            "80",
        ]);
        self.containers.borrow_mut().push(name.to_string());
    }
}

fn copy_into(rootfs: &Path, file: &Path) {
    let target = rootfs.join(file.strip_prefix("/").expect("absolute path"));
    std::fs::create_dir_all(target.parent().expect("parent")).expect("rootfs dir");
    std::fs::copy(file, &target).unwrap_or_else(|e| panic!("copy {}: {e}", file.display()));
}

impl Drop for Docker {
    fn drop(&mut self) {
        for name in self.containers.borrow().iter() {
            let _ = self.docker(&["rm", "-f", name]);
        }
        let _ = self.docker(&["rmi", "-f", IMAGE]);
        // dockerd stops its containerd on SIGTERM; the group kill after the grace catches it.
        if let Some(daemon) = self.daemon.as_ref() {
            let _ = Command::new("kill").arg(daemon.pid().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline && self.socket().exists() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        drop(self.daemon.take());
        // Overlay mounts a killed daemon left behind would keep the temp dir from going.
        let data = self.dir.path().join("data");
        if let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") {
            for mount in mounts
                .lines()
                .filter_map(|l| l.split_whitespace().nth(1))
                .filter(|m| m.starts_with(&*data.to_string_lossy()))
            {
                let _ = Command::new("umount").args(["-l", mount]).status();
            }
        }
    }
}

/// A real BIND 9 (`named`) in `netns`, answering on `port` of every address: `listen-on-v6 {
/// any; }` makes it bind each interface address one by one, link-local ones included, and
/// follow addresses as they come and go.
pub struct Named {
    _daemon: Group,
    _dir: tempfile::TempDir,
}

impl Named {
    /// Starts named in `netns` (as root: it binds, then stays root: `-u root`).
    pub fn start(netns: &TestNetns, port: u16) -> Named {
        let dir = tempfile::Builder::new()
            .prefix("sockaudit-named")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let conf = dir.path().join("named.conf");
        std::fs::write(
            &conf,
            format!(
                "options {{\n  directory \"{d}\";\n  pid-file \"{d}/named.pid\";\n  \
                 listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 port {port} {{ any; }};\n  \
                 recursion no;\n  dnssec-validation no;\n}};\n\
                 controls {{ }};\n",
                d = dir.path().display()
            ),
        )
        .expect("named.conf");
        let mut command = Command::new("ip");
        command
            .args([
                "netns",
                "exec",
                &netns.name,
                "named",
                "-g",
                "-u",
                "root",
                "-n",
                "1",
                "-c",
            ])
            .arg(&conf);
        Named {
            _daemon: Group::start(&mut command),
            _dir: dir,
        }
    }
}
