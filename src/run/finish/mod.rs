//! The finishing phase of a run with `--wait`, `--power-off` or `--hook`: after every droplet
//! has been planned and pruned, take the due snapshots (all at once, or, for droplets powered
//! off first, at most `--max-down` at a time), wait for them with one shared poller, power the
//! droplets on again (`power.rs`), run the hooks, and copy the new snapshots to the `-r`
//! regions in the same run (`copy.rs`).
//!
//! Each droplet is a small state machine (queued → stopping → snapshotting → starting → done)
//! advanced by poll rounds. A round costs one request for every pending snapshot together (the
//! account's action list) plus one per droplet being powered off or on, so waiting for sixty
//! snapshots costs a few dozen requests in all. Polls start every 5 s after anything new was
//! asked for and back off to 60 s.
//!
//! Power comes back whatever happens: when a request fails, when the wait times out, when the
//! API stops answering, on the first SIGTERM or SIGINT (which a `Shield` lets the run sit out
//! while a droplet is down), and on a panic (the phase is caught, the droplets powered on, and
//! the panic resumed).

mod copy;
mod power;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::time::Duration;

use super::act::Ready;
use super::hook::{Hook, Phase, Subject};
use super::outcome::{
    DropletReport, ErroredAction, HookResult, PowerPlan, SnapshotOutcome, WaitReport, WaitState,
};
use super::progress::Progress;
use super::volumes;
use crate::cloud::{Cloud, CloudError, Started};
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
/// Rounds a droplet may answer "pending event" to a shutdown or snapshot request before the
/// run gives up on it (a power-on is never given up this way).
const BUSY_ROUNDS: u32 = 20;
/// Polls an action may be missing from the API's answers (or the poll fail) before it counts
/// as lost.
const MISSING_POLLS: u32 = 3;
/// Reads of a droplet's state that may fail in a row while it shuts down before the run stops
/// waiting for it to be off.
const STATE_FAILURES: u32 = 5;

/// Where one droplet is.
#[derive(Debug)]
enum Stage {
    /// Waiting for its turn (`--max-down`).
    Queued,
    /// A shutdown (or, `hard`, a power-off) was asked for at `asked`.
    Stopping {
        asked: Duration,
        hard: bool,
    },
    /// Off, its snapshot refused for now ("pending event"): asked again next round.
    Asking,
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
    /// Rounds it answered "pending event".
    busy: u32,
    /// Polls in a row its action was missing or the poll failed.
    missing: u32,
    /// Reads of its state that failed in a row.
    state_failures: u32,
    /// Power-on requests that failed or did not take.
    power_on_failures: u32,
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
            state_failures: 0,
            power_on_failures: 0,
        })
        .collect();
    let taking = jobs.iter().filter(|j| j.ready.take.is_some()).count();
    let started = cloud.elapsed();
    let mut phase = Phased {
        cloud,
        reports,
        f,
        started,
        run_now: now,
        fatal: None,
        asked: false,
        left_off_note: String::new(),
        progress: Progress::new(f.progress, taking),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| phase.run(&mut jobs)));
    if let Err(panic) = outcome {
        // A bug must not leave servers down: power on what this run powered off, then go on
        // failing as the panic would have.
        phase.power_on_after_panic(&mut jobs);
        resume_unwind(panic);
    }
    phase.progress.finish();
    if phase.fatal.is_none() {
        phase.copy(&jobs, regions);
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
    /// Something new was asked of the API since the last pause: poll again soon.
    asked: bool,
    /// What the signal handler was last told is left off.
    left_off_note: String,
    progress: Progress,
}

/// Why nothing new may start.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Halt {
    TimedOut,
    Interrupted,
    Failed,
}

impl Halt {
    fn why(self) -> &'static str {
        match self {
            Halt::TimedOut => "--wait-timeout passed",
            Halt::Interrupted => "the run was interrupted",
            Halt::Failed => "the run stopped on an error",
        }
    }
}

