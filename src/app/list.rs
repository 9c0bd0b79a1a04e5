//! `sockaudit list`: the netstat / TCPView view.

use super::error::{AppError, ExitStatus};
use super::inputs::{collect_each, input_with, print, repeat};
use super::notices::Notices;
use crate::cli::{ListArgs, ListFormat};
use crate::collect::LiveOptions;
use crate::files::services::Services;
use crate::model::filter::SocketFilter;
use crate::model::{Family, Protocol};
use crate::report::list::{AddressStyle, render_csv, render_json, render_text};
use crate::report::style::Palette;

pub(super) fn run(args: &ListArgs, color: bool, quiet: bool) -> Result<ExitStatus, AppError> {
    let filter = filter_from(args)?;
    let services = args.resolve.then(Services::load_system);
    let enricher = if args.geo {
        let settings = crate::rules::EnrichSettings::default();
        Some(super::pipeline::open_enricher(
            &settings,
            &args.geoip,
            false,
            jiff::Timestamp::now(),
        )?)
    } else {
        None
    };
    if let Some(e) = &enricher {
        for note in &e.warnings {
            tracing::warn!("{note}");
        }
        if !e.capabilities().country && !e.capabilities().asn {
            let dirs: Vec<String> = crate::enrich::geoip::standard_dirs()
                .iter()
                .map(|d| d.display().to_string())
                .collect();
            tracing::warn!(
                "--geo: no GeoIP database found (pass --geoip FILE, or install one in {}; docs/geoip.md)",
                dirs.join(" or ")
            );
        }
    }
    let input = input_with(
        args.input.as_deref(),
        args.capture.options(args.strict),
        LiveOptions {
            namespaces: args.namespaces.choice(),
            traffic: args.wide,
            ..LiveOptions::default()
        },
    );
    let palette = Palette::new(color && args.format == ListFormat::Text);
    // Several listings (--interval, or every block of a capture): text and CSV are separated
    // by a blank line, JSON is one compact document per line (JSON Lines).
    let repeating = args.interval.is_some() || args.capture.all_blocks;
    let mut iteration: u64 = 0;
    if let Some(interval) = args.interval {
        // On stderr: stdout holds only the listings (CSV and JSON Lines stay parseable).
        super::start::to_stderr(
            quiet,
            &format!(
                "sockaudit list: listing {} {}",
                super::start::source_text(&input),
                super::start::every_text(interval, args.count)
            ),
        );
    }
    // Coverage gaps are said once per run, not once per listing.
    let notices = Notices::default();
    repeat(args.interval, args.count, || {
        collect_each(&input, &notices, &mut |snapshot| {
            let snapshot = filter.apply(&snapshot);
            let enrichment = enricher.as_ref().map(|e| e.enrich(&snapshot));
            let style = AddressStyle {
                services: services.as_ref(),
                geo: enrichment.as_ref(),
                wide: args.wide,
                inode: args.extended,
            };
            let text = match args.format {
                // Nothing to tabulate: the raw table's own footer, not an empty TCP table.
                ListFormat::Text if filter.raw_only() && snapshot.raw_sockets.is_empty() => {
                    "Raw: 0 | Packet: 0\n".to_string()
                }
                ListFormat::Text => render_text(&snapshot, style, palette),
                ListFormat::Csv => render_csv(&snapshot, enrichment.as_ref(), args.wide)
                    .map_err(|e| AppError::Render(e.to_string()))?,
                ListFormat::Json => render_json(&snapshot, !repeating, enrichment.as_ref())
                    .map_err(|e| AppError::Render(e.to_string()))?,
            };
            if iteration > 0 && args.format != ListFormat::Json {
                print("\n")?;
            }
            print(&text)?;
            iteration += 1;
            Ok(())
        })
    })?;
    Ok(ExitStatus::Clean)
}

fn filter_from(args: &ListArgs) -> Result<SocketFilter, AppError> {
    let mut protocols = Vec::new();
    if args.tcp {
        protocols.push(Protocol::Tcp);
    }
    if args.udp {
        protocols.push(Protocol::Udp);
    }
    let mut families = Vec::new();
    if args.ipv4 {
        families.push(Family::Ipv4);
    }
    if args.ipv6 {
        families.push(Family::Ipv6);
    }
    Ok(SocketFilter {
        protocols,
        families,
        listening: args.listening,
        states: args.states.clone(),
        ports: args.ports.clone(),
        pids: args.pids.clone(),
        process: args.process.clone(),
        netns: SocketFilter::netns_globs(&args.netns).map_err(AppError::Usage)?,
        raw: args.raw,
        packet: args.packet,
    })
}
