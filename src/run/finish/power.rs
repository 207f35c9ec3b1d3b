//! `--power-off`: a droplet goes off (a graceful shutdown, then a hard power-off if it does not
//! go off within `--shutdown-timeout`), is snapshotted, and comes back on. Once this run has
//! powered a droplet off, every path leads to powering it on: a refused or failed request is
//! asked again, an API that stops answering is waited out (for a bounded time), and only then is
//! the droplet reported as left off, with the command that powers it on.

use std::fmt::Write as _;
use std::time::Duration;

use super::{BUSY_ROUNDS, Job, Phased, STATE_FAILURES, Stage};
use crate::cloud::{DropletState, PowerAction, Started};
use crate::core::span::human;
use crate::interrupt::{self, Shield};
use crate::run::outcome::{PowerPlan, SnapshotOutcome, WaitState};
use crate::sanitize::Clean;

/// Failed or ineffective power-on requests before the droplet is reported as left off.
const POWER_ON_TRIES: u32 = 5;
/// How long powering a droplet on may take, API trouble included, before it is reported as
/// left off.
const POWER_ON_LIMIT: Duration = Duration::from_secs(30 * 60);
/// How long past `--wait-timeout` the run still waits for the snapshot of a droplet it powered
/// off (it cannot be powered on before that snapshot is over), at least.
const OFF_SNAPSHOT_GRACE: Duration = Duration::from_secs(6 * 3_600);

