//! The container or systemd unit a process runs in, from `/proc/PID/cgroup`.
//!
//! Container runtimes name the cgroup of each container after its id (`docker-<id>.scope`,
//! `/docker/<id>`, `cri-containerd-<id>.scope`, `libpod-<id>.scope`, `crio-<id>.scope`,
//! `/lxc/<name>`), and systemd puts every service in `<name>.service`. Reading the path is how
//! `docker ps`-free tools (systemd-cgls, cAdvisor) tell them apart; there is no crate for the
//! naming conventions themselves, so they are listed here.

use std::io::Read;

use crate::model::Container;

/// `/proc/PID/cgroup` is a few lines; a process cannot make it longer than its nesting depth
/// allows, but the read is bounded anyway.
const MAX_CGROUP_BYTES: u64 = 64 * 1024;

/// The cgroup path of `pid`: the cgroup v2 entry (`0::/...`), else the v1 `name=systemd`,
/// `pids` or `memory` hierarchy, else the first entry.
pub fn read(pid: u32) -> Option<String> {
    let file = std::fs::File::open(format!("/proc/{pid}/cgroup")).ok()?;
    let mut text = String::new();
    file.take(MAX_CGROUP_BYTES).read_to_string(&mut text).ok()?;
    pick_path(&text).map(str::to_string)
}

/// Chooses the most telling hierarchy's path from the file's lines (`ID:CONTROLLERS:PATH`).
fn pick_path(text: &str) -> Option<&str> {
    let entries: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            Some((controllers, path))
        })
        .collect();
    let by = |want: &str| {
        entries
            .iter()
            .find(|(c, _)| c.split(',').any(|x| x == want))
            .map(|(_, p)| *p)
    };
    entries
        .iter()
        .find(|(c, _)| c.is_empty())
        .map(|(_, p)| *p)
        .or_else(|| by("name=systemd"))
        .or_else(|| by("pids"))
        .or_else(|| by("memory"))
        .or_else(|| entries.first().map(|(_, p)| *p))
}

/// The container and systemd unit a cgroup path names. A container's own processes have no
/// unit of interest (the unit is the container's scope), so at most one of the two is set,
/// except for a container that runs systemd inside (then the unit is the inner one).
pub fn classify(path: &str) -> (Option<Container>, Option<String>) {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let mut container = None;
    let mut pod = None;
    let mut after_container = 0;
    for (i, part) in parts.iter().enumerate() {
        if let Some(uid) = pod_uid(part) {
            pod = Some(uid);
            continue;
        }
        let previous = i.checked_sub(1).map(|j| parts[j]);
        if let Some(found) = container_of(part, previous, pod.is_some()) {
            container = Some(found);
            after_container = i + 1;
        }
    }
    if let Some(c) = container.as_mut() {
        c.pod = pod;
    }
    // Inside a container only its own units count; its systemd's init.scope says nothing.
    let unit = parts[after_container..]
        .iter()
        .rev()
        .find(|p| p.ends_with(".service") || p.ends_with(".scope"))
        .filter(|p| container.is_none() || **p != "init.scope")
        .map(|p| (*p).to_string());
    (container, unit)
}

/// A container named by one path component (with the component before it, for `/docker/<id>`
/// style v1 paths and kubepods' bare ids).
fn container_of(part: &str, previous: Option<&str>, in_pod: bool) -> Option<Container> {
    const SCOPES: [(&str, &str); 6] = [
        ("docker-", "docker"),
        ("cri-containerd-", "containerd"),
        ("crio-", "cri-o"),
        ("libpod-", "podman"),
        ("containerd-", "containerd"),
        ("machine-", "machine"),
    ];
    if let Some(stem) = part.strip_suffix(".scope") {
        for (prefix, runtime) in SCOPES {
            if let Some(id) = stem.strip_prefix(prefix) {
                // conmon and friends monitor a container from outside it.
                if id.starts_with("conmon-") || id.is_empty() {
                    return None;
                }
                let id = if runtime == "machine" {
                    // systemd escapes `-` in machine names as \x2d.
                    id.replace("\\x2d", "-")
                } else if is_hex_id(id) {
                    id.to_string()
                } else {
                    return None;
                };
                return Some(Container {
                    runtime: runtime.to_string(),
                    id,
                    pod: None,
                });
            }
        }
        return None;
    }
    let runtime = match previous {
        Some("docker") => "docker",
        Some("libpod_parent") => "podman",
        Some("lxc") => "lxc",
        // The cgroupfs driver's path does not say which runtime Kubernetes uses.
        _ if in_pod && is_hex_id(part) => "kubepods",
        _ => {
            let name = part.strip_prefix("lxc.payload.")?;
            return Some(Container {
                runtime: "lxc".to_string(),
                id: name.to_string(),
                pod: None,
            });
        }
    };
    if runtime != "lxc" && !is_hex_id(part) {
        return None;
    }
    Some(Container {
        runtime: runtime.to_string(),
        id: part.to_string(),
        pod: None,
    })
}

