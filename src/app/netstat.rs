//! `sockaudit netstat [ARGS] [interval]`: the seed's netstat, Windows or Linux dialect. The
//! connection table runs the scan pipeline (collect -> enrich -> evaluate, [`Scanner`]) and
//! marks each row with its worst finding, linked to sockets the way `top` links them
//! ([`crate::top::model::rows`]); `-s`/`-e`/`-i` run `stats`, `-r` runs `routes`.

use std::collections::BTreeMap;

use super::error::{AppError, ExitStatus};
use super::inputs::{print, repeat};
use super::pipeline::Scanner;
use crate::cli::{
    Connections, DeepArgs, Dialect, NamespaceArgs, NetstatArgs, NetstatView, RoutesArgs,
    RoutesFormat, ScanArgs, ScanFormat, StatsArgs, StatsFormat,
};
use crate::enrich::Enrichment;
use crate::files::services::Services;
use crate::model::finding::Finding;
use crate::model::{Protocol, Snapshot, Socket};
use crate::report::netstat::{Layout, Mark, NetstatRow, Servers, render};
use crate::report::scan::Summary;
use crate::report::style::Palette;

pub(super) fn run(args: &NetstatArgs, color: bool, quiet: bool) -> Result<ExitStatus, AppError> {
    let request = crate::cli::parse_netstat(&args.words, args.dialect())
        .map_err(|e| AppError::Usage(e.to_string()))?;
    if args.count.is_some() && request.interval.is_none() {
        return Err(AppError::Usage(
            "netstat: --count needs an interval (a trailing number of seconds, e.g. `-ano 5 --count 3`)"
                .to_string(),
        ));
    }
    if args.capture.all_blocks {
        return Err(AppError::Usage(
            "netstat: --all-blocks is not supported; `sockaudit list --all-blocks` prints every listing of a capture".to_string(),
        ));
    }
    match request.view {
        NetstatView::Connections(connections) => table(
            args,
            request.dialect,
            &connections,
            request.interval,
            color,
            quiet,
        ),
        NetstatView::Routes => {
            repeat(request.interval, args.count, || {
                super::routes::run(&routes_args(args), color).map(|_| ())
            })?;
            Ok(ExitStatus::Clean)
        }
        NetstatView::Stats { routes, protocol } => {
            if let Some(protocol) = protocol {
                tracing::info!(
                    "netstat -s -p {protocol}: the statistics of every protocol are shown (sockaudit stats)"
                );
            }
            repeat(request.interval, args.count, || {
                if routes {
                    super::routes::run(&routes_args(args), color)?;
                    print("\n")?;
                }
                super::stats::run(&stats_args(args), color).map(|_| ())
            })?;
            Ok(ExitStatus::Clean)
        }
    }
}

/// `-r`: `sockaudit routes` (of `--input` when given: a route capture or snapshot).
fn routes_args(args: &NetstatArgs) -> RoutesArgs {
    RoutesArgs {
        neighbours: false,
        input: args.input.iter().cloned().collect(),
        encoding: args.capture.encoding,
        strict: false,
        format: RoutesFormat::Text,
    }
}

/// `-s`, `-e`: `sockaudit stats` (of `--input` when given: a saved copy of /proc/net).
fn stats_args(args: &NetstatArgs) -> StatsArgs {
    StatsArgs {
        all: false,
        format: StatsFormat::Text,
        interval: None,
        count: None,
        input: args.input.iter().cloned().collect(),
    }
}

/// The scan behind the finding column: netstat's rules and input options, nothing written,
/// the namespace sockaudit runs in (like netstat) unless `--all-namespaces`.
fn scan_args(args: &NetstatArgs) -> ScanArgs {
    ScanArgs {
        rules: args.rules.clone(),
        namespaces: NamespaceArgs {
            all_namespaces: args.namespaces.all_namespaces,
            no_all_namespaces: !args.namespaces.all_namespaces,
        },
        deep: DeepArgs::default(),
        input: args.input.clone(),
        capture: args.capture.clone(),
        format: ScanFormat::Text,
        output: None,
        fail_on: args.fail_on,
        geoip: args.geoip.clone(),
        strict: false,
        state: None,
        renotify: None,
        write: Vec::new(),
        notify: false,
        sample: None,
    }
}

