//! What a droplet's snapshot actions say, read when a snapshot is due and before one is asked
//! for. The snapshot listing shows only completed, listed snapshots; the actions also show a
//! snapshot still being made, one that completed but is not listed yet (the API's listings
//! lag), and ones that ended `errored`, which left no snapshot behind and would otherwise go
//! unnoticed run after run.

use smallvec::SmallVec;

use crate::time::Timestamp;

/// A snapshot action on a droplet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotAction {
    pub id: u64,
    pub status: ActionStatus,
    pub started_at: Option<Timestamp>,
    /// When it ended; the API may leave it out (api-v2#199).
    pub completed_at: Option<Timestamp>,
}

/// Any action on a droplet (a snapshot, a shutdown, a power-on…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropletAction {
    pub id: u64,
    /// The API's `type`: `snapshot`, `shutdown`, `power_off`, `power_on`…
    pub kind: String,
    pub status: ActionStatus,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
}

/// An action anywhere on the account, as the account-wide list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountAction {
    pub id: u64,
    /// The API's `type`: `snapshot`, `transfer`, `shutdown`…
    pub kind: String,
    pub status: ActionStatus,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    /// The droplet's id for a droplet's action, the image's for a transfer.
    pub resource_id: Option<u64>,
    /// `droplet`, `image`, `volume`…
    pub resource_type: String,
    /// For a transfer, the region it copies to.
    pub region: Option<String>,
}

/// The account's recent actions, read once for every droplet of a run instead of once per
/// droplet: `whole` says they hold every action started at or after `since`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecentActions {
    pub since: Option<Timestamp>,
    pub actions: Vec<AccountAction>,
    pub whole: bool,
}

impl RecentActions {
    /// A droplet's snapshot actions, when these actions surely hold every one started since
    /// `from`; `None` when they may not (the droplet's own list must be read).
    pub fn snapshot_actions(&self, droplet: u64, from: Timestamp) -> Option<Vec<SnapshotAction>> {
        if !(self.whole && self.since.is_some_and(|s| s <= from)) {
            return None;
        }
        Some(
            self.actions
                .iter()
                .filter(|a| {
                    a.kind == "snapshot"
                        && a.resource_type == "droplet"
                        && a.resource_id == Some(droplet)
                })
                .map(|a| SnapshotAction {
                    id: a.id,
                    status: a.status,
                    started_at: a.started_at,
                    completed_at: a.completed_at,
                })
                .collect(),
        )
    }

    /// Regions a transfer of the image is copying it to, among these actions (one started
    /// before them is refused by the API as already under way, which the run also accepts).
    pub fn transfers_in_progress(&self, image: u64) -> Vec<String> {
        self.actions
            .iter()
            .filter(|a| {
                a.kind == "transfer"
                    && a.status == ActionStatus::InProgress
                    && a.resource_id == Some(image)
            })
            .filter_map(|a| a.region.clone())
            .collect()
    }
}

/// Where an action stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ActionStatus {
    /// Still running, or a status the tool does not know (treated as running: never risk a
    /// second snapshot).
    InProgress,
    Completed,
    Errored,
}

impl ActionStatus {
    /// Reads the API's `status`: anything but `completed` and `errored` counts as running.
    pub fn from_api(status: &str) -> ActionStatus {
        match status {
            "completed" => ActionStatus::Completed,
            "errored" => ActionStatus::Errored,
            _ => ActionStatus::InProgress,
        }
    }
}

/// How far apart a completed action's start and its snapshot's listed time may be and still be
/// the same snapshot: the name carries the time the run began asking, `created_at` the time the
/// API took the request.
const SAME_SNAPSHOT: i64 = 600;

/// How long after its action completes a snapshot may still be missing from the listings: past
/// this, a missing one was deleted, not delayed.
const LISTING_LAG: i64 = 1_800;

/// What the planner knew when it found a snapshot due, for checking the actions against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueCheck {
    /// Actions that started before this cannot make a snapshot recent enough to matter.
    pub window_start: Timestamp,
    /// The API's clock.
    pub now: Timestamp,
    /// The time of the newest owned snapshot, if any.
    pub newest: Option<Timestamp>,
    /// Times (names' and `created_at`) of the droplet's listed snapshots, owned or not, from
    /// around the window: a completed action matching none of them is not listed yet.
    pub listed: Listed,
}

/// The listed times a due check holds: usually the newest snapshot's two, so room for four is
/// kept inline and only more take an allocation (a simulation plans a droplet on every run).
pub type Listed = SmallVec<[Timestamp; 4]>;

/// The verdict of the actions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    /// Why no snapshot should be requested now, if so.
    pub busy: Option<String>,
    /// Snapshot actions that ended `errored` since the newest snapshot.
    pub errored: Vec<SnapshotAction>,
}

