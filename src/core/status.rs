//! `status`: is every droplet backed up recently? For each droplet, its newest owned snapshot
//! (by the run's rule: the expanded prefix followed by a real UTC time, that time being the
//! snapshot's) and the `-r` regions holding no recent copy; then one verdict for all, graded as
//! a Nagios plugin grades (OK, WARNING, CRITICAL, UNKNOWN). Pure: the same inputs, the same
//! verdict.

use serde::Serialize;

use super::model::{Droplet, Snapshot, Volume};
use super::naming::{Prefix, PrefixTemplate};
use super::plan::FUTURE_SLACK;
use crate::time::Timestamp;

/// A verdict, as Nagios reads a plugin's exit code.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl Level {
    /// How urgent: a droplet known to be behind (CRITICAL) is the more urgent news than one
    /// whose state could not be read (UNKNOWN), which is more than a missing copy (WARNING).
    fn rank(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Unknown => 2,
            Level::Critical => 3,
        }
    }

    /// The worse of two verdicts.
    pub fn max(self, other: Level) -> Level {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// `OK`, `WARNING`, `CRITICAL` or `UNKNOWN`.
    pub fn word(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
            Level::Unknown => "UNKNOWN",
        }
    }
}

impl From<Level> for std::process::ExitCode {
    fn from(level: Level) -> std::process::ExitCode {
        std::process::ExitCode::from(level as u8)
    }
}

/// What `status` is asked to check.
#[derive(Clone, Debug)]
pub struct Check<'a> {
    pub tag: &'a str,
    pub prefix: &'a PrefixTemplate,
    /// Seconds: a newest snapshot this old or older is CRITICAL.
    pub max_age: i64,
    /// Each should hold a copy younger than `max_age`.
    pub regions: &'a [String],
}

/// One droplet's state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DropletStatus {
    pub id: u64,
    pub name: String,
    pub level: Level,
    /// Owned snapshots.
    pub owned: usize,
    /// The newest owned snapshot (one dated further ahead of the API's clock than the run
    /// allows does not count).
    pub newest: Option<Newest>,
    /// `-r` regions holding no owned snapshot younger than `max_age`.
    pub missing_regions: Vec<String>,
    /// An item of the listing about this droplet could not be read: its state is unsure.
    pub unreadable: bool,
    /// For one of the droplet's volumes (`--volumes`), its id; `name` is then
    /// `DROPLET/VOLUME`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_id: Option<String>,
}

/// A droplet's newest owned snapshot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Newest {
    pub name: String,
    /// The time in its name.
    pub time: Timestamp,
    pub age_seconds: i64,
    /// Regions holding it.
    pub regions: Vec<String>,
}

/// The answer to `status`: the verdict, and what it rests on.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub level: Level,
    /// The API's clock, which ages are measured against.
    pub now: Timestamp,
    pub tag: String,
    pub max_age_seconds: i64,
    pub regions: Vec<String>,
    pub droplets: Vec<DropletStatus>,
    /// Listed items that could not be read.
    pub problems: Vec<String>,
}

/// One droplet, from its snapshots (any order, owned or not). `unreadable` says an item of the
/// listing that concerns it could not be read.
pub fn droplet_status(
    droplet: &Droplet,
    snapshots: &[Snapshot],
    check: &Check,
    now: Timestamp,
    unreadable: bool,
) -> DropletStatus {
    let prefix = check.prefix.expand(&droplet.name, check.tag);
    let mut status = judge(&prefix, snapshots, check, now, unreadable);
    status.id = droplet.id;
    status.name.clone_from(&droplet.name);
    status
}

/// One of a droplet's volumes, from its snapshots named by `template`. A volume's snapshots
/// cannot be copied, so no region is asked of them.
pub fn volume_status(
    droplet: &Droplet,
    volume: &Volume,
    snapshots: &[Snapshot],
    template: &PrefixTemplate,
    check: &Check,
    now: Timestamp,
    unreadable: bool,
) -> DropletStatus {
    let prefix = template.expand_volume(&volume.name, &droplet.name, check.tag);
    let check = Check {
        regions: &[],
        ..check.clone()
    };
    let mut status = judge(&prefix, snapshots, &check, now, unreadable);
    status.id = droplet.id;
    status.name = format!("{}/{}", droplet.name, volume.name);
    status.volume_id = Some(volume.id.clone());
    status
}

/// The verdict on the snapshots `prefix` owns among `snapshots`.
fn judge(
    prefix: &Prefix,
    snapshots: &[Snapshot],
    check: &Check,
    now: Timestamp,
    unreadable: bool,
) -> DropletStatus {
    let owned: Vec<(&Snapshot, Timestamp)> = snapshots
        .iter()
        .filter_map(|s| prefix.owns(s).map(|time| (s, time)))
        .collect();
    let counted = || {
        owned
            .iter()
            .filter(|(_, time)| now.since(*time) >= -FUTURE_SLACK)
    };
    let newest = counted()
        .max_by_key(|(s, time)| (*time, s.id))
        .map(|(s, time)| Newest {
            name: s.name.clone(),
            time: *time,
            age_seconds: now.since(*time),
            regions: s.regions.clone(),
        });
    let missing_regions: Vec<String> = check
        .regions
        .iter()
        .filter(|region| {
            !counted()
                .any(|(s, time)| now.since(*time) < check.max_age && s.regions.contains(region))
        })
        .cloned()
        .collect();
    let level = match &newest {
        Some(n) if n.age_seconds >= check.max_age => Level::Critical,
        _ if unreadable => Level::Unknown,
        None => Level::Warning,
        Some(_) if !missing_regions.is_empty() => Level::Warning,
        Some(_) => Level::Ok,
    };
    DropletStatus {
        id: 0,
        name: String::new(),
        level,
        owned: owned.len(),
        newest,
        missing_regions,
        unreadable,
        volume_id: None,
    }
}

