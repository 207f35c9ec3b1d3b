//! The finishing phase of a run with `--wait`, `--power-off` or `--hook`: after every droplet
//! has been planned and pruned, take the due snapshots (all at once, or, for droplets powered
//! off first, at most `--max-down` at a time), wait for them with one shared poller, power the
//! droplets on again, run the hooks, and copy the new snapshots to the `-r` regions in the same
//! run.
//!
//! Each droplet is a small state machine (queued → stopping → snapshotting → starting → done)
//! advanced by poll rounds. A round costs one request for every pending snapshot together (the
//! account's action list) plus one per droplet being powered off or on, so waiting for sixty
//! snapshots costs a few dozen requests in all. Polls start every 5 s and back off to 60 s.
//!
//! Power comes back whatever happens: when a request fails, when the wait times out, on the
//! first SIGTERM or SIGINT (which a `Shield` lets the run sit out while a droplet is down), and
//! on a panic (the phase is caught, the droplets powered on, and the panic resumed).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::mem::discriminant;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::time::Duration;

use super::act::Ready;
use super::hook::{Hook, Phase, Subject};
use super::outcome::{
    DropletReport, ErroredAction, PowerPlan, SnapshotOutcome, TransferRequest, WaitReport,
    WaitState,
};
use super::progress::Progress;
use super::volumes;
use crate::cloud::{Cloud, CloudError, PowerAction, Started};
use crate::core::activity::ActionStatus;
use crate::core::span::human;
use crate::interrupt::{self, Shield};
use crate::sanitize::Clean;
use crate::time::Timestamp;

/// How a run finishes the job.
#[derive(Clone, Debug)]
pub struct Finish {
    /// `--wait-timeout`: the most the whole wait may take.
    pub wait_timeout: Duration,
    pub power_off: Option<PowerOff>,
    pub hook: Option<Hook>,
    /// Draw a progress bar on stderr (a terminal, and neither `--json` nor `--syslog`).
    pub progress: bool,
}

/// `--power-off`'s settings.
#[derive(Clone, Copy, Debug)]
pub struct PowerOff {
    /// How long a graceful shutdown may take before the power is cut.
    pub shutdown_timeout: Duration,
    /// At most this many droplets off at once.
    pub max_down: usize,
}

/// The first pause between polls, and the longest.
const FIRST_POLL: Duration = Duration::from_secs(5);
const LAST_POLL: Duration = Duration::from_secs(60);
/// Rounds a droplet may answer "pending event" to a power or snapshot request before the run
/// gives up on it (a power-on is never given up this way).
const BUSY_ROUNDS: u32 = 20;
/// Failed power-on requests before the droplet is reported as left off.
const POWER_ON_TRIES: u32 = 5;
/// Polls an action may be missing from the API's answers before it counts as lost.
const MISSING_POLLS: u32 = 3;
/// How long a powered-off droplet may take to come back on before it is reported as left off.
const POWER_ON_LIMIT: Duration = Duration::from_secs(30 * 60);
/// Reads of the snapshot listing for the new snapshots (it lags), and the pause between them.
const LISTING_READS: u32 = 3;
const LISTING_PAUSE: Duration = Duration::from_secs(30);

/// Where one droplet is.
#[derive(Debug)]
enum Stage {
    /// Waiting for its turn (`--max-down`) or for the next round.
    Queued,
    /// A shutdown (or, `hard`, a power-off) was asked for at `asked`.
    Stopping {
        asked: Duration,
        hard: bool,
    },
    /// The snapshot was asked for (its action, when the API named it).
    Snapshotting {
        action: Option<u64>,
    },
    /// Powering on: the request was sent at `sent`, if it was; `since` is when this began.
    Starting {
        sent: Option<Duration>,
        since: Duration,
    },
    Done,
}

/// One droplet's progress through the phase.
struct Job {
    ready: Ready,
    /// Index of its report.
    index: usize,
    stage: Stage,
    /// The snapshot's name, once asked for.
    name: Option<String>,
    /// When the snapshot was asked for.
    asked: Duration,
    pre_ran: bool,
    snapshot_ok: bool,
    /// Since when this run has it down; the shield keeps the run going through a first signal
    /// until it is on again.
    down: Option<(Duration, Shield)>,
    /// Rounds it answered "pending event", polls its action was missing, power-ons that failed.
    busy: u32,
    missing: u32,
    failures: u32,
}