/// How long a snapshot may take to make, as far as the due check looks back for one that has
/// just completed (a longer one's completion can be missed by a shared read of the account's
/// actions; the droplet's own read, which has them all, is not bounded by it).
const LONGEST_SNAPSHOT: i64 = 6 * 3_600;

impl DueCheck {
    /// The actions the check needs start no earlier than this: the `-s` window, and a snapshot
    /// that may have been started long before and completed within the listings' lag.
    pub fn actions_since(&self) -> Timestamp {
        let lagging = Timestamp::from_second(self.now.as_second() - LISTING_LAG - LONGEST_SNAPSHOT)
            .unwrap_or(Timestamp::EPOCH);
        self.window_start.min(lagging)
    }

    /// Judges the droplet's snapshot actions.
    pub fn assess(&self, actions: &[SnapshotAction]) -> Assessment {
        let mut out = Assessment::default();
        for a in actions {
            let at = a.started_at;
            match a.status {
                ActionStatus::InProgress if out.busy.is_none() => {
                    out.busy = Some(format!(
                        "a snapshot is already in progress (action {})",
                        a.id
                    ));
                }
                ActionStatus::Completed if out.busy.is_none() => {
                    // Listings lag by minutes after a snapshot completes, however long it took
                    // to make; one missing longer than that was deleted.
                    let done = a.completed_at.or(at);
                    let recent = done.is_some_and(|t| self.now.since(t) <= LISTING_LAG);
                    let unlisted = at.is_some_and(|t| {
                        !self
                            .listed
                            .iter()
                            .any(|l| l.since(t).abs() <= SAME_SNAPSHOT)
                    });
                    if recent && unlisted {
                        out.busy = Some(format!(
                            "snapshot action {} completed (started {}) but its snapshot is not \
                             listed yet",
                            a.id,
                            at.map_or_else(String::new, |t| t.to_string())
                        ));
                    }
                }
                ActionStatus::Errored => {
                    let since_newest = match (at, self.newest) {
                        (Some(t), Some(newest)) => t > newest,
                        (_, None) => true,
                        (None, Some(_)) => false,
                    };
                    if since_newest {
                        out.errored.push(a.clone());
                    }
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn action(id: u64, status: ActionStatus, at: i64) -> SnapshotAction {
        SnapshotAction {
            id,
            status,
            started_at: Some(t(at)),
            completed_at: Some(t(at + 600)),
        }
    }

    fn check(newest: Option<i64>, listed: &[i64]) -> DueCheck {
        DueCheck {
            window_start: t(10_000),
            now: t(21_000),
            newest: newest.map(t),
            listed: listed.iter().map(|s| t(*s)).collect(),
        }
    }

    #[test]
    fn a_running_snapshot_makes_the_droplet_busy() {
        let a = check(None, &[]).assess(&[action(7, ActionStatus::InProgress, 5)]);
        assert!(a.busy.unwrap().contains("action 7"));
    }

    #[test]
    fn a_recent_completed_snapshot_that_is_not_listed_counts() {
        let done = [action(8, ActionStatus::Completed, 20_000)];
        assert!(check(Some(1_000), &[]).assess(&done).busy.is_some());
        // Listed (by its name's time or its created_at, within minutes): nothing to wait for.
        assert_eq!(check(Some(1_000), &[20_300]).assess(&done).busy, None);
        // Too old to matter for due-ness.
        let old = [action(9, ActionStatus::Completed, 9_000)];
        assert_eq!(check(None, &[]).assess(&old).busy, None);
    }

    #[test]
    fn a_long_snapshot_that_just_completed_counts_however_long_ago_it_started() {
        // Started long before the window, completed a few minutes ago, not listed yet.
        let long = [SnapshotAction {
            id: 9,
            status: ActionStatus::Completed,
            started_at: Some(t(1_000)),
            completed_at: Some(t(20_700)),
        }];
        assert!(check(None, &[]).assess(&long).busy.is_some());
        assert!(check(None, &[]).actions_since() <= t(1_000));
    }

    #[test]
    fn errored_actions_since_the_newest_snapshot_are_failures() {
        let actions = [
            action(1, ActionStatus::Errored, 500),
            action(2, ActionStatus::Errored, 1_500),
        ];
        let ids = |a: Assessment| a.errored.iter().map(|x| x.id).collect::<Vec<_>>();
        assert_eq!(ids(check(Some(1_000), &[]).assess(&actions)), [2]);
        assert_eq!(ids(check(None, &[]).assess(&actions)), [1, 2]);
        assert_eq!(check(Some(1_000), &[]).assess(&actions).busy, None);
    }
}