/// The verdict over all droplets: the worst of theirs; WARNING when no droplet carries the tag
/// (a typo there means no backups); UNKNOWN at least when an item of the listing that belongs
/// to no known droplet could not be read.
pub fn overall(droplets: &[DropletStatus], unattributed_problems: bool) -> Level {
    let mut level = if droplets.is_empty() {
        Level::Warning
    } else {
        Level::Ok
    };
    if unattributed_problems {
        level = level.max(Level::Unknown);
    }
    droplets.iter().fold(level, |worst, d| worst.max(d.level))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = 86_400;
    const NOW: i64 = 1_767_225_600;

    fn droplet() -> Droplet {
        Droplet {
            id: 7,
            name: "web".into(),
            region: "nyc3".into(),
            locked: false,
            status: "active".into(),
            tags: vec!["t".into()],
            volume_ids: Vec::new(),
        }
    }

    fn snap(id: u64, age: i64, name_prefix: &str, regions: &[&str]) -> Snapshot {
        let at = Timestamp::from_second(NOW - age).unwrap();
        let mut name = name_prefix.to_string();
        at.push_compact(&mut name);
        Snapshot::new(
            id,
            name,
            at,
            7,
            regions.iter().map(ToString::to_string).collect(),
        )
    }

    fn status(snapshots: &[Snapshot], regions: &[String], unreadable: bool) -> DropletStatus {
        let prefix = PrefixTemplate::parse("$droplet-auto-").unwrap();
        let check = Check {
            tag: "t",
            prefix: &prefix,
            max_age: D,
            regions,
        };
        droplet_status(
            &droplet(),
            snapshots,
            &check,
            Timestamp::from_second(NOW).unwrap(),
            unreadable,
        )
    }

    #[test]
    fn a_recent_snapshot_copied_everywhere_is_ok() {
        let lon = vec!["lon1".to_string()];
        let s = status(
            &[
                snap(1, 3 * D, "web-auto-", &["nyc3", "lon1"]),
                snap(2, 3_600, "web-auto-", &["nyc3", "lon1"]),
            ],
            &lon,
            false,
        );
        assert_eq!(s.level, Level::Ok);
        let newest = s.newest.unwrap();
        assert_eq!((newest.age_seconds, newest.regions.len()), (3_600, 2));
    }

    #[test]
    fn only_owned_snapshots_count() {
        let s = status(
            &[
                snap(1, 60, "manual-", &["nyc3"]),
                snap(2, 2 * D, "web-auto-", &["nyc3"]),
            ],
            &[],
            false,
        );
        assert_eq!((s.level, s.owned), (Level::Critical, 1));
        let s = status(&[snap(1, 60, "web-other-", &["nyc3"])], &[], false);
        assert_eq!((s.level, s.owned, s.newest), (Level::Warning, 0, None));
    }

    #[test]
    fn max_age_is_exclusive_and_far_future_snapshots_do_not_count() {
        assert_eq!(
            status(&[snap(1, D, "web-auto-", &[])], &[], false).level,
            Level::Critical
        );
        assert_eq!(
            status(&[snap(1, D - 1, "web-auto-", &[])], &[], false).level,
            Level::Ok
        );
        let s = status(
            &[
                snap(1, -2 * FUTURE_SLACK, "web-auto-", &[]),
                snap(2, 2 * D, "web-auto-", &[]),
            ],
            &[],
            false,
        );
        assert_eq!(s.level, Level::Critical);
    }

    #[test]
    fn a_region_needs_a_recent_copy() {
        let lon = vec!["lon1".to_string()];
        // The newest is not copied yet, but yesterday's copy is recent enough.
        let s = status(
            &[
                snap(1, D / 2, "web-auto-", &["nyc3", "lon1"]),
                snap(2, 60, "web-auto-", &["nyc3"]),
            ],
            &lon,
            false,
        );
        assert_eq!(s.level, Level::Ok);
        let s = status(
            &[
                snap(1, 2 * D, "web-auto-", &["lon1"]),
                snap(2, 60, "web-auto-", &["nyc3"]),
            ],
            &lon,
            false,
        );
        assert_eq!((s.level, s.missing_regions), (Level::Warning, lon));
    }

    #[test]
    fn unreadable_items_make_it_unknown_unless_it_is_known_to_be_behind() {
        assert_eq!(
            status(&[snap(1, 60, "web-auto-", &[])], &[], true).level,
            Level::Unknown
        );
        assert_eq!(
            status(&[snap(1, 2 * D, "web-auto-", &[])], &[], true).level,
            Level::Critical
        );
    }

    #[test]
    fn the_overall_verdict_is_the_worst() {
        let ok = status(&[snap(1, 60, "web-auto-", &[])], &[], false);
        let late = status(&[snap(1, 2 * D, "web-auto-", &[])], &[], false);
        let unsure = status(&[snap(1, 60, "web-auto-", &[])], &[], true);
        assert_eq!(overall(std::slice::from_ref(&ok), false), Level::Ok);
        assert_eq!(overall(&[], false), Level::Warning);
        assert_eq!(
            overall(&[ok.clone(), unsure.clone()], false),
            Level::Unknown
        );
        assert_eq!(overall(&[unsure, late], false), Level::Critical);
        assert_eq!(overall(&[ok], true), Level::Unknown);
    }
}
