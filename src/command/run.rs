//! The run: the command line without a subcommand, exactly the original tool's. Checks the
//! configuration, then simulates or takes the lock and runs once against the account, and
//! delivers what happened to every place asked for: stdout (table or JSON), syslog, stderr, the
//! metrics file. A run that fails outright (bad usage, the lock held, the token refused, the
//! API unreachable) is delivered the same way, so `--json` and `--metrics-file` never go
//! silent.

use std::path::PathBuf;

use super::local_now;
use crate::cli::Cli;
use crate::cloud::digitalocean::DigitalOcean;
use crate::cloud::{Cloud, CloudError};
use crate::config::{Config, Env, Job, Mode, Real, Simulation};
use crate::core::achieved::achieved;
use crate::exit::Exit;
use crate::report::summary::Summary;
use crate::run::{Options, RunReport};
use crate::sanitize::Clean;
use crate::{interrupt, lock, logging, output, report, run, simulate};

/// Runs, and returns the exit code.
pub fn main(cli: Cli, env: &Env) -> Exit {
    // Fixed before the configuration is checked, so that a usage error is delivered too.
    let mut delivery = Delivery {
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
        for job in &mut config.jobs {
            if let Some(hook) = job.options.finish.as_mut().and_then(|f| f.hook.as_mut()) {
                hook.hidden = real.api.token.carriers();
            }
        }
    }
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    if let (Some((_, tag)), Some(job)) = (&mut delivery.metrics, config.jobs.first()) {
        tag.clone_from(&job.settings.tag);
    }
    match &config.mode {
        Mode::Simulate(sim) => simulation(&config, sim, &delivery),
        Mode::Real(real) if config.file.is_some() => jobs_run(&config, real, &delivery),
        Mode::Real(real) => real_run(&config, real, &delivery),
    }
}

