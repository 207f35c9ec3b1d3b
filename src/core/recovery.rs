//! Finding a droplet that an earlier run powered off and never powered on again (it was
//! killed, or the machine went down mid-run): its newest actions are this tool's sequence, a
//! shutdown or power-off followed within minutes by a snapshot, with no power-on since. Such a
//! droplet is powered on by the next `--power-off` run, so a crash never leaves a server down
//! past it.
//!
//! The window tells this tool's sequence from a droplet someone shut down on purpose and a run
//! then snapshotted as it was: the tool asks for the snapshot as soon as it sees the droplet
//! off (its polls are at most a minute apart), while a droplet that was already off was, all
//! but always, shut down more than a few minutes before a run found it so.

use super::activity::{ActionStatus, DropletAction};

/// How long after its power-off action completed this tool's snapshot request comes, at most:
/// a poll interval of up to a minute, and a few refusals while the droplet is still locked.
pub const WINDOW: i64 = 3 * 60;

/// The same from the power-off action's start, for an action the API gives no completion time
/// (api-v2#199): the shutdown itself may take minutes.
pub const WINDOW_FROM_START: i64 = 15 * 60;

/// What is left to do for a droplet an earlier run left off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// Its snapshot is over: power it on.
    PowerOn,
    /// Its snapshot is still running: wait for this action, then power it on.
    AfterSnapshot { action: u64 },
}

/// Whether the droplet (found `off`) was left off by this tool, judging by its actions in any
/// order. Failed power-on attempts do not count as a power-on.
pub fn left_off(actions: &[DropletAction]) -> Option<Recovery> {
    let mut newest_first: Vec<&DropletAction> = actions
        .iter()
        .filter(|a| !(a.kind == "power_on" && a.status == ActionStatus::Errored))
        .collect();
    // Action ids grow with time; the start time breaks no ties they leave.
    newest_first.sort_by_key(|a| std::cmp::Reverse((a.started_at, a.id)));
    let [snapshot, power, ..] = newest_first.as_slice() else {
        return None;
    };
    let ours = snapshot.kind == "snapshot"
        && matches!(power.kind.as_str(), "shutdown" | "power_off")
        && power.status == ActionStatus::Completed
        && match (snapshot.started_at, power.completed_at, power.started_at) {
            (Some(s), Some(done), _) => (0..=WINDOW).contains(&s.since(done)),
            (Some(s), None, Some(start)) => (0..=WINDOW_FROM_START).contains(&s.since(start)),
            _ => false,
        };
    if !ours {
        return None;
    }
    Some(match snapshot.status {
        ActionStatus::InProgress => Recovery::AfterSnapshot {
            action: snapshot.id,
        },
        ActionStatus::Completed | ActionStatus::Errored => Recovery::PowerOn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn action(id: u64, kind: &str, status: ActionStatus, at: i64) -> DropletAction {
        let t = Timestamp::from_second(1_700_000_000 + at);
        DropletAction {
            id,
            kind: kind.to_string(),
            status,
            started_at: t,
            completed_at: t,
        }
    }

    use ActionStatus::{Completed, Errored, InProgress};

    #[test]
    fn a_shutdown_then_a_snapshot_with_no_power_on_is_ours() {
        let actions = [
            action(1, "power_on", Completed, 0),
            action(2, "shutdown", Completed, 1_000),
            action(3, "snapshot", Completed, 1_090),
        ];
        assert_eq!(left_off(&actions), Some(Recovery::PowerOn));
        // In any order, and with the hard power-off that followed an ignored shutdown.
        let actions = [
            action(13, "snapshot", InProgress, 1_300),
            action(11, "shutdown", Completed, 1_000),
            action(12, "power_off", Completed, 1_120),
        ];
        assert_eq!(
            left_off(&actions),
            Some(Recovery::AfterSnapshot { action: 13 })
        );
        // A failed power-on is no power-on.
        let actions = [
            action(2, "shutdown", Completed, 1_000),
            action(3, "snapshot", Errored, 1_060),
            action(4, "power_on", Errored, 1_800),
        ];
        assert_eq!(left_off(&actions), Some(Recovery::PowerOn));
    }

    #[test]
    fn without_a_completion_time_the_window_runs_from_the_start() {
        let mut shutdown = action(2, "shutdown", Completed, 1_000);
        shutdown.completed_at = None;
        let ours = [shutdown.clone(), action(3, "snapshot", Completed, 1_600)];
        assert_eq!(left_off(&ours), Some(Recovery::PowerOn));
        let not_ours = [shutdown, action(3, "snapshot", Completed, 3_000)];
        assert_eq!(left_off(&not_ours), None);
    }

    #[test]
    fn anything_else_is_left_as_it_is() {
        // Powered on since.
        let on = [
            action(2, "shutdown", Completed, 1_000),
            action(3, "snapshot", Completed, 1_060),
            action(4, "power_on", Completed, 1_800),
        ];
        // Shut down on purpose days before a run snapshotted it as it was.
        let on_purpose = [
            action(2, "shutdown", Completed, 1_000),
            action(3, "snapshot", Completed, 1_000 + 3 * 86_400),
        ];
        // Shut down by a person five minutes before a run found it off and snapshotted it.
        let just_before = [
            action(2, "shutdown", Completed, 1_000),
            action(3, "snapshot", Completed, 1_300),
        ];
        // Shut down, and no snapshot followed (a person, or a run killed before it asked).
        let no_snapshot = [action(2, "shutdown", Completed, 1_000)];
        // The shutdown failed.
        let failed = [
            action(2, "shutdown", Errored, 1_000),
            action(3, "snapshot", Completed, 1_060),
        ];
        for actions in [
            &on[..],
            &on_purpose,
            &just_before,
            &no_snapshot,
            &failed,
            &[],
        ] {
            assert_eq!(left_off(actions), None, "{actions:?}");
        }
    }
}