/// `pod0123-...` (cgroupfs driver) or `kubepods-besteffort-pod0123_....slice` (systemd driver,
/// which writes the uid's dashes as underscores).
fn pod_uid(part: &str) -> Option<String> {
    let uid = if let Some(stem) = part.strip_suffix(".slice") {
        stem.starts_with("kubepods")
            .then(|| stem.rsplit_once("-pod"))
            .flatten()
            .map(|(_, uid)| uid.replace('_', "-"))?
    } else {
        part.strip_prefix("pod")?.to_string()
    };
    (uid.len() >= 32 && uid.chars().all(|c| c.is_ascii_hexdigit() || c == '-')).then_some(uid)
}

/// OCI container ids are 64 lower-case hex digits.
fn is_hex_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "4f3b1c0e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b";

    fn check(path: &str, runtime: Option<&str>, unit: Option<&str>) -> Option<Container> {
        let (container, found_unit) = classify(path);
        assert_eq!(
            container.as_ref().map(|c| c.runtime.as_str()),
            runtime,
            "{path}"
        );
        assert_eq!(found_unit.as_deref(), unit, "{path}");
        container
    }

    #[test]
    fn systemd_services_and_sessions() {
        check("/system.slice/nginx.service", None, Some("nginx.service"));
        check(
            "/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope",
            None,
            Some("app-gnome-firefox-4242.scope"),
        );
        check(
            "/user.slice/user-1000.slice/session-3.scope",
            None,
            Some("session-3.scope"),
        );
        check("/", None, None);
        check("/init.scope", None, Some("init.scope"));
    }

    #[test]
    fn docker_v2_v1_and_systemd_inside() {
        let c = check(
            &format!("/system.slice/docker-{ID}.scope"),
            Some("docker"),
            None,
        );
        assert_eq!(c.map(|c| c.id), Some(ID.to_string()));
        check(&format!("/docker/{ID}"), Some("docker"), None);
        // A container running systemd: the inner unit is what runs there.
        check(
            &format!("/system.slice/docker-{ID}.scope/system.slice/nginx.service"),
            Some("docker"),
            Some("nginx.service"),
        );
        // Not an id: a directory some admin called docker.
        check("/docker/builds", None, None);
    }

    #[test]
    fn kubernetes_podman_crio_lxc_machines() {
        let pod = "8a5d2c1e-1b2c-4d5e-8f9a-0b1c2d3e4f5a";
        let c = check(
            &format!(
                "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{}.slice/cri-containerd-{ID}.scope",
                pod.replace('-', "_")
            ),
            Some("containerd"),
            None,
        );
        assert_eq!(c.and_then(|c| c.pod).as_deref(), Some(pod));
        let c = check(
            &format!("/kubepods/burstable/pod{pod}/{ID}"),
            Some("kubepods"),
            None,
        );
        assert_eq!(c.and_then(|c| c.pod).as_deref(), Some(pod));
        check(
            &format!("/machine.slice/libpod-{ID}.scope/container"),
            Some("podman"),
            None,
        );
        // conmon watches a container from outside it: its own scope, no container.
        let conmon = format!("libpod-conmon-{ID}.scope");
        check(
            &format!("/machine.slice/{conmon}"),
            None,
            Some(conmon.as_str()),
        );
        check(
            &format!("/system.slice/crio-{ID}.scope"),
            Some("cri-o"),
            None,
        );
        let c = check("/lxc.payload.web1", Some("lxc"), None);
        assert_eq!(c.map(|c| c.id).as_deref(), Some("web1"));
        check("/lxc/web2", Some("lxc"), None);
        let c = check(
            "/machine.slice/machine-debian\\x2dtest.scope",
            Some("machine"),
            None,
        );
        assert_eq!(c.map(|c| c.short()).as_deref(), Some("machine:debian-test"));
    }

    #[test]
    fn picks_the_unified_hierarchy_then_systemd() {
        let v1 = "12:pids:/system.slice/cron.service\n1:name=systemd:/system.slice/ssh.service\n";
        assert_eq!(pick_path(v1), Some("/system.slice/ssh.service"));
        let hybrid = "1:name=systemd:/x.service\n0::/system.slice/docker-abc.scope\n";
        assert_eq!(pick_path(hybrid), Some("/system.slice/docker-abc.scope"));
        assert_eq!(pick_path(""), None);
    }

    #[test]
    fn reads_this_process() {
        // Whatever the test runs in, the file exists and one path is chosen from it.
        let path = read(std::process::id());
        assert!(path.is_some_and(|p| p.starts_with('/')));
    }
}
