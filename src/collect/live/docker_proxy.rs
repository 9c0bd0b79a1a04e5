//! Where a `docker-proxy` listener forwards to.
//!
//! Docker publishes a container port (`-p 8080:80`) with a `docker-proxy` process listening on
//! the host; the host's table then shows `docker-proxy` on 0.0.0.0:8080 and nothing says which
//! container answers. Its command line does: `-proto tcp -host-ip 0.0.0.0 -host-port 8080
//! -container-ip 172.17.0.2 -container-port 80`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use crate::model::{Forward, ListenFacts, Process, Protocol, Socket};

/// The destination a docker-proxy with this command line forwards `proto` port `port` to.
pub fn destination(cmdline: &[String], proto: Protocol, port: u16) -> Option<Forward> {
    let flag = |name: &str| flag_value(cmdline, name);
    if flag("proto").is_some_and(|p| p != proto.as_str()) {
        return None;
    }
    if flag("host-port").is_some_and(|p| p.parse::<u16>().ok() != Some(port)) {
        return None;
    }
    let addr: IpAddr = flag("container-ip")?.parse().ok()?;
    let port: u16 = flag("container-port")?.parse().ok()?;
    Some(Forward { addr, port })
}

/// `-name value`, `-name=value`, `--name value` or `--name=value` (Go's flag syntax).
fn flag_value<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let Some(stripped) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            continue;
        };
        if stripped == name {
            return iter.next().map(String::as_str);
        }
        if let Some(value) = stripped
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
        {
            return Some(value);
        }
    }
    None
}

fn is_docker_proxy(process: &Process) -> bool {
    process.name == "docker-proxy"
        || process
            .exe
            .as_deref()
            .and_then(|e| Path::new(e).file_name())
            .is_some_and(|f| f == "docker-proxy")
}

/// Labels every listener owned by a `docker-proxy` with its destination.
pub fn label(sockets: &mut [Socket], processes: &BTreeMap<u32, Process>) {
    for socket in sockets.iter_mut().filter(|s| s.is_listener()) {
        let Some(process) = socket
            .pids
            .iter()
            .find_map(|pid| processes.get(pid))
            .filter(|p| is_docker_proxy(p))
        else {
            continue;
        };
        if let Some(forward) = destination(&process.cmdline, socket.proto, socket.local_port) {
            socket
                .listen
                .get_or_insert_with(|| Box::new(ListenFacts::default()))
                .forwards_to = Some(forward);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn reads_dockers_flags_in_every_spelling() {
        let cmd = args(
            "/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80 -use-listen-fd",
        );
        let forward = destination(&cmd, Protocol::Tcp, 8080);
        assert_eq!(
            forward,
            Some(Forward {
                addr: "172.17.0.2".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])),
                port: 80
            })
        );
        // Another protocol or port is not this proxy's.
        assert_eq!(destination(&cmd, Protocol::Udp, 8080), None);
        assert_eq!(destination(&cmd, Protocol::Tcp, 8081), None);
        let equals = args(
            "docker-proxy --proto=udp --host-port=53 --container-ip=fd00::2 --container-port=5353",
        );
        assert_eq!(
            destination(&equals, Protocol::Udp, 53).map(|f| (f.addr.to_string(), f.port)),
            Some(("fd00::2".to_string(), 5353))
        );
        assert_eq!(
            destination(&args("docker-proxy -container-ip"), Protocol::Tcp, 1),
            None
        );
        assert_eq!(
            destination(
                &args("docker-proxy -container-ip x -container-port 80"),
                Protocol::Tcp,
                1
            ),
            None
        );
    }
}
