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
mod interrupt;
mod lock;
mod logging;
mod output;
pub mod report;
pub mod run;
mod sanitize;
pub mod simulate;
mod sleep;
pub mod time;
mod token;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;

use crate::cli::Cli;
use crate::cloud::CloudError;
use crate::cloud::digitalocean::DigitalOcean;
use crate::config::{Config, Env, Mode, Real, Simulation};
use crate::core::achieved::achieved;
use crate::exit::Exit;
use crate::report::summary::Summary;
use crate::run::Options;
use crate::time::Timestamp;

/// The whole program: parses `args`, runs, prints, and returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> Exit {
    let cli = match Cli::try_parse_from(cli::normalize(args)) {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // A token pasted in the wrong place would be echoed as an unexpected argument:
            // `output` masks anything shaped like one.
            output::stderr(&e.render().to_string());
            return Exit::Usage;
        }
        Err(e) => {
            let _ = e.print();
            return Exit::Ok;
        }
    };
    logging::init(cli.verbose, cli.syslog);
    let syslog = cli.syslog;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    // DO_TOKEN as the original reads it, else doctl's variable.
    let env_token = ["DO_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().map(|value| (name, value)));
    let temp = std::env::temp_dir();
    let env = Env {
        env_token: env_token
            .as_ref()
            .map(|(name, value)| (*name, value.as_str())),
        home: home.as_deref(),
        runtime_dir: runtime.as_deref().filter(|p| p.is_dir()),
        temp_dir: &temp,
        uid: current_uid(),
        now: local_now(),
        stderr_terminal: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let mut config = match Config::from_cli(cli, &env) {
        Ok(c) => c,
        Err(e) => return fail(syslog, &e.to_string(), Exit::Usage),
    };
    if let Mode::Real(real) = &config.mode {
        // From here on nothing the program writes can carry the token's value.
        real.api.token.protect_output();
        // Nor can a hook see it.
        if let Some(hook) = config.finish.as_mut().and_then(|f| f.hook.as_mut()) {
            hook.hidden = real.api.token.carriers();
        }
    }
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    match &config.mode {
        Mode::Simulate(sim) => simulate(&config, sim, syslog),
        Mode::Real(real) => real_run(&config, real, syslog),
    }
}

/// Says why the program stops: on stderr always (cron mails it), and in syslog too with
/// `--syslog`.
fn fail(syslog: bool, message: &str, exit: Exit) -> Exit {
    if syslog {
        tracing::error!("{message}");
    }
    output::stderr_line(&format!("do-snapshot: {message}"));
    exit
}

fn simulate(config: &Config, sim: &Simulation, syslog: bool) -> Exit {
    let options = Options {
        dry_run: false,
        max_delete: config.max_delete,
        finish: config.finish.clone(),
        explain: config.explain,
    };
    let settings = &config.settings;
    let outcome = match simulate::simulate(
        settings,
        sim.schedule,
        &sim.models,
        &options,
        simulate::MAX_VISITS,
    ) {
        Ok(o) => o,
        Err(e @ simulate::SimulateError::TooLong { .. }) => {
            return fail(syslog, &e.to_string(), Exit::Usage);
        }
        Err(e) => return fail(syslog, &format!("error: {e}"), Exit::Failure),
    };
    let history = &outcome.history;
    let achieved = achieved(
        &history.lives,
        &history.samples,
        &settings.policy,
        history.end,
    );
    if let Some(path) = &sim.chart {
        let title = report::chart::command_line(settings, sim.schedule, &sim.models);
        let svg = report::chart::chart_svg(&report::chart::Chart {
            title: &title,
            policy: &settings.policy,
            lives: &history.lives,
            samples: &history.samples,
            start: outcome.start,
            end: history.end,
            last_run: outcome.last_run,
        });
        if let Err(e) = std::fs::write(path, svg) {
            let message = format!("--chart {}: cannot write it: {e}", path.display());
            return fail(syslog, &message, Exit::Usage);
        }
    }
    let summary = Summary::new(
        &outcome,
        achieved,
        settings.snapshot_every,
        &sim.models,
        sim.size_gb,
        config.price_per_gb,
    );
    let text = if config.json {
        json_text(&report::simulation_json(&outcome, &summary))
    } else {
        let mut text = report::simulation_table(&outcome);
        text.push_str(&report::summary::models_text(&sim.models, &outcome));
        if let Some(list) = &outcome.explain {
            text.push_str(&report::explain::explain_text(simulate::DROPLET, list));
        }
        if sim.summary {
            text.push_str(&report::summary::summary_text(&summary));
        }
        text
    };
    output::stdout(&text);
    Exit::Ok
}

fn real_run(config: &Config, real: &Real, syslog: bool) -> Exit {
    interrupt::install();
    let _lock = match lock::acquire(&real.lock_file) {
        Ok(l) => l,
        Err(e @ lock::LockError::Held { .. }) => return fail(syslog, &e.to_string(), Exit::Locked),
        Err(e) => return fail(syslog, &format!("error: {e}"), Exit::Failure),
    };
    let mut cloud = DigitalOcean::new(real.api.clone(), local_now);
    let options = Options {
        dry_run: real.dry_run,
        max_delete: config.max_delete,
        finish: config.finish.clone(),
        explain: config.explain,
    };
    let report = match run::run_once(&mut cloud, &config.settings, &options) {
        Ok(r) => r,
        Err(e @ CloudError::Interrupted { .. }) => {
            let message = format!("{e} before anything was changed");
            return fail(syslog, &message, Exit::Interrupted);
        }
        Err(e) => {
            let message = format!("error: {e}; nothing was changed");
            return fail(syslog, &message, Exit::Failure);
        }
    };
    // Backups that have fallen behind must never pass quietly, whatever the output format.
    for d in &report.droplets {
        if let Some(why) = d.overdue_reason(report.overdue_after_seconds) {
            tracing::error!("droplet {}: overdue: {why}", sanitize::Clean(&d.name));
        }
    }
    let exit = report.exit();
    let text = if config.json {
        json_text(&report::run_json(&report, exit))
    } else {
        let mut text = report::run_table(&report);
        for d in &report.droplets {
            if let Some(list) = &d.explain {
                text.push_str(&report::explain::explain_text(&d.name, list));
            }
        }
        text
    };
    if !(config.quiet && exit == Exit::Ok) {
        output::stdout(&text);
    }
    if let Some(why) = &report.stopped {
        let shown = if config.json { "the JSON" } else { "the table" };
        let message = format!("{why}; the run stopped there ({shown} shows what was done)");
        let message = if report.interrupted {
            message
        } else {
            format!("error: {message}")
        };
        return fail(syslog, &message, exit);
    }
    exit
}

fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// This process's user id (0 where there is none), for the default lock file's name.
fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
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