/// Runs the phase for `ready` (droplet reports are `reports[index]`); returns the error that
/// stopped the run, if one did (a refused token, or a signal).
pub fn finish(
    cloud: &mut dyn Cloud,
    now: Timestamp,
    ready: Vec<(usize, Ready)>,
    reports: &mut [DropletReport],
    regions: &[String],
    f: &Finish,
) -> Option<CloudError> {
    let mut jobs: Vec<Job> = ready
        .into_iter()
        .map(|(index, ready)| Job {
            ready,
            index,
            stage: Stage::Queued,
            name: None,
            asked: Duration::ZERO,
            pre_ran: false,
            snapshot_ok: false,
            down: None,
            busy: 0,
            missing: 0,
            failures: 0,
        })
        .collect();
    let taking = jobs.iter().filter(|j| j.ready.take.is_some()).count();
    let mut phase = Phased {
        cloud,
        reports,
        f,
        started: Duration::ZERO,
        run_now: now,
        fatal: None,
        progress: Progress::new(f.progress, taking),
    };
    phase.started = phase.cloud.elapsed();
    let outcome = catch_unwind(AssertUnwindSafe(|| phase.run(&mut jobs)));
    if let Err(panic) = outcome {
        // A bug must not leave servers down: power on what this run powered off, then go on
        // failing as the panic would have.
        phase.power_on_after_panic(&mut jobs);
        resume_unwind(panic);
    }
    phase.progress.finish();
    if phase.fatal.is_none() {
        phase.transfer(&jobs, regions);
    }
    interrupt::set_left_off(None);
    match (phase.fatal, interrupt::requested()) {
        (Some(e), _) => Some(e),
        (None, Some(signal)) => Some(CloudError::Interrupted { signal }),
        (None, None) => None,
    }
}

/// The phase's shared state.
struct Phased<'a> {
    cloud: &'a mut dyn Cloud,
    reports: &'a mut [DropletReport],
    f: &'a Finish,
    /// When the phase began, by the cloud's clock.
    started: Duration,
    /// The account's clock when the run began.
    run_now: Timestamp,
    /// An error that stops the run (the token refused).
    fatal: Option<CloudError>,
    progress: Progress,
}

/// Why nothing new may start.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Halt {
    TimedOut,
    Interrupted,
    Failed,
}

