//! What the tool knows about an account: droplets and their snapshots, as every `Cloud` reports
//! them. Ids are integers here whatever form the API used.

use std::borrow::Cow;

use crate::time::Timestamp;

/// A droplet carrying the tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Droplet {
    pub id: u64,
    pub name: String,
    pub region: String,
    /// True while another action (often a snapshot) blocks the droplet.
    pub locked: bool,
    /// `active`, `off`, `new` or `archive` as the API says; `--power-off` powers off only an
    /// `active` one, and leaves one that is already `off` as it is.
    pub status: String,
    /// The droplet's own tags, to check that a listing by tag really returned only droplets
    /// carrying it.
    pub tags: Vec<String>,
    /// Ids of the block-storage volumes attached to it.
    pub volume_ids: Vec<String>,
}

/// A completed droplet snapshot (in-progress snapshots are invisible to the API's lists).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub id: u64,
    pub name: String,
    /// When the API says it was created.
    pub created_at: Timestamp,
    /// The UTC time at the end of the name (`…-20260101T040000Z`), when it is a real one: for
    /// the tool's own snapshots, the time it asked for them. Read once here, not on every run
    /// of a simulation.
    pub stamp: Option<Timestamp>,
    /// The later of `created_at` and `stamp`, in seconds: whether the snapshot is recent enough
    /// for the due check is then one comparison on every run of a simulation, not three. Set
    /// with them by `new`; nothing changes a snapshot's name or `created_at` after that.
    latest: i64,
    /// How far apart `created_at` and `stamp` are, in seconds (0 without a stamp), set with
    /// them by `new`: how far to trust the name's time is asked of every owned snapshot.
    apart: i64,
    /// The droplet it was taken from.
    pub droplet_id: u64,
    /// Regions holding a completed copy.
    pub regions: Vec<String>,
    /// What it is billed for (compressed size), as the API reports it; 0 when unknown.
    pub size_gigabytes: f64,
}

/// Characters of the time at the end of an owned snapshot's name: `YYYYMMDDTHHMMSSZ`.
pub const STAMP_LEN: usize = 16;

impl Snapshot {
    /// A snapshot, its name's time read from the name.
    pub fn new(
        id: u64,
        name: String,
        created_at: Timestamp,
        droplet_id: u64,
        regions: Vec<String>,
    ) -> Snapshot {
        let stamp = name
            .len()
            .checked_sub(STAMP_LEN)
            .and_then(|at| name.get(at..))
            .and_then(Timestamp::parse_compact);
        let latest = stamp.map_or(created_at, |t| t.max(created_at));
        Snapshot {
            id,
            name,
            created_at,
            stamp,
            latest: latest.as_second(),
            apart: stamp.map_or(0, |t| t.since(created_at).saturating_abs()),
            droplet_id,
            regions,
            size_gigabytes: 0.0,
        }
    }

    /// The same snapshot, of this size.
    pub fn with_size(self, size_gigabytes: f64) -> Snapshot {
        Snapshot {
            size_gigabytes,
            ..self
        }
    }

    /// The later of its two times (`created_at` and its name's), in seconds.
    pub fn latest(&self) -> i64 {
        self.latest
    }

    /// How many seconds apart its name's time and `created_at` are (0 without a time in its
    /// name).
    pub fn apart(&self) -> i64 {
        self.apart
    }

    /// The time that orders this snapshot among its droplet's: its name's, else `created_at`.
    pub fn time(&self) -> Timestamp {
        self.stamp.unwrap_or(self.created_at)
    }
}

/// A block-storage volume attached to a tagged droplet (`--volumes`).
#[derive(Clone, Debug, PartialEq)]
pub struct Volume {
    /// A UUID.
    pub id: String,
    pub name: String,
    pub region: String,
    /// The droplets it is attached to (at most one).
    pub droplet_ids: Vec<u64>,
}

/// A volume's snapshot. Ids are UUIDs, and the snapshot stays in its volume's region: volume
/// snapshots cannot be copied.
#[derive(Clone, Debug, PartialEq)]
pub struct VolumeSnapshot {
    /// A UUID.
    pub id: String,
    /// The volume it was taken from (a UUID).
    pub volume_id: String,
    pub name: String,
    pub created_at: Timestamp,
    pub regions: Vec<String>,
    pub size_gigabytes: f64,
}

impl VolumeSnapshot {
    /// The snapshot as the planner and `status` see every snapshot: its name, times, regions
    /// and size, known by `number` (its place in the caller's list; the UUID stays with the
    /// caller) and belonging to no droplet.
    pub fn as_snapshot(&self, number: u64) -> Snapshot {
        Snapshot::new(
            number,
            self.name.clone(),
            self.created_at,
            0,
            self.regions.clone(),
        )
        .with_size(self.size_gigabytes)
    }
}

/// Orders a listing by droplet, then by time, so each droplet's snapshots are one stretch,
/// oldest first (see `of_droplet`). A listing that comes sorted (the simulator's always does) is
/// left as it is, without a copy.
pub fn sort_by_droplet(snapshots: &mut Cow<'_, [Snapshot]>) {
    let key = |s: &Snapshot| (s.droplet_id, s.time(), s.id);
    if !snapshots.is_sorted_by_key(key) {
        snapshots.to_mut().sort_unstable_by_key(key);
    }
}

/// One droplet's snapshots, oldest first, from a listing ordered by `sort_by_droplet`.
pub fn of_droplet(sorted: &[Snapshot], droplet_id: u64) -> &[Snapshot] {
    // A listing of one droplet's snapshots (every run of a simulation) is all its own.
    if sorted.first().map(|s| s.droplet_id) == Some(droplet_id)
        && sorted.last().map(|s| s.droplet_id) == Some(droplet_id)
    {
        return sorted;
    }
    let lo = sorted.partition_point(|s| s.droplet_id < droplet_id);
    let hi = sorted.partition_point(|s| s.droplet_id <= droplet_id);
    &sorted[lo..hi]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_knows_its_later_time_and_how_far_apart_its_times_are() {
        let at = |s: &str| Timestamp::parse(s).unwrap();
        let snap = |name: &str, created: &str| {
            Snapshot::new(1, name.to_string(), at(created), 1, Vec::new())
        };
        // Named a minute before the API dated it.
        let s = snap("web-20260101T000000Z", "2026-01-01T00:01:00Z");
        assert_eq!(s.latest(), at("2026-01-01T00:01:00Z").as_second());
        assert_eq!(s.apart(), 60);
        // A name dated two days after it was made.
        let s = snap("web-20260103T000000Z", "2026-01-01T00:00:00Z");
        assert_eq!(s.latest(), at("2026-01-03T00:00:00Z").as_second());
        assert_eq!(s.apart(), 2 * 86_400);
        // No time in its name: only `created_at` counts.
        let s = snap("manual backup", "2026-01-01T00:00:00Z");
        assert_eq!(s.latest(), at("2026-01-01T00:00:00Z").as_second());
        assert_eq!(s.apart(), 0);
    }
}