fn simulation(config: &Config, sim: &Simulation, delivery: &Delivery) -> Exit {
    let mut done = Vec::with_capacity(config.jobs.len());
    for job in &config.jobs {
        let outcome = match simulate::simulate(
            &job.settings,
            sim.schedule,
            &sim.models,
            &job.options,
            simulate::MAX_VISITS,
        ) {
            Ok(o) => o,
            Err(e @ simulate::SimulateError::TooLong { .. }) => {
                return delivery.failed(&in_job(job, &e.to_string()), Exit::Usage);
            }
            Err(e) => return delivery.failed(&in_job(job, &format!("error: {e}")), Exit::Failure),
        };
        let settings = &job.settings;
        let history = &outcome.history;
        let achieved = achieved(
            &history.lives,
            &history.samples,
            &settings.policy,
            history.end,
        );
        if let Some(path) = &sim.chart {
            // A config file's jobs get a picture each: FILE with the job's name added.
            let path = match &job.name {
                Some(name) if config.jobs.len() > 1 => chart_path(path, name),
                _ => path.clone(),
            };
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
            if let Err(e) = output::replace_file(&path, &svg) {
                let message = format!("--chart {}: cannot write it: {e}", path.display());
                return delivery.failed(&message, Exit::Usage);
            }
        }
        let summary = Summary::new(
            &outcome,
            achieved,
            settings.snapshot_every,
            &sim.models,
            sim.size_gb,
            job.options.price_per_gb,
        );
        done.push((job, outcome, summary));
    }
    let text = |outcome: &simulate::Outcome, summary: &Summary| {
        // The seed's table and summary line first, as the seed printed them; then what this
        // tool adds.
        let mut text = report::simulation_table(outcome);
        text.push_str(&report::summary::models_text(&sim.models, outcome));
        if let Some(list) = &outcome.explain {
            text.push_str(&report::explain::explain_text(simulate::DROPLET, list));
        }
        text.push_str(&report::summary::summary_text(summary));
        text
    };
    let text = match (config.file.is_some(), config.json) {
        (false, true) => {
            let (_, outcome, summary) = &done[0];
            let document = report::simulation_json(outcome, summary, &logging::warnings());
            report::json_text(&document)
        }
        (false, false) => text(&done[0].1, &done[0].2),
        (true, true) => {
            let jobs: Vec<_> = done
                .iter()
                .map(|(j, o, s)| {
                    (
                        j.name.as_deref().unwrap_or(""),
                        j.settings.tag.as_str(),
                        o,
                        s,
                    )
                })
                .collect();
            report::json_text(&report::jobs_simulation_json(&jobs, &logging::warnings()))
        }
        (true, false) => done
            .iter()
            .map(|(job, o, s)| format!("{}\n{}", heading(job), text(o, s)))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    output::stdout(&text);
    Exit::Ok
}

/// The run's table, then with `--explain` every droplet's verdicts.
fn table(report: &RunReport) -> String {
    let mut text = report::run_table(report);
    for d in &report.droplets {
        if let Some(list) = &d.explain {
            text.push_str(&report::explain::explain_text(&d.name, list));
        }
        for v in &d.volumes {
            if let Some(list) = &v.explain {
                let name = format!("{}/{}", d.name, v.name);
                text.push_str(&report::explain::explain_text(&name, list));
            }
        }
    }
    text
}

/// `--chart FILE` for one of several jobs: FILE with `-NAME` before its extension.
fn chart_path(path: &std::path::Path, name: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let file = match path.extension() {
        Some(ext) => format!("{stem}-{name}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{name}"),
    };
    path.with_file_name(file)
}

/// A message about one job of a config file (the command line's job needs no name).
fn in_job(job: &Job, message: &str) -> String {
    match &job.name {
        Some(name) => format!("job `{}`: {message}", Clean(name)),
        None => message.to_string(),
    }
}

/// The line above a job's table.
fn heading(job: &Job) -> String {
    format!(
        "Job {} (tag {}):",
        Clean(job.name.as_deref().unwrap_or("")),
        Clean(&job.settings.tag)
    )
}

/// What every real run starts with: the signal handlers, the lock, and the client.
fn begin(real: &Real, delivery: &Delivery) -> Result<(lock::RunLock, DigitalOcean), Exit> {
    interrupt::install();
    let lock = match lock::acquire(&real.lock_file) {
        Ok(l) => l,
        Err(e @ lock::LockError::Held { .. }) => {
            return Err(delivery.failed(&e.to_string(), Exit::Locked));
        }
        Err(e) => return Err(delivery.failed(&format!("error: {e}"), Exit::Failure)),
    };
    Ok((lock, DigitalOcean::new(real.api.clone(), local_now)))
}

fn real_run(config: &Config, real: &Real, delivery: &Delivery) -> Exit {
    let (_lock, mut cloud) = match begin(real, delivery) {
        Ok(begun) => begun,
        Err(exit) => return exit,
    };
    let job = &config.jobs[0];
    let options = Options {
        dry_run: real.dry_run,
        ..job.options.clone()
    };
    match run::run_once(&mut cloud, &job.settings, &options) {
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

/// A config file's jobs, one after the other, under one lock and over one reading of the
/// account's snapshots (the client keeps it for the run). A job that fails outright does not
/// stop the others; a refused token or a signal stops them all.
fn jobs_run(config: &Config, real: &Real, delivery: &Delivery) -> Exit {
    let (_lock, mut cloud) = match begin(real, delivery) {
        Ok(begun) => begun,
        Err(exit) => return exit,
    };
    match apart(&mut cloud, &config.neighbours) {
        Ok(None) => {}
        Ok(Some(clash)) => return delivery.failed(&clash, Exit::Usage),
        Err(e) => {
            let exit = if matches!(e, CloudError::Interrupted { .. }) {
                Exit::Interrupted
            } else {
                Exit::Failure
            };
            return delivery.failed(&format!("error: {e}; nothing was changed"), exit);
        }
    }
    let mut results: Vec<(&Job, Result<RunReport, String>, Exit)> = Vec::new();
    for job in &config.jobs {
        if results
            .iter()
            .any(|(_, _, exit)| *exit == Exit::Interrupted)
            || interrupt::requested().is_some()
        {
            let message = "not run: the run was interrupted before this job".to_string();
            results.push((job, Err(message), Exit::Interrupted));
            continue;
        }
        let options = Options {
            dry_run: real.dry_run,
            ..job.options.clone()
        };
        let outcome = run::run_once(&mut cloud, &job.settings, &options);
        let stop = matches!(
            outcome,
            Err(CloudError::Unauthorized | CloudError::Interrupted { .. })
        );
        let result = match outcome {
            Ok(report) => {
                let exit = report.exit();
                (job, Ok(report), exit)
            }
            Err(e @ CloudError::Interrupted { .. }) => (
                job,
                Err(format!("{e} before this job changed anything")),
                Exit::Interrupted,
            ),
            Err(e) => (
                job,
                Err(format!("error: {e}; this job changed nothing")),
                Exit::Failure,
            ),
        };
        results.push(result);
        if stop {
            for rest in &config.jobs[results.len()..] {
                let message = "not run: an earlier job's error stops the run".to_string();
                results.push((rest, Err(message), Exit::Failure));
            }
            break;
        }
    }
    delivery.jobs(&results)
}

/// Refuses jobs that would own the same snapshots: a droplet carrying two jobs' tags whose
/// names the two prefixes expand to the same text. `Ok(Some(why))` names both jobs and the
/// droplet; nothing is done then.
fn apart(cloud: &mut DigitalOcean, jobs: &[Job]) -> Result<Option<String>, CloudError> {
    if jobs.len() < 2 {
        return Ok(None);
    }
    let mut tagged = Vec::with_capacity(jobs.len());
    for job in jobs {
        // A job whose listing fails here fails again when it runs, and does nothing: it
        // cannot meet another job then. A refused token stops everything.
        let droplets: Vec<(u64, String)> = match cloud.inventory(&job.settings.tag) {
            Ok(inventory) => inventory
                .droplets
                .iter()
                .map(|d| (d.id, d.name.clone()))
                .collect(),
            Err(e) if e.is_fatal() => return Err(e),
            Err(_) => Vec::new(),
        };
        tagged.push(droplets);
    }
    for (i, a) in jobs.iter().enumerate() {
        for (j, b) in jobs.iter().enumerate().skip(i + 1) {
            for (id, name) in &tagged[i] {
                if !tagged[j].iter().any(|(other, _)| other == id) {
                    continue;
                }
                let mine = a.settings.prefix.expand(name, &a.settings.tag);
                let theirs = b.settings.prefix.expand(name, &b.settings.tag);
                // Any volume's name does: one that is not a real name stands for them all.
                let volumes = |job: &Job| {
                    job.options
                        .volumes
                        .as_ref()
                        .map(|t| t.expand_volume("\u{1}", name, &job.settings.tag))
                };
                let (vm, vt) = (volumes(a), volumes(b));
                if let (Some(vm), Some(vt)) = (&vm, &vt)
                    && vm == vt
                {
                    return Ok(Some(format!(
                        "jobs `{}` and `{}` would own the same volume snapshots: droplet {} \
                         ({id}) carries both tags, and both name its volumes' snapshots alike; \
                         give one a --volume-prefix (`volume_prefix`) with $tag or other text",
                        Clean(a.name.as_deref().unwrap_or("")),
                        Clean(b.name.as_deref().unwrap_or("")),
                        Clean(name),
                    )));
                }
                if mine == theirs {
                    return Ok(Some(format!(
                        "jobs `{}` and `{}` would own the same snapshots: droplet {} ({id}) \
                         carries both tags, and both name its snapshots {}…; give one a prefix \
                         with $tag or other text",
                        Clean(a.name.as_deref().unwrap_or("")),
                        Clean(b.name.as_deref().unwrap_or("")),
                        Clean(name),
                        Clean(mine.as_str())
                    )));
                }
            }
        }
    }
    Ok(None)
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
            output::stdout(&table(report));
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

    /// A config file's run: every job's report (or why it failed), wherever they are wanted;
    /// the exit code is the gravest of the jobs' (interrupted, then failure, then partly done).
    fn jobs(&self, results: &[(&Job, Result<RunReport, String>, Exit)]) -> Exit {
        let exit = results
            .iter()
            .map(|(_, _, e)| *e)
            .max_by_key(|e| match e {
                Exit::Ok => 0,
                Exit::Partial => 1,
                Exit::Usage | Exit::Locked | Exit::Failure => 2,
                Exit::Interrupted => 3,
            })
            .unwrap_or(Exit::Ok);
        for (job, result, job_exit) in results {
            match result {
                Ok(report) => {
                    for d in &report.droplets {
                        if let Some(why) = d.overdue_reason(report.overdue_after_seconds) {
                            let what = format!("droplet {}: overdue: {why}", Clean(&d.name));
                            tracing::error!("{}", in_job(job, &what));
                        }
                    }
                    if self.syslog {
                        for line in report::run_lines(report, *job_exit) {
                            logging::report(&in_job(job, &line));
                        }
                    }
                    if let Some(why) = &report.stopped {
                        self.say(&in_job(job, &format!("{why}; the job stopped there")));
                    }
                }
                Err(message) => self.say(&in_job(job, message)),
            }
        }
        let quiet = self.quiet && exit == Exit::Ok;
        if self.json && !quiet {
            let outcomes: Vec<report::JobOutcome> = results
                .iter()
                .map(|(job, result, e)| report::JobOutcome {
                    name: job.name.as_deref().unwrap_or(""),
                    tag: &job.settings.tag,
                    exit: *e,
                    result: result.as_ref().map_err(String::as_str),
                })
                .collect();
            // What went wrong in any job, as the document's own `error`.
            let errors: Vec<String> = results
                .iter()
                .filter_map(|(job, result, _)| match result {
                    Ok(report) => report.stopped.as_ref().map(|why| in_job(job, why)),
                    Err(message) => Some(in_job(job, message)),
                })
                .collect();
            let error = (!errors.is_empty()).then(|| errors.join("; "));
            let document =
                report::jobs_json(&outcomes, exit, error.as_deref(), &logging::warnings());
            output::stdout(&report::json_text(&document));
        } else if !self.json && !self.syslog && !quiet {
            let tables: Vec<String> = results
                .iter()
                .map(|(job, result, _)| match result {
                    Ok(report) => format!("{}\n{}", heading(job), table(report)),
                    Err(message) => format!("{}\n{}\n", heading(job), Clean(message)),
                })
                .collect();
            output::stdout(&tables.join("\n"));
        }
        if self.syslog && exit != Exit::Ok {
            self.say(&format!(
                "the run ended with exit code {} ({}); the report is in syslog",
                exit as u8,
                exit.meaning()
            ));
        }
        if let Some((path, _)) = &self.metrics {
            let runs: Vec<report::JobRun> = results
                .iter()
                .map(|(job, result, e)| report::JobRun {
                    job: job.name.as_deref(),
                    tag: &job.settings.tag,
                    exit: *e,
                    report: result.as_ref().ok(),
                })
                .collect();
            let text = report::jobs_metrics(local_now().as_second(), &runs);
            self.write_metrics(path, &text);
        }
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
        self.write_metrics(path, &text);
    }

    /// Writes the metrics file; a failure to write is said, not fatal.
    fn write_metrics(&self, path: &std::path::Path, text: &str) {
        if let Err(e) = output::replace_file(path, text) {
            let message = format!(
                "--metrics-file: cannot write {}: {e} (the run itself is unaffected)",
                path.display()
            );
            tracing::error!("{message}");
        }
    }
}