impl Phased<'_> {
    fn run(&mut self, jobs: &mut [Job]) {
        let mut interval = FIRST_POLL;
        // Whether a droplet moved on since the last pause: polls start again every 5 s after
        // anything new was asked of the API, and back off while nothing happens.
        let mut changed = false;
        loop {
            let halt = self.halt();
            let mut down = jobs.iter().filter(|j| j.down.is_some()).count();
            for job in jobs.iter_mut() {
                if !matches!(job.stage, Stage::Queued) {
                    continue;
                }
                if let Some(halt) = halt {
                    self.never_started(job, halt);
                    changed = true;
                    continue;
                }
                let cycle = job.ready.power == Some(PowerPlan::Cycle);
                let max_down = self.f.power_off.map_or(usize::MAX, |p| p.max_down);
                if cycle && down >= max_down {
                    continue;
                }
                changed |= self.begin(job);
                if job.down.is_some() {
                    down += 1;
                }
            }
            self.note_left_off(jobs);
            if jobs.iter().all(|j| matches!(j.stage, Stage::Done)) {
                return;
            }
            interval = if changed {
                FIRST_POLL
            } else {
                (interval * 2).min(LAST_POLL)
            };
            let pause = self.pause(jobs, interval);
            self.cloud.pause(pause);
            let before: Vec<_> = jobs.iter().map(|j| discriminant(&j.stage)).collect();
            self.poll(jobs);
            changed = jobs
                .iter()
                .zip(before)
                .any(|(j, stage)| discriminant(&j.stage) != stage);
        }
    }

    /// Why no new work may start now, if so.
    fn halt(&self) -> Option<Halt> {
        if self.fatal.is_some() {
            Some(Halt::Failed)
        } else if interrupt::requested().is_some() {
            Some(Halt::Interrupted)
        } else if self.waited() >= self.f.wait_timeout {
            Some(Halt::TimedOut)
        } else {
            None
        }
    }

    fn waited(&self) -> Duration {
        self.cloud.elapsed().saturating_sub(self.started)
    }

    /// How long to pause before the next poll: `interval`, or less to meet the end of the
    /// wait or of a shutdown's grace; at once when the wait is over and snapshots of droplets
    /// not powered off are to be given up on; never less than a second.
    fn pause(&self, jobs: &[Job], interval: Duration) -> Duration {
        let now = self.cloud.elapsed();
        let mut pause = interval;
        let wait_end = self.started + self.f.wait_timeout;
        if now < wait_end {
            pause = pause.min(wait_end - now);
        } else if jobs
            .iter()
            .any(|j| j.down.is_none() && matches!(j.stage, Stage::Snapshotting { .. }))
        {
            pause = Duration::ZERO;
        }
        let grace = self
            .f
            .power_off
            .map_or(Duration::ZERO, |p| p.shutdown_timeout);
        for job in jobs {
            if let Stage::Stopping { asked, .. } = job.stage {
                pause = pause.min((asked + grace).saturating_sub(now));
            }
        }
        pause.max(Duration::from_secs(1))
    }

    /// A queued droplet the run will not get to.
    fn never_started(&mut self, job: &mut Job, halt: Halt) {
        let report = &mut self.reports[job.index];
        let why = match halt {
            Halt::TimedOut => "--wait-timeout passed before its turn",
            Halt::Interrupted => "the run was interrupted before its turn",
            Halt::Failed => "the run stopped before its turn",
        };
        if job.ready.take.is_some() {
            tracing::warn!(
                "droplet {}: snapshot due but not taken: {why}",
                Clean(&job.ready.droplet_name)
            );
            if halt == Halt::TimedOut {
                report.snapshot = SnapshotOutcome::Skipped {
                    reason: why.to_string(),
                };
                report.wait = Some(WaitReport {
                    state: WaitState::TimedOut,
                    action_id: None,
                    seconds: 0,
                });
            }
        }
        if job.ready.power == Some(PowerPlan::Restore) {
            // Left off by an earlier run: still power it on.
            let now = self.cloud.elapsed();
            job.down = Some((now, Shield::raise()));
            job.stage = Stage::Starting {
                sent: None,
                since: now,
            };
            return;
        }
        job.stage = Stage::Done;
    }

    /// Starts a droplet's work: the pre hook, then a shutdown or the snapshot. True when
    /// something was asked of the API.
    fn begin(&mut self, job: &mut Job) -> bool {
        let now = self.cloud.elapsed();
        if job.ready.power == Some(PowerPlan::Restore) {
            job.down = Some((now, Shield::raise()));
        }
        if let Some(action) = job.ready.running {
            job.asked = now;
            job.stage = Stage::Snapshotting {
                action: Some(action),
            };
            return true;
        }
        if job.ready.take.is_none() && job.ready.volumes.is_empty() {
            job.stage = Stage::Starting {
                sent: None,
                since: now,
            };
            return true;
        }
        // Named when asked for: a droplet that waited for its turn is snapshotted later.
        let at = self.cloud.now().unwrap_or(self.run_now);
        job.name = job.ready.take.as_ref().map(|prefix| prefix.name_at(at));
        if let Some(hook) = &self.f.hook {
            job.pre_ran = true;
            let report = hook.run(Phase::Pre, &subject(job));
            let ok = report.result == super::outcome::HookResult::Ok;
            self.reports[job.index].hooks.push(report);
            if !ok {
                let skipped = || SnapshotOutcome::Skipped {
                    reason: "the pre hook failed".to_string(),
                };
                let r = &mut self.reports[job.index];
                if job.ready.take.is_some() {
                    r.snapshot = skipped();
                }
                for v in &job.ready.volumes {
                    r.volumes[v.index].snapshot = skipped();
                }
                self.wind_down(job);
                return false;
            }
        }
        if job.ready.power == Some(PowerPlan::Cycle) {
            self.shut_down(job, PowerAction::Shutdown);
        } else {
            self.take_all(job);
        }
        true
    }

    /// Takes the droplet's volumes' snapshots (made at once), then asks for its own.
    fn take_all(&mut self, job: &mut Job) {
        let at = self.cloud.now().unwrap_or(self.run_now);
        let mut ok = true;
        for v in std::mem::take(&mut job.ready.volumes) {
            let name = v.prefix.name_at(at);
            let report = &mut self.reports[job.index].volumes[v.index];
            let (outcome, fatal) = volumes::take(
                self.cloud,
                &v.volume_id,
                &v.volume_name,
                &name,
                &mut report.errors,
            );
            ok &= matches!(outcome, SnapshotOutcome::Taken { .. });
            report.snapshot = outcome;
            if let Some(e) = fatal {
                self.fatal.get_or_insert(e);
            }
        }
        if job.ready.take.is_some() && self.fatal.is_none() {
            self.request_snapshot(job);
        } else {
            // Only volumes were due: their snapshots are made already.
            job.snapshot_ok = ok;
            self.wind_down(job);
        }
    }

    /// Asks for a shutdown (graceful) or a power-off (hard).
    fn shut_down(&mut self, job: &mut Job, how: PowerAction) {
        let name = Clean(&job.ready.droplet_name).to_string();
        let hard = how == PowerAction::PowerOff;
        match self.cloud.power(job.ready.droplet_id, how) {
            Ok(Started::Now { .. }) => {
                tracing::info!(
                    "droplet {name}: {}",
                    if hard {
                        "the shutdown did not power it off in time: cutting the power"
                    } else {
                        "shutting it down for a consistent snapshot"
                    }
                );
                let now = self.cloud.elapsed();
                if job.down.is_none() {
                    job.down = Some((now, Shield::raise()));
                }
                job.busy = 0;
                job.stage = Stage::Stopping { asked: now, hard };
            }
            Ok(Started::DropletBusy) => {
                job.busy += 1;
                if job.busy >= BUSY_ROUNDS {
                    self.fail(
                        job,
                        format!("droplet stayed busy; could not {}", how.api_type()),
                    );
                    self.wind_down(job);
                } else if job.down.is_none() {
                    // Not down yet: try again next round.
                    job.stage = Stage::Queued;
                }
            }
            Err(e) => {
                self.record(job, e);
                self.wind_down(job);
            }
        }
    }

    /// Asks for the snapshot.
    fn request_snapshot(&mut self, job: &mut Job) {
        let name = job.name.clone().unwrap_or_default();
        let shown = Clean(&job.ready.droplet_name).to_string();
        match self.cloud.take_snapshot(job.ready.droplet_id, &name) {
            Ok(Started::Now { action }) => {
                tracing::info!("droplet {shown}: taking snapshot {}", Clean(&name));
                job.asked = self.cloud.elapsed();
                job.busy = 0;
                let report = &mut self.reports[job.index];
                report.snapshot = SnapshotOutcome::Taken { name };
                if report.newest.is_none() {
                    // It has a snapshot coming: no longer overdue for having none.
                    report.overdue = false;
                }
                job.stage = Stage::Snapshotting { action };
            }
            Ok(Started::DropletBusy) => {
                job.busy += 1;
                // A droplet just powered off can stay locked for a moment; one running as it
                // is skips, as a run without --wait does.
                if job.down.is_some() && job.busy < BUSY_ROUNDS {
                    job.stage = Stage::Stopping {
                        asked: self.cloud.elapsed(),
                        hard: true,
                    };
                    return;
                }
                let reason = "the droplet already has a pending event".to_string();
                tracing::info!("droplet {shown}: snapshot due but skipped: {reason}");
                self.reports[job.index].snapshot = SnapshotOutcome::Skipped { reason };
                self.wind_down(job);
            }
            Err(e) => {
                self.reports[job.index].snapshot = SnapshotOutcome::Failed;
                self.record(job, e);
                self.wind_down(job);
            }
        }
    }

    /// One poll round: every pending snapshot action at once, and the state of each droplet
    /// being powered off or on.
    fn poll(&mut self, jobs: &mut [Job]) {
        if self.fatal.is_some() {
            // Nothing can be asked of the API any more (the token was refused, or a signal
            // arrived with no droplet down): settle every droplet as it stands.
            for job in jobs.iter_mut() {
                match job.stage {
                    Stage::Done | Stage::Queued => {}
                    _ if job.down.is_some() => self.left_off(job),
                    Stage::Snapshotting { action } => {
                        self.reports[job.index].wait = Some(WaitReport {
                            state: WaitState::Interrupted,
                            action_id: action,
                            seconds: self.cloud.elapsed().saturating_sub(job.asked).as_secs(),
                        });
                        self.done(job);
                    }
                    _ => self.done(job),
                }
            }
            return;
        }
        let ids: Vec<u64> = jobs
            .iter()
            .filter_map(|j| match j.stage {
                Stage::Snapshotting { action } => action,
                _ => None,
            })
            .collect();
        let statuses = if ids.is_empty() {
            Some(BTreeMap::new())
        } else {
            match self.cloud.action_statuses(&ids) {
                Ok(s) => Some(s),
                Err(e) => {
                    // The next round asks again; the wait's deadline bounds how long.
                    tracing::warn!("polling the snapshots' actions failed: {e}");
                    if e.is_fatal() {
                        self.fatal.get_or_insert(e);
                        return;
                    }
                    None
                }
            }
        };
        for job in jobs.iter_mut() {
            match job.stage {
                Stage::Stopping { asked, hard } => self.stopping(job, asked, hard),
                Stage::Snapshotting { action } => {
                    // Without an answer this round, the snapshots wait for the next.
                    if let Some(statuses) = &statuses {
                        let status = action.and_then(|a| statuses.get(&a).copied());
                        self.snapshotting(job, action, status);
                    }
                }
                Stage::Starting { sent, since } => self.starting(job, sent, since),
                Stage::Queued | Stage::Done => {}
            }
        }
    }

    fn stopping(&mut self, job: &mut Job, asked: Duration, hard: bool) {
        if let Some(halt) = self.halt() {
            // Not snapshotted after all: power it on once the shutdown is over.
            let why = match halt {
                Halt::Interrupted => "the run was interrupted",
                Halt::TimedOut => "--wait-timeout passed",
                Halt::Failed => "the run failed",
            };
            tracing::warn!(
                "droplet {}: {why} while it was shutting down: powering it on without a snapshot",
                Clean(&job.ready.droplet_name)
            );
            self.reports[job.index].snapshot = SnapshotOutcome::Skipped {
                reason: format!("{why} before it was off"),
            };
            self.wind_down(job);
            return;
        }
        let Some(state) = self.droplet_state(job) else {
            return;
        };
        let timeout = self
            .f
            .power_off
            .map_or(Duration::ZERO, |p| p.shutdown_timeout);
        let late = self.cloud.elapsed().saturating_sub(asked) >= timeout;
        if state.status == "off" && !state.locked {
            if let Some(power) = &mut self.reports[job.index].power {
                power.stopped_by = Some(if hard { "power_off" } else { "shutdown" });
            }
            self.take_all(job);
        } else if late && !hard {
            self.shut_down(job, PowerAction::PowerOff);
        } else if late {
            self.fail(
                job,
                format!(
                    "the droplet was not off and free within {} of a hard power-off; no \
                     snapshot",
                    human(timeout.as_secs() as i64)
                ),
            );
            self.reports[job.index].snapshot = SnapshotOutcome::Failed;
            self.wind_down(job);
        }
    }

    fn snapshotting(&mut self, job: &mut Job, action: Option<u64>, status: Option<ActionStatus>) {
        let seconds = self.cloud.elapsed().saturating_sub(job.asked).as_secs();
        let end = |state| WaitReport {
            state,
            action_id: action,
            seconds,
        };
        let shown = Clean(&job.ready.droplet_name).to_string();
        let name = job.name.clone().unwrap_or_default();
        match status {
            Some(ActionStatus::Completed) => {
                tracing::info!(
                    "droplet {shown}: snapshot {} completed ({} after it was asked for)",
                    Clean(&name),
                    human(seconds as i64)
                );
                job.snapshot_ok = true;
                self.progress.completed();
                self.reports[job.index].wait = Some(end(WaitState::Completed));
                self.wind_down(job);
            }
            Some(ActionStatus::Errored) => {
                let id = action.unwrap_or_default();
                tracing::error!(
                    "droplet {shown}: snapshot action {id} ({}) ended errored and left no snapshot",
                    Clean(&name)
                );
                self.progress.completed();
                let report = &mut self.reports[job.index];
                report.wait = Some(end(WaitState::Errored));
                report.errored_actions.push(ErroredAction {
                    id,
                    started_at: None,
                });
                self.wind_down(job);
            }
            Some(ActionStatus::InProgress) | None => {
                if status.is_none() {
                    job.missing += 1;
                }
                let lost = action.is_none() || job.missing >= MISSING_POLLS;
                if job.down.is_some() {
                    // Off for its snapshot: it cannot be powered on before the snapshot is
                    // over, so wait for it, deadline or signal (its lock says when it is).
                    if lost
                        && let Some(state) = self.droplet_state(job)
                        && !state.locked
                    {
                        self.reports[job.index].wait = Some(end(WaitState::Unknown));
                        self.wind_down(job);
                    }
                    return;
                }
                let state = match self.halt() {
                    _ if lost => WaitState::Unknown,
                    Some(Halt::TimedOut) => WaitState::TimedOut,
                    Some(Halt::Interrupted | Halt::Failed) => WaitState::Interrupted,
                    None => return,
                };
                match state {
                    WaitState::TimedOut => tracing::warn!(
                        "droplet {shown}: snapshot {} still in progress after --wait-timeout \
                         {}; the next run carries on",
                        Clean(&name),
                        human(self.f.wait_timeout.as_secs() as i64)
                    ),
                    _ => tracing::warn!(
                        "droplet {shown}: no longer waiting for snapshot {}",
                        Clean(&name)
                    ),
                }
                self.reports[job.index].wait = Some(end(state));
                self.wind_down(job);
            }
        }
    }

    fn starting(&mut self, job: &mut Job, sent: Option<Duration>, since: Duration) {
        let now = self.cloud.elapsed();
        let Some(state) = self.droplet_state(job) else {
            if job.failures >= POWER_ON_TRIES || self.fatal.is_some() {
                self.left_off(job);
            }
            return;
        };
        if state.locked {
            return;
        }
        match state.status.as_str() {
            "active" => {
                let downtime = job.down.take().map(|(at, _)| now.saturating_sub(at));
                if let Some(power) = &mut self.reports[job.index].power {
                    power.powered_on = sent.is_some();
                    if power.plan == PowerPlan::Cycle {
                        power.downtime_seconds = downtime.map(|d| d.as_secs());
                    }
                }
                tracing::info!(
                    "droplet {}: powered on again{}",
                    Clean(&job.ready.droplet_name),
                    downtime.map_or_else(String::new, |d| format!(
                        " after {} off",
                        human(d.as_secs() as i64)
                    ))
                );
                self.done(job);
            }
            "off" if now.saturating_sub(since) >= POWER_ON_LIMIT => self.left_off(job),
            "off" => {
                if sent.is_some() {
                    // The power-on is over and the droplet is still off: it did not take.
                    job.failures += 1;
                    if job.failures >= POWER_ON_TRIES {
                        self.left_off(job);
                        return;
                    }
                }
                match self.cloud.power(job.ready.droplet_id, PowerAction::PowerOn) {
                    Ok(Started::Now { .. }) => {
                        job.stage = Stage::Starting {
                            sent: Some(now),
                            since,
                        };
                    }
                    // Its snapshot or shutdown is still finishing: the next round asks again.
                    Ok(Started::DropletBusy) => {}
                    Err(e) => {
                        let fatal = e.is_fatal();
                        self.record(job, e);
                        job.failures += 1;
                        if fatal || job.failures >= POWER_ON_TRIES {
                            self.left_off(job);
                        }
                    }
                }
            }
            other => {
                self.fail(
                    job,
                    format!(
                        "the droplet is `{}`, not off: it was not powered on",
                        Clean(other)
                    ),
                );
                job.down = None;
                self.done(job);
            }
        }
    }

    /// After the snapshot (taken, failed or skipped), or instead of it: power on what this
    /// run has down, else finish.
    fn wind_down(&mut self, job: &mut Job) {
        if job.down.is_some() {
            job.stage = Stage::Starting {
                sent: None,
                since: self.cloud.elapsed(),
            };
        } else {
            self.done(job);
        }
    }

    /// The droplet could not be powered on: say how to do it by hand.
    fn left_off(&mut self, job: &mut Job) {
        let id = job.ready.droplet_id;
        self.fail(
            job,
            format!(
                "left powered off: power it on with `doctl compute droplet-action power-on {id}` \
                 (or POST {{\"type\":\"power_on\"}} to /v2/droplets/{id}/actions)"
            ),
        );
        if let Some(power) = &mut self.reports[job.index].power {
            power.left_off = true;
        }
        job.down = None;
        self.done(job);
    }

    /// The droplet is through: its post hook runs if its pre hook did.
    fn done(&mut self, job: &mut Job) {
        job.stage = Stage::Done;
        if job.pre_ran
            && let Some(hook) = &self.f.hook
        {
            job.pre_ran = false;
            let report = hook.run(
                Phase::Post {
                    ok: job.snapshot_ok,
                },
                &subject(job),
            );
            self.reports[job.index].hooks.push(report);
        }
    }

    /// The droplet's state, or `None` after recording why it could not be read.
    fn droplet_state(&mut self, job: &mut Job) -> Option<crate::cloud::DropletState> {
        match self.cloud.droplet_state(job.ready.droplet_id) {
            Ok(state) => Some(state),
            Err(e) => {
                tracing::warn!("droplet {}: {e}", Clean(&job.ready.droplet_name));
                if e.is_fatal() {
                    self.fatal.get_or_insert(e);
                }
                job.failures += 1;
                None
            }
        }
    }

    /// Records a request's failure against the droplet; a fatal one also stops new work.
    fn record(&mut self, job: &Job, e: CloudError) {
        let message = e.to_string();
        if e.is_fatal() {
            self.fatal.get_or_insert(e);
        }
        self.fail(job, message);
    }

    fn fail(&mut self, job: &Job, message: String) {
        tracing::error!("droplet {}: {message}", Clean(&job.ready.droplet_name));
        self.reports[job.index].errors.push(message);
    }

    /// Tells the signal handler which droplets a second signal would leave off.
    fn note_left_off(&self, jobs: &[Job]) {
        let down: Vec<&Job> = jobs.iter().filter(|j| j.down.is_some()).collect();
        if down.is_empty() {
            interrupt::set_left_off(None);
            return;
        }
        let mut text = String::from("do-snapshot: left powered off:");
        for j in &down {
            let _ = write!(
                text,
                " {} (droplet {}),",
                Clean(&j.ready.droplet_name),
                j.ready.droplet_id
            );
        }
        text.pop();
        text.push_str("; power them on with:");
        for j in &down {
            let _ = write!(
                text,
                " doctl compute droplet-action power-on {};",
                j.ready.droplet_id
            );
        }
        text.pop();
        text.push('\n');
        interrupt::set_left_off(Some(text));
    }

    /// After a panic: power on whatever this run has down, a few tries each.
    fn power_on_after_panic(&mut self, jobs: &mut [Job]) {
        for job in jobs.iter_mut().filter(|j| j.down.is_some()) {
            for _ in 0..BUSY_ROUNDS {
                match self.cloud.power(job.ready.droplet_id, PowerAction::PowerOn) {
                    Ok(Started::Now { .. }) => break,
                    Ok(Started::DropletBusy) => self.cloud.pause(FIRST_POLL * 2),
                    Err(e) => {
                        tracing::error!(
                            "droplet {}: could not power it on: {e}",
                            Clean(&job.ready.droplet_name)
                        );
                        break;
                    }
                }
            }
        }
    }

    /// Copies the snapshots completed in this phase to the `-r` regions. The listing lags
    /// behind the actions: one not listed yet is read for again a few times, then left to the
    /// next run.
    fn transfer(&mut self, jobs: &[Job], regions: &[String]) {
        if regions.is_empty() {
            return;
        }
        let mut wanted: Vec<(u64, String)> = jobs
            .iter()
            .filter(|j| j.snapshot_ok)
            .filter_map(|j| j.name.clone().map(|n| (j.ready.droplet_id, n)))
            .collect();
        let report_of = |droplet: u64| {
            jobs.iter()
                .find(|j| j.ready.droplet_id == droplet)
                .map(|j| j.index)
        };
        for read in 0..LISTING_READS {
            if wanted.is_empty() || interrupt::requested().is_some() {
                break;
            }
            if read > 0 {
                self.cloud.pause(LISTING_PAUSE);
            }
            let found = match self.cloud.find_snapshots(&wanted) {
                Ok(found) => found,
                Err(e) => {
                    tracing::error!("reading the new snapshots to copy them failed: {e}");
                    if e.is_fatal() {
                        self.fatal.get_or_insert(e);
                    }
                    return;
                }
            };
            for snapshot in found {
                wanted.retain(|(d, n)| !(*d == snapshot.droplet_id && *n == snapshot.name));
                let Some(index) = report_of(snapshot.droplet_id) else {
                    continue;
                };
                for region in regions.iter().filter(|r| !snapshot.regions.contains(r)) {
                    match self.cloud.transfer_snapshot(snapshot.id, region) {
                        Ok(()) => {
                            tracing::info!(
                                "droplet {}: transferring snapshot {} to {}",
                                Clean(&self.reports[index].name),
                                snapshot.id,
                                Clean(region)
                            );
                            self.reports[index].transfers.push(TransferRequest {
                                snapshot_id: snapshot.id,
                                region: region.clone(),
                            });
                        }
                        Err(e) => {
                            let fatal = e.is_fatal();
                            let message = e.to_string();
                            tracing::error!(
                                "droplet {}: {message}",
                                Clean(&self.reports[index].name)
                            );
                            self.reports[index].errors.push(message);
                            if fatal {
                                self.fatal.get_or_insert(e);
                                return;
                            }
                        }
                    }
                }
            }
        }
        for (droplet, name) in wanted {
            tracing::warn!(
                "droplet {droplet}: snapshot {} is not listed yet; the next run copies it to \
                 the -r regions",
                Clean(&name)
            );
        }
    }
}