impl Phased<'_> {
    /// From now on the droplet is down because of this run: a first signal no longer stops
    /// the requests that will power it on.
    pub(super) fn go_down(&mut self, job: &mut Job) {
        if job.down.is_none() {
            job.down = Some((self.cloud.elapsed(), Shield::raise()));
        }
    }

    pub(super) fn start_powering_on(&mut self, job: &mut Job) {
        job.stage = Stage::Starting {
            sent: None,
            since: self.cloud.elapsed(),
        };
    }

    /// Asks for a shutdown (graceful) or a power-off (hard).
    pub(super) fn shut_down(&mut self, job: &mut Job, how: PowerAction) {
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
                self.go_down(job);
                self.asked = true;
                job.busy = 0;
                job.stage = Stage::Stopping {
                    asked: self.cloud.elapsed(),
                    hard,
                };
            }
            Ok(Started::DropletBusy) => {
                job.busy += 1;
                if job.busy >= BUSY_ROUNDS {
                    self.fail(
                        job,
                        format!("the droplet stayed busy; could not {}", how.api_type()),
                    );
                    self.skip(job, "the droplet stayed busy");
                    self.wind_down(job);
                } else if job.down.is_none() {
                    // Not down yet: its turn comes again next round.
                    job.stage = Stage::Queued;
                }
            }
            Err(e) => {
                self.record(job, e);
                self.reports[job.index].snapshot = SnapshotOutcome::Failed;
                self.wind_down(job);
            }
        }
    }

    /// A droplet asked to go off: once it is off and free, its snapshots; past the grace, the
    /// hard power-off; past that, no snapshot (and it is powered on again).
    pub(super) fn stopping(&mut self, job: &mut Job, asked: Duration, hard: bool) {
        if let Some(halt) = self.halt() {
            tracing::warn!(
                "droplet {}: {} while it was shutting down: powering it on without a snapshot",
                Clean(&job.ready.droplet_name),
                halt.why()
            );
            self.skip(job, &format!("{} before it was off", halt.why()));
            self.wind_down(job);
            return;
        }
        let Some(state) = self.droplet_state(job) else {
            if job.state_failures >= STATE_FAILURES {
                self.fail(
                    job,
                    "its state could not be read while it shut down".to_string(),
                );
                self.reports[job.index].snapshot = SnapshotOutcome::Failed;
                self.wind_down(job);
            }
            return;
        };
        let grace = self
            .f
            .power_off
            .map_or(Duration::ZERO, |p| p.shutdown_timeout);
        let late = self.cloud.elapsed().saturating_sub(asked) >= grace;
        if state.status == "off" {
            if state.locked {
                // Off, but the action is still closing: the next round.
                return;
            }
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
                    "the droplet was not off within {} of a hard power-off; no snapshot",
                    human(grace.as_secs() as i64)
                ),
            );
            self.reports[job.index].snapshot = SnapshotOutcome::Failed;
            self.wind_down(job);
        }
    }

    /// Off, its snapshot refused for now: asks again once the droplet is free.
    pub(super) fn asking(&mut self, job: &mut Job) {
        if let Some(halt) = self.halt() {
            self.skip(
                job,
                &format!("{} before the snapshot was taken", halt.why()),
            );
            self.wind_down(job);
            return;
        }
        if let Some(state) = self.droplet_state(job)
            && !state.locked
        {
            self.request_snapshot(job);
        }
    }

    /// The snapshot of a droplet this run powered off: it cannot be powered on before the
    /// snapshot is over, so the run waits for it past the deadline and through a first signal,
    /// watching the droplet's lock when the action cannot be followed. Only a snapshot that
    /// runs hours past the deadline is given up on, the droplet reported as left off (the next
    /// run with --power-off powers it on once the snapshot is over).
    pub(super) fn snapshotting_while_off(
        &mut self,
        job: &mut Job,
        action: Option<u64>,
        lost: bool,
    ) {
        if lost
            && let Some(state) = self.droplet_state(job)
            && !state.locked
        {
            self.end_wait(job, action, WaitState::Unknown);
            self.wind_down(job);
            return;
        }
        let limit = self.f.wait_timeout + self.f.wait_timeout.max(OFF_SNAPSHOT_GRACE);
        if self.waited() >= limit {
            self.end_wait(job, action, WaitState::TimedOut);
            self.left_off(job);
        }
    }

    /// Powers the droplet on and watches until it is active.
    pub(super) fn starting(&mut self, job: &mut Job, sent: Option<Duration>, since: Duration) {
        let now = self.cloud.elapsed();
        let state = self.droplet_state(job);
        if now.saturating_sub(since) >= POWER_ON_LIMIT {
            if state.as_ref().is_some_and(|s| s.status == "active") {
                self.powered_on(job, sent);
            } else {
                self.left_off(job);
            }
            return;
        }
        let Some(state) = state else {
            if self.fatal.is_some() {
                self.left_off(job);
            }
            return;
        };
        if state.locked {
            return;
        }
        match state.status.as_str() {
            "active" => self.powered_on(job, sent),
            "off" => {
                if sent.is_some() {
                    // The power-on is over and the droplet is still off: it did not take.
                    job.power_on_failures += 1;
                }
                if job.power_on_failures >= POWER_ON_TRIES {
                    self.left_off(job);
                    return;
                }
                match self.cloud.power(job.ready.droplet_id, PowerAction::PowerOn) {
                    Ok(Started::Now { .. }) => {
                        self.asked = true;
                        job.stage = Stage::Starting {
                            sent: Some(now),
                            since,
                        };
                    }
                    // Its snapshot or shutdown is still closing: the next round asks again.
                    Ok(Started::DropletBusy) => {}
                    Err(e) => {
                        let fatal = e.is_fatal();
                        self.record(job, e);
                        job.power_on_failures += 1;
                        if fatal || job.power_on_failures >= POWER_ON_TRIES {
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

    fn powered_on(&mut self, job: &mut Job, sent: Option<Duration>) {
        let now = self.cloud.elapsed();
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

    /// The droplet could not be powered on: say how to do it by hand.
    pub(super) fn left_off(&mut self, job: &mut Job) {
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

    /// The droplet's state, or `None` after logging why it could not be read (counted in a
    /// row; a fatal error also stops new work).
    pub(super) fn droplet_state(&mut self, job: &mut Job) -> Option<DropletState> {
        match self.cloud.droplet_state(job.ready.droplet_id) {
            Ok(state) => {
                job.state_failures = 0;
                Some(state)
            }
            Err(e) => {
                tracing::warn!("droplet {}: {e}", Clean(&job.ready.droplet_name));
                if e.is_fatal() {
                    self.fatal.get_or_insert(e);
                }
                job.state_failures += 1;
                None
            }
        }
    }

    /// Tells the signal handler which droplets a second signal would leave off, when that
    /// changed.
    pub(super) fn note_left_off(&mut self, jobs: &[Job]) {
        let down: Vec<&Job> = jobs.iter().filter(|j| j.down.is_some()).collect();
        let mut text = String::new();
        if !down.is_empty() {
            text.push_str("do-snapshot: left powered off:");
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
        }
        if text != self.left_off_note {
            interrupt::set_left_off((!text.is_empty()).then(|| text.clone()));
            self.left_off_note = text;
        }
    }

    /// After a panic: power on whatever this run has down, a few tries each, and say which
    /// could not be.
    pub(super) fn power_on_after_panic(&mut self, jobs: &mut [Job]) {
        for job in jobs.iter_mut().filter(|j| j.down.is_some()) {
            let name = Clean(&job.ready.droplet_name).to_string();
            let id = job.ready.droplet_id;
            let mut on = false;
            for _ in 0..BUSY_ROUNDS {
                match self.cloud.power(id, PowerAction::PowerOn) {
                    Ok(Started::Now { .. }) => {
                        on = true;
                        break;
                    }
                    Ok(Started::DropletBusy) => self.cloud.pause(super::FIRST_POLL * 2),
                    Err(e) => {
                        tracing::error!("droplet {name}: could not power it on: {e}");
                        break;
                    }
                }
            }
            if !on {
                tracing::error!(
                    "droplet {name}: left powered off: power it on with `doctl compute \
                     droplet-action power-on {id}`"
                );
            }
        }
    }
}