impl Phased<'_> {
    fn run(&mut self, jobs: &mut [Job]) {
        let mut interval = FIRST_POLL;
        loop {
            let max_down = self.f.power_off.map_or(usize::MAX, |p| p.max_down);
            for i in 0..jobs.len() {
                if !matches!(jobs[i].stage, Stage::Queued) {
                    continue;
                }
                // Checked for each droplet: a signal or the deadline may come during a hook.
                if let Some(halt) = self.halt() {
                    self.never_started(&mut jobs[i], halt);
                    continue;
                }
                let down = jobs.iter().filter(|j| j.down.is_some()).count();
                if jobs[i].ready.power == Some(PowerPlan::Cycle) && down >= max_down {
                    continue;
                }
                self.begin(&mut jobs[i]);
                self.note_left_off(jobs);
            }
            self.note_left_off(jobs);
            if jobs.iter().all(|j| matches!(j.stage, Stage::Done)) {
                return;
            }
            interval = if std::mem::take(&mut self.asked) {
                FIRST_POLL
            } else {
                (interval * 2).min(LAST_POLL)
            };
            let pause = self.pause(jobs, interval);
            self.cloud.pause(pause);
            self.poll(jobs);
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
    /// wait or of a shutdown's grace while they are ahead; never less than a second.
    fn pause(&self, jobs: &[Job], interval: Duration) -> Duration {
        let now = self.cloud.elapsed();
        let mut deadlines = vec![self.started + self.f.wait_timeout];
        let grace = self.f.power_off.map(|p| p.shutdown_timeout);
        for job in jobs {
            if let (Stage::Stopping { asked, .. }, Some(grace)) = (&job.stage, grace) {
                deadlines.push(*asked + grace);
            }
        }
        deadlines
            .into_iter()
            .filter(|d| *d > now)
            .map(|d| d - now)
            .fold(interval, Duration::min)
            .max(Duration::from_secs(1))
    }

    /// A queued droplet the run will not get to.
    fn never_started(&mut self, job: &mut Job, halt: Halt) {
        let report = &mut self.reports[job.index];
        if job.ready.take.is_some() {
            tracing::warn!(
                "droplet {}: snapshot due but not taken: {} before its turn",
                Clean(&job.ready.droplet_name),
                halt.why()
            );
            if halt == Halt::TimedOut {
                report.snapshot = SnapshotOutcome::Skipped {
                    reason: format!("{} before its turn", halt.why()),
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
            self.go_down(job);
            self.start_powering_on(job);
            return;
        }
        self.done(job);
    }

    /// Starts a droplet's work: the pre hook, then a shutdown or the snapshots.
    fn begin(&mut self, job: &mut Job) {
        if job.ready.power == Some(PowerPlan::Restore) {
            self.go_down(job);
        }
        if let Some(action) = job.ready.running {
            job.asked = self.cloud.elapsed();
            job.stage = Stage::Snapshotting {
                action: Some(action),
            };
            return;
        }
        if job.ready.take.is_none() && job.ready.volumes.is_empty() {
            self.start_powering_on(job);
            return;
        }
        // A droplet asked again after a refused shutdown has had its hook and its name.
        if !job.pre_ran && job.name.is_none() {
            // Named when asked for: a droplet that waited for its turn is snapshotted later.
            let at = self.cloud.now().unwrap_or(self.run_now);
            job.name = job.ready.take.as_ref().map(|prefix| prefix.name_at(at));
            if !self.pre_hook(job) {
                return;
            }
        }
        // The hook may have taken long enough for a signal or the deadline to arrive.
        if let Some(halt) = self.halt() {
            self.skip(job, &format!("{} after the pre hook", halt.why()));
            self.wind_down(job);
            return;
        }
        if job.ready.power == Some(PowerPlan::Cycle) {
            self.shut_down(job, crate::cloud::PowerAction::Shutdown);
        } else {
            self.take_all(job);
        }
    }

    /// Runs the pre hook, if there is one; false when it failed (the snapshots are skipped,
    /// and the droplet winds down).
    fn pre_hook(&mut self, job: &mut Job) -> bool {
        let Some(hook) = &self.f.hook else {
            return true;
        };
        job.pre_ran = true;
        let report = hook.run(Phase::Pre, &subject(job));
        let ok = report.result == HookResult::Ok;
        self.reports[job.index].hooks.push(report);
        if !ok {
            self.skip(job, "the pre hook failed");
            self.wind_down(job);
        }
        ok
    }

    /// Marks the droplet's due snapshots (its own, its volumes') as skipped.
    fn skip(&mut self, job: &Job, reason: &str) {
        let skipped = || SnapshotOutcome::Skipped {
            reason: reason.to_string(),
        };
        let report = &mut self.reports[job.index];
        if job.ready.take.is_some() {
            report.snapshot = skipped();
        }
        for v in &job.ready.volumes {
            report.volumes[v.index].snapshot = skipped();
        }
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

    /// Asks for the droplet's snapshot.
    fn request_snapshot(&mut self, job: &mut Job) {
        let name = job.name.clone().unwrap_or_default();
        let shown = Clean(&job.ready.droplet_name).to_string();
        match self.cloud.take_snapshot(job.ready.droplet_id, &name) {
            Ok(Started::Now { action }) => {
                tracing::info!("droplet {shown}: taking snapshot {}", Clean(&name));
                job.asked = self.cloud.elapsed();
                job.busy = 0;
                self.asked = true;
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
                // A droplet just powered off stays locked for a moment: ask again next round.
                // One running as it is skips, as a run without --wait does.
                if job.down.is_some() && job.busy < BUSY_ROUNDS {
                    job.stage = Stage::Asking;
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
            self.settle_after_fatal(jobs);
            return;
        }
        let ids: Vec<u64> = jobs
            .iter()
            .filter_map(|j| match j.stage {
                Stage::Snapshotting { action } => action,
                _ => None,
            })
            .collect();
        // `None`: the poll failed; each snapshot waits, within the deadline, for the next.
        let statuses = if ids.is_empty() {
            Some(BTreeMap::new())
        } else {
            match self.cloud.action_statuses(&ids) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!("polling the snapshots' actions failed: {e}");
                    if e.is_fatal() {
                        self.fatal.get_or_insert(e);
                        self.settle_after_fatal(jobs);
                        return;
                    }
                    None
                }
            }
        };
        for job in jobs.iter_mut() {
            match job.stage {
                Stage::Stopping { asked, hard } => self.stopping(job, asked, hard),
                Stage::Asking => self.asking(job),
                Stage::Snapshotting { action } => {
                    let answer = statuses
                        .as_ref()
                        .map(|s| action.and_then(|a| s.get(&a).copied()));
                    self.snapshotting(job, action, answer);
                }
                Stage::Starting { sent, since } => self.starting(job, sent, since),
                Stage::Queued | Stage::Done => {}
            }
        }
    }

    /// Nothing can be asked of the API any more (the token was refused): settle every droplet
    /// as it stands; one this run has down is reported as left off, with how to power it on.
    fn settle_after_fatal(&mut self, jobs: &mut [Job]) {
        for job in jobs.iter_mut() {
            match job.stage {
                Stage::Done | Stage::Queued => {}
                _ if job.down.is_some() => self.left_off(job),
                Stage::Snapshotting { action } => {
                    self.end_wait(job, action, WaitState::Interrupted);
                    self.done(job);
                }
                _ => self.done(job),
            }
        }
    }

    /// Records how the wait for the droplet's snapshot ended.
    fn end_wait(&mut self, job: &Job, action: Option<u64>, state: WaitState) {
        let seconds = self.cloud.elapsed().saturating_sub(job.asked).as_secs();
        self.reports[job.index].wait = Some(WaitReport {
            state,
            action_id: action,
            seconds,
        });
    }

    /// A droplet whose snapshot is under way. `answer` is the poll's word on its action:
    /// `None` when the poll failed, `Some(None)` when the action was not among the answers.
    fn snapshotting(
        &mut self,
        job: &mut Job,
        action: Option<u64>,
        answer: Option<Option<ActionStatus>>,
    ) {
        let shown = Clean(&job.ready.droplet_name).to_string();
        let name = job.name.clone().unwrap_or_default();
        match answer {
            Some(Some(ActionStatus::Completed)) => {
                let seconds = self.cloud.elapsed().saturating_sub(job.asked).as_secs();
                tracing::info!(
                    "droplet {shown}: snapshot {} completed ({} after it was asked for)",
                    Clean(&name),
                    human(seconds as i64)
                );
                job.snapshot_ok = true;
                self.progress.completed();
                self.end_wait(job, action, WaitState::Completed);
                self.wind_down(job);
                return;
            }
            Some(Some(ActionStatus::Errored)) => {
                let id = action.unwrap_or_default();
                tracing::error!(
                    "droplet {shown}: snapshot action {id} ({}) ended errored and left no snapshot",
                    Clean(&name)
                );
                self.progress.completed();
                self.end_wait(job, action, WaitState::Errored);
                self.reports[job.index].errored_actions.push(ErroredAction {
                    id,
                    started_at: None,
                });
                self.wind_down(job);
                return;
            }
            Some(Some(ActionStatus::InProgress)) => job.missing = 0,
            Some(None) | None => job.missing += 1,
        }
        let lost = action.is_none() || job.missing >= MISSING_POLLS;
        if job.down.is_some() {
            self.snapshotting_while_off(job, action, lost);
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
                "droplet {shown}: snapshot {} still in progress after --wait-timeout {}; the \
                 next run carries on",
                Clean(&name),
                human(self.f.wait_timeout.as_secs() as i64)
            ),
            _ => tracing::warn!(
                "droplet {shown}: no longer waiting for snapshot {}",
                Clean(&name)
            ),
        }
        self.end_wait(job, action, state);
        self.wind_down(job);
    }

    /// After the snapshot (taken, failed or skipped), or instead of it: power on what this
    /// run has down, else finish.
    fn wind_down(&mut self, job: &mut Job) {
        if job.down.is_some() {
            self.start_powering_on(job);
        } else {
            self.done(job);
        }
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
}

/// What a hook is told about a droplet's snapshot.
fn subject(job: &Job) -> Subject<'_> {
    Subject {
        droplet_id: job.ready.droplet_id,
        droplet_name: &job.ready.droplet_name,
        snapshot_name: job.name.as_deref().unwrap_or(""),
    }
}
