//! The run: the command line without a subcommand, exactly the original tool's. Checks the
//! configuration, then simulates or takes the lock and runs once against the account, and
//! delivers what happened to every place asked for: stdout (table or JSON), syslog, stderr, the
//! metrics file. A run that fails outright (bad usage, the lock held, the token refused, the
//! API unreachable) is delivered the same way, so `--json` and `--metrics-file` never go
//! silent.

use std::path::PathBuf;

use super::local_now;
use crate::cli::Cli;
use crate::cloud::CloudError;
use crate::cloud::digitalocean::DigitalOcean;
use crate::config::{Config, Env, Mode, Real};
use crate::exit::Exit;
use crate::run::{Options, RunReport};
use crate::sanitize::Clean;
use crate::{interrupt, lock, logging, output, report, run, simulate};

/// Runs, and returns the exit code.
pub fn main(cli: Cli, env: &Env) -> Exit {
    // Fixed before the configuration is checked, so that a usage error is delivered too.
    let delivery = Delivery {
        json: cli.global.json,
        syslog: cli.syslog,
        quiet: cli.quiet,
        // A simulation is no run to monitor: --metrics-file with it is refused, and not written.
        metrics: (cli.metrics_file.clone())
            .filter(|_| cli.simulate.is_none())
            .map(|path| (path, cli.owner.tag.clone())),
    };
    let mut config = match Config::from_cli(cli, env) {
        Ok(c) => c,
        Err(e) => return delivery.failed(&e.to_string(), Exit::Usage),
    };
    if let Mode::Real(real) = &config.mode {
        // From here on nothing the program writes can carry the token's value.
        real.api.token.protect_output();
        // Nor can a hook see it.
        if let Some(hook) = config.options.finish.as_mut().and_then(|f| f.hook.as_mut()) {
            hook.hidden = real.api.token.carriers();
        }
    }
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    match &config.mode {
        Mode::Simulate(schedule) => simulation(&config, *schedule, &delivery),
        Mode::Real(real) => real_run(&config, real, &delivery),
    }
}

fn simulation(config: &Config, schedule: simulate::Schedule, delivery: &Delivery) -> Exit {
    let outcome = match simulate::simulate(
        &config.settings,
        schedule,
        &config.options,
        simulate::MAX_VISITS,
    ) {
        Ok(o) => o,
        Err(e @ simulate::SimulateError::TooLong { .. }) => {
            return delivery.failed(&e.to_string(), Exit::Usage);
        }
        Err(e) => return delivery.failed(&format!("error: {e}"), Exit::Failure),
    };
    let text = if config.json {
        report::json_text(&report::simulation_json(&outcome, &logging::warnings()))
    } else {
        report::simulation_table(&outcome)
    };
    output::stdout(&text);
    Exit::Ok
}

fn real_run(config: &Config, real: &Real, delivery: &Delivery) -> Exit {
    interrupt::install();
    let _lock = match lock::acquire(&real.lock_file) {
        Ok(l) => l,
        Err(e @ lock::LockError::Held { .. }) => {
            return delivery.failed(&e.to_string(), Exit::Locked);
        }
        Err(e) => return delivery.failed(&format!("error: {e}"), Exit::Failure),
    };
    let mut cloud = DigitalOcean::new(real.api.clone(), local_now);
    let options = Options {
        dry_run: real.dry_run,
        ..config.options.clone()
    };
    match run::run_once(&mut cloud, &config.settings, &options) {
        Ok(report) => delivery.report(&report),
        Err(e @ CloudError::Interrupted { .. }) => {
            let message = format!("{e} before anything was changed");
            delivery.failed(&message, Exit::Interrupted)
        }
        Err(e) => {
            let message = format!("error: {e}; nothing was changed");
            delivery.failed(&message, Exit::Failure)
        }
    }
}

/// Where a run's outcome goes.
struct Delivery {
    /// `--json`: stdout is one JSON document, whatever happened.
    json: bool,
    /// `--syslog`: the report goes to syslog, one line per droplet; stdout only has the JSON.
    syslog: bool,
    /// `-q`: nothing on stdout when the run went well.
    quiet: bool,
    /// `--metrics-file` and the tag its series carry.
    metrics: Option<(PathBuf, String)>,
}

impl Delivery {
    /// A run that did nothing: says why on stderr always (cron mails it), in syslog too with
    /// `--syslog`, as the JSON document with `--json`, and in the metrics.
    fn failed(&self, message: &str, exit: Exit) -> Exit {
        self.say(message);
        if self.json {
            let document = report::failure_json(message, exit, &logging::warnings());
            output::stdout(&report::json_text(&document));
        }
        self.metrics(exit, None);
        exit
    }

    /// A run that got as far as planning: its report, wherever it is wanted.
    fn report(&self, report: &RunReport) -> Exit {
        // Backups that have fallen behind must never pass quietly, whatever the output format.
        for d in &report.droplets {
            if let Some(why) = d.overdue_reason(report.overdue_after_seconds) {
                tracing::error!("droplet {}: overdue: {why}", Clean(&d.name));
            }
        }
        let exit = report.exit();
        let shown = match (self.json, self.syslog) {
            (true, _) => "the JSON",
            (false, true) => "syslog",
            (false, false) => "the table",
        };
        // Why the run stopped early, if it did.
        let stopped = report.stopped.as_ref().map(|why| {
            let message = format!("{why}; the run stopped there ({shown} shows what was done)");
            if report.interrupted {
                message
            } else {
                format!("error: {message}")
            }
        });
        if self.syslog {
            for line in report::run_lines(report, exit) {
                logging::report(&line);
            }
        }
        let quiet = self.quiet && exit == Exit::Ok;
        if self.json && !quiet {
            let document = report::run_json(report, exit, stopped.as_deref(), &logging::warnings());
            output::stdout(&report::json_text(&document));
        } else if !self.json && !self.syslog && !quiet {
            output::stdout(&report::run_table(report));
        }
        match &stopped {
            Some(message) => self.say(message),
            // The report went to syslog: cron, which mails only what it sees, still hears
            // that something needs a look.
            None if self.syslog && exit != Exit::Ok => self.say(&format!(
                "the run ended with exit code {} ({}); the report is in syslog",
                exit as u8,
                exit.meaning()
            )),
            None => {}
        }
        self.metrics(exit, Some(report));
        exit
    }

    /// One line on stderr, and an error in syslog with `--syslog`.
    fn say(&self, message: &str) {
        if self.syslog {
            tracing::error!("{message}");
        }
        output::stderr_line(&format!("do-snapshot: {message}"));
    }

    /// Writes the metrics file, if one was asked for; a failure to write is said, not fatal.
    fn metrics(&self, exit: Exit, report: Option<&RunReport>) {
        let Some((path, tag)) = &self.metrics else {
            return;
        };
        let finished = local_now().as_second();
        let text = report::run_metrics(tag, finished, exit, report);
        if let Err(e) = output::replace_file(path, &text) {
            let message = format!(
                "--metrics-file: cannot write {}: {e} (the run itself is unaffected)",
                path.display()
            );
            tracing::error!("{message}");
        }
    }
}