/// What a hook is told about a droplet's snapshot.
fn subject(job: &Job) -> Subject<'_> {
    Subject {
        droplet_id: job.ready.droplet_id,
        droplet_name: &job.ready.droplet_name,
        snapshot_name: job.name.as_deref().unwrap_or(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::memory::MemoryCloud;
    use crate::cloud::{Deleted, DropletState, Inventory, VolumeInventory};
    use crate::core::activity::{DropletAction, SnapshotAction};
    use crate::core::model::Snapshot;
    use crate::core::naming::PrefixTemplate;

    /// The simulator's account, but polling an action panics: a bug in the middle of the wait.
    struct Buggy(MemoryCloud);

    impl Cloud for Buggy {
        fn inventory(&mut self, tag: &str) -> Result<Inventory<'_>, CloudError> {
            self.0.inventory(tag)
        }
        fn snapshot_actions(&mut self, id: u64) -> Result<Vec<SnapshotAction>, CloudError> {
            self.0.snapshot_actions(id)
        }
        fn transfers_in_progress(&mut self, id: u64) -> Result<Vec<String>, CloudError> {
            self.0.transfers_in_progress(id)
        }
        fn delete_snapshot(&mut self, id: u64) -> Result<Deleted, CloudError> {
            self.0.delete_snapshot(id)
        }
        fn transfer_snapshot(&mut self, id: u64, region: &str) -> Result<(), CloudError> {
            self.0.transfer_snapshot(id, region)
        }
        fn take_snapshot(&mut self, id: u64, name: &str) -> Result<Started, CloudError> {
            self.0.take_snapshot(id, name)
        }
        fn action_statuses(
            &mut self,
            _ids: &[u64],
        ) -> Result<BTreeMap<u64, ActionStatus>, CloudError> {
            panic!("a bug while polling")
        }
        fn droplet_state(&mut self, id: u64) -> Result<DropletState, CloudError> {
            self.0.droplet_state(id)
        }
        fn power(&mut self, id: u64, action: PowerAction) -> Result<Started, CloudError> {
            self.0.power(id, action)
        }
        fn droplet_actions(&mut self, id: u64) -> Result<Vec<DropletAction>, CloudError> {
            self.0.droplet_actions(id)
        }
        fn find_snapshots(
            &mut self,
            wanted: &[(u64, String)],
        ) -> Result<Vec<Snapshot>, CloudError> {
            self.0.find_snapshots(wanted)
        }
        fn volumes(&mut self) -> Result<VolumeInventory, CloudError> {
            self.0.volumes()
        }
        fn snapshot_volume(&mut self, id: &str, name: &str) -> Result<(), CloudError> {
            self.0.snapshot_volume(id, name)
        }
        fn delete_volume_snapshot(&mut self, id: &str) -> Result<Deleted, CloudError> {
            self.0.delete_volume_snapshot(id)
        }
        fn droplet_exists(&mut self, id: u64) -> Result<bool, CloudError> {
            self.0.droplet_exists(id)
        }
        fn volume_exists(&mut self, id: &str) -> Result<bool, CloudError> {
            self.0.volume_exists(id)
        }
        fn pause(&mut self, duration: Duration) {
            self.0.pause(duration);
        }
        fn elapsed(&self) -> Duration {
            self.0.elapsed()
        }
        fn now(&self) -> Option<Timestamp> {
            self.0.now()
        }
    }

    #[test]
    fn a_panic_mid_wait_still_powers_the_droplet_on() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let mut cloud = Buggy(MemoryCloud::new("db", "t", "nyc3", now));
        let ready = Ready {
            droplet_id: 1,
            droplet_name: "db".to_string(),
            take: Some(
                PrefixTemplate::parse("$droplet-")
                    .unwrap()
                    .expand("db", "t"),
            ),
            volumes: Vec::new(),
            power: Some(PowerPlan::Cycle),
            running: None,
        };
        let mut reports = vec![DropletReport::new(1, "db".to_string(), 0)];
        let f = Finish {
            wait_timeout: Duration::from_secs(600),
            power_off: Some(PowerOff {
                shutdown_timeout: Duration::from_secs(60),
                max_down: 1,
            }),
            hook: None,
            progress: false,
        };
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            finish(&mut cloud, now, vec![(0, ready)], &mut reports, &[], &f)
        }));
        assert!(outcome.is_err(), "the panic goes on");
        // Shut down and snapshotted before the panic; powered on after it.
        assert_eq!(cloud.0.snapshots().len(), 1);
        assert_eq!(cloud.droplet_state(1).unwrap().status, "active");
    }
}