fn table(
    args: &NetstatArgs,
    dialect: Dialect,
    connections: &Connections,
    interval: Option<std::time::Duration>,
    color: bool,
    quiet: bool,
) -> Result<ExitStatus, AppError> {
    let scanner = Scanner::new(&scan_args(args))?;
    let services = (!connections.numeric).then(Services::load_system);
    let layout = layout_of(dialect, connections);
    let palette = Palette::new(color);
    let mut failed = false;
    let mut said = false;
    let no_previous = BTreeMap::new();
    repeat(interval, args.count, || {
        let (snapshot, eval) = scanner.scan(&no_previous)?;
        let marks = if args.no_marks {
            vec![None; snapshot.sockets.len()]
        } else {
            marks(&snapshot, &eval.findings)
        };
        let mut rows: Vec<NetstatRow<'_>> = snapshot
            .sockets
            .iter()
            .zip(marks)
            .filter(|(socket, _)| shows(dialect, connections, socket))
            .map(|(socket, mark)| NetstatRow { socket, mark })
            .collect();
        rows.sort_by(|a, b| a.socket.sort_key().cmp(&b.socket.sort_key()));
        print(&render(
            &snapshot,
            &rows,
            layout,
            services.as_ref(),
            palette,
        ))?;
        let summary = Summary::new(&snapshot, &eval, args.fail_on.threshold());
        failed |= summary.failed;
        if !said && !args.no_marks && !eval.findings.is_empty() {
            said = true;
            let marked = rows.iter().filter(|r| r.mark.is_some()).count();
            super::start::to_stderr(
                quiet,
                &format!(
                    "sockaudit netstat: {} finding(s), the worst {}; {marked} row(s) shown are marked; `sockaudit scan` reports every finding with its evidence",
                    eval.findings.len(),
                    eval.findings
                        .iter()
                        .map(|f| f.severity)
                        .max()
                        .map_or("none", |s| s.as_str()),
                ),
            );
        }
        Ok(())
    })?;
    Ok(if failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

fn layout_of(dialect: Dialect, c: &Connections) -> Layout {
    match dialect {
        Dialect::Windows => Layout::Windows {
            pid: c.pid,
            owner_lines: c.owner_lines,
        },
        Dialect::Linux => Layout::Linux {
            servers: if c.all {
                Servers::And
            } else if c.listening {
                Servers::Only
            } else {
                Servers::Without
            },
            extended: c.extended,
            programs: c.programs,
            timers: c.timers,
            numeric: c.numeric,
        },
    }
}

/// The worst finding of each socket of `snapshot` (by index), linked as `top` links them: the
/// finding's socket, its evidence sockets, and every socket of a process a process finding
/// names.
fn marks(snapshot: &Snapshot, findings: &[Finding]) -> Vec<Option<Mark>> {
    let mut marks = vec![None; snapshot.sockets.len()];
    if findings.is_empty() {
        return marks;
    }
    for row in crate::top::model::rows(snapshot, findings, &Enrichment::default()) {
        if let (Some(index), Some((severity, rule))) = (row.socket, row.worst)
            && let Some(slot) = marks.get_mut(index)
        {
            *slot = Some(Mark {
                severity,
                rule,
                more: row.findings.len().saturating_sub(1),
            });
        }
    }
    marks
}

/// Whether the table shows `socket`: the protocol and family filters, then each dialect's
/// default. Windows without `-a`: TCP connections only (no listeners, no UDP). Linux: without
/// `-a` or `-l` connections only, with `-l` listeners only, with `-a` both.
fn shows(dialect: Dialect, c: &Connections, socket: &Socket) -> bool {
    if !c.protocols.is_empty() && !c.protocols.contains(&socket.proto) {
        return false;
    }
    if !c.families.is_empty() && !c.families.contains(&socket.family) {
        return false;
    }
    match dialect {
        Dialect::Windows => c.all || (socket.proto == Protocol::Tcp && !socket.is_listener()),
        Dialect::Linux if c.all => true,
        Dialect::Linux => c.listening == socket.is_listener(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Family, TcpState};

    fn sockets() -> Vec<Socket> {
        let mut listen = Socket::new(Protocol::Tcp, "0.0.0.0".parse().unwrap(), 135);
        listen.state = Some(TcpState::Listen);
        let mut established = Socket::new(Protocol::Tcp, "10.0.0.5".parse().unwrap(), 49702);
        established.state = Some(TcpState::Established);
        established.remote_addr = Some("192.0.2.7".parse().unwrap());
        established.remote_port = Some(443);
        let udp = Socket::new(Protocol::Udp, "::".parse().unwrap(), 5353);
        vec![listen, established, udp]
    }

    fn shown(dialect: Dialect, c: &Connections) -> Vec<u16> {
        sockets()
            .iter()
            .filter(|s| shows(dialect, c, s))
            .map(|s| s.local_port)
            .collect()
    }

    #[test]
    fn windows_without_a_shows_tcp_connections_only() {
        let none = Connections::default();
        assert_eq!(shown(Dialect::Windows, &none), [49702]);
        let all = Connections {
            all: true,
            ..Connections::default()
        };
        assert_eq!(shown(Dialect::Windows, &all), [135, 49702, 5353]);
        let udp6 = Connections {
            all: true,
            protocols: vec![Protocol::Udp],
            families: vec![Family::Ipv6],
            ..Connections::default()
        };
        assert_eq!(shown(Dialect::Windows, &udp6), [5353]);
        let udp4 = Connections {
            families: vec![Family::Ipv4],
            ..udp6
        };
        assert!(shown(Dialect::Windows, &udp4).is_empty());
    }

    #[test]
    fn linux_l_a_and_neither() {
        assert_eq!(shown(Dialect::Linux, &Connections::default()), [49702]);
        let listening = Connections {
            listening: true,
            ..Connections::default()
        };
        assert_eq!(shown(Dialect::Linux, &listening), [135, 5353]);
        let tcp_all = Connections {
            all: true,
            protocols: vec![Protocol::Tcp],
            ..Connections::default()
        };
        assert_eq!(shown(Dialect::Linux, &tcp_all), [135, 49702]);
    }
}
