//! do-snapshot: snapshot DigitalOcean droplets carrying a tag, copy the snapshots to more
//! regions, and prune them under a stacked retention policy; or preview a policy with
//! `--simulate`.
//!
//! Layers: `cli` (clap) → `config` (checked settings) → `run` (one run on a `cloud::Cloud`) →
//! `report`. The decisions live in `core`, which does no I/O and reads no clock.

pub mod cli;
pub mod cloud;
pub mod config;
pub mod core;
pub mod exit;
mod lock;
mod logging;
pub mod report;
pub mod run;
mod sanitize;
pub mod simulate;
mod sleep;
pub mod time;
mod token;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::Parser;

use crate::cli::Cli;
use crate::cloud::digitalocean::DigitalOcean;
use crate::config::{Config, Env, Mode, Real};
use crate::exit::Exit;
use crate::run::Options;
use crate::time::Timestamp;

/// The whole program: parses `args`, runs, prints, and returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> Exit {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
        }
    };
    logging::init(cli.verbose, cli.syslog);
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    let do_token = std::env::var("DO_TOKEN").ok();
    let temp = std::env::temp_dir();
    let env = Env {
        do_token: do_token.as_deref(),
        home: home.as_deref(),
        runtime_dir: runtime.as_deref().filter(|p| p.is_dir()),
        temp_dir: &temp,
        now: local_now(),
    };
    let config = match Config::from_cli(cli, &env) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("do-snapshot: error: {e}");
            return Exit::Usage;
        }
    };
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    match &config.mode {
        Mode::Simulate(schedule) => simulate(&config, *schedule),
        Mode::Real(real) => real_run(&config, real),
    }
}

fn simulate(config: &Config, schedule: simulate::Schedule) -> Exit {
    let outcome = match simulate::simulate(&config.settings, schedule, config.max_delete) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("do-snapshot: error: {e}");
            return Exit::Failure;
        }
    };
    let text = if config.json {
        json_text(&report::simulation_json(&outcome))
    } else {
        report::simulation_table(&outcome)
    };
    print(&text);
    Exit::Ok
}

fn real_run(config: &Config, real: &Real) -> Exit {
    let _lock = match lock::acquire(&real.lock_file) {
        Ok(l) => l,
        Err(e @ lock::LockError::Held { .. }) => {
            eprintln!("do-snapshot: {e}");
            return Exit::Locked;
        }
        Err(e) => {
            eprintln!("do-snapshot: error: {e}");
            return Exit::Failure;
        }
    };
    let mut cloud = DigitalOcean::new(real.api.clone(), local_now);
    let options = Options {
        dry_run: real.dry_run,
        max_delete: config.max_delete,
    };
    let report = match run::run_once(&mut cloud, &config.settings, options) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("{e}; nothing was deleted");
            eprintln!("do-snapshot: error: {e}; nothing was deleted");
            return Exit::Failure;
        }
    };
    let failed = report
        .droplets
        .iter()
        .filter(|d| !d.errors.is_empty() || d.deletes_withheld.is_some())
        .count();
    let exit = if failed > 0 && failed == report.droplets.len() {
        Exit::Failure
    } else if failed > 0 || report.held_back() > 0 || !report.problems.is_empty() {
        Exit::Partial
    } else {
        Exit::Ok
    };
    let text = if config.json {
        json_text(&report::run_json(&report, exit))
    } else {
        report::run_table(&report)
    };
    print(&text);
    exit
}

fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// The local clock, to the second (the epoch if the clock is set before it or past 9999).
fn local_now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs)
        .ok()
        .and_then(Timestamp::from_second)
        .unwrap_or(Timestamp::EPOCH)
}
