//! The commands: glue between collectors, the engine and reporters. No I/O of its own beyond
//! choosing inputs and outputs.

mod baseline;
mod counters;
mod error;
mod events;
mod inputs;
mod list;
mod netstat;
mod notices;
mod ops;
mod pipeline;
mod reload;
mod routes;
mod rules;
mod rules_sigma;
mod scan;
mod scan_blocks;
mod snapshot;
mod start;
mod stats;
mod top;
mod watch;

use crate::cli::{Cli, Command};
pub use error::{AppError, ExitStatus, RoutesError};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitStatus, AppError> {
    let color = crate::cli::color::stdout(cli.global.color);
    crate::files::trust::set_insecure(cli.global.insecure_config);
    match cli.command {
        Command::List(args) => list::run(&args, color, cli.global.quiet),
        Command::Snapshot(args) => snapshot::run(&args),
        Command::Scan(args) => scan::run(&args, color),
        Command::Rules(command) => rules::run(&command),
        Command::Baseline(command) => baseline::run(&command, color),
        Command::Watch(args) if args.events => events::run(&args, cli.global.quiet),
        Command::Watch(args) => watch::run(&args, cli.global.quiet),
        Command::Top(args) => top::run(&args, color),
        Command::Routes(args) => routes::run(&args, color),
        Command::Stats(args) => stats::run(&args, color),
        Command::Netstat(args) => netstat::run(&args, color, cli.global.quiet),
        Command::Completions(args) => ops::completions(&args),
        Command::Man(args) => ops::man(&args),
    }
}
