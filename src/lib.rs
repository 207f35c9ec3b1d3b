//! do-snapshot: snapshot DigitalOcean droplets carrying a tag, copy the snapshots to more
//! regions, and prune them under a stacked retention policy; preview a policy with
//! `--simulate`; check that every droplet is backed up with `status`.
//!
//! Layers: `cli` (clap) → `config` (checked settings) → `command` (one per subcommand; the run
//! is the command line without one) → `run` (one run on a `cloud::Cloud`) → `report`. The
//! decisions live in `core`, which does no I/O and reads no clock.

pub mod cli;
pub mod cloud;
mod command;
pub mod config;
pub mod core;
pub mod exit;
mod interrupt;
mod lock;
mod logging;
mod output;
pub mod report;
pub mod run;
mod sanitize;
pub mod simulate;
mod sleep;
mod syslog;
pub mod time;
mod token;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use crate::cli::Command;
use crate::exit::Exit;
use crate::logging::Logging;

/// The whole program: parses `args`, runs, prints, and returns the exit code (the run's
/// `Exit`, or for `status` the Nagios verdict).
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args = cli::normalize(args);
    let mut cli = match cli::parse(&args) {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let json = args.iter().any(|a| a == "--json");
            return command::usage_error(&e.render().to_string(), json).into();
        }
        Err(e) => {
            let _ = e.print();
            return Exit::Ok.into();
        }
    };
    let socket = cli
        .syslog_socket
        .clone()
        .unwrap_or_else(|| syslog::DEFAULT_SOCKET.into());
    logging::init(&Logging {
        verbosity: cli.global.verbose,
        format: cli.global.log_format,
        syslog: cli.syslog.then_some(Path::new(&socket)),
    });
    let host = command::Host::read();
    let env = host.env();
    match cli.command.take() {
        None => command::run::main(cli, &env).into(),
        Some(Command::Status(args)) => command::status::main(&args, &cli.global, &env),
        Some(Command::Completions { shell }) => command::docs::completions(shell).into(),
        Some(Command::Man { page }) => command::docs::man(page).into(),
    }
}
