//! The emulator's starting point: token, clock, durations and resources.
//!
//! Every field has a default so a seed file only names what a test cares
//! about, e.g. `{"droplets": [{"id": 1, "name": "web", "tags": ["prod"]}]}`.

use serde::{Deserialize, Serialize};

use crate::timefmt::DateFormat;

/// The bearer token accepted when the seed names none. It has the shape of a
/// real personal access token (`dop_v1_` + 64 hex digits) so clients that
/// validate the format accept it.
pub const DEFAULT_TOKEN: &str =
    "dop_v1_0000000000000000000000000000000000000000000000000000000000000000";

/// The default emulator clock start, 2026-01-01T00:00:00Z.
const DEFAULT_NOW_SECONDS: i64 = 1_767_225_600;

/// Region used when a droplet or snapshot names none (the API's default).
pub const DEFAULT_REGION: &str = "nyc3";

/// Size of a seeded volume that names none.
pub const DEFAULT_VOLUME_SIZE_GIGABYTES: u64 = 100;

/// The docs' "one snapshot per volume every 10 minutes".
const DEFAULT_VOLUME_SNAPSHOT_INTERVAL_SECONDS: i64 = 600;

/// The documented hourly budget per token.
const DEFAULT_RATE_LIMIT_PER_HOUR: u32 = 5000;

/// The documented burst limit per token (5 % of the hourly budget).
const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 250;

fn default_now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(DEFAULT_NOW_SECONDS).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Everything the emulator starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Seed {
    /// The only bearer token accepted.
    pub token: String,
    /// Where the emulator clock starts (truncated to whole seconds).
    pub now: jiff::Timestamp,
    /// How long a snapshot action stays `in-progress`.
    pub snapshot_seconds: i64,
    /// How long a transfer action stays `in-progress`.
    pub transfer_seconds: i64,
    /// The hourly request budget reported in `ratelimit-limit`.
    pub rate_limit_per_hour: u32,
    /// The burst limit: at most this many requests in any 60 seconds of
    /// the emulator clock, else 429 with `retry-after`. 0 turns it off,
    /// for tests that make more requests than that without advancing the
    /// clock.
    pub rate_limit_per_minute: u32,
    /// Real time every `/v2` reply waits before it is sent (not the
    /// emulator clock), for benchmarks against a slow API. 0 is none.
    pub latency_millis: u64,
    /// The form of the `Date` header; `imf` unless a test checks that the
    /// client reads the obsolete forms too.
    pub date_format: DateFormat,
    /// Makes `GET /v2/droplets?tag_name=T` list every droplet, as a broken
    /// API or proxy that drops the filter would.
    pub ignore_tag_filter: bool,
    /// Seconds after its action completes before a new snapshot shows in
    /// the listings (the API's eventual consistency); negative counts as 0.
    pub listing_lag_seconds: i64,
    /// The shortest time between two snapshots of one volume (the docs'
    /// "one snapshot per volume every 10 minutes"); 0 (or negative) turns
    /// the limit off, for tests that take several snapshots in a row.
    pub volume_snapshot_interval_seconds: i64,
    pub droplets: Vec<SeedDroplet>,
    pub snapshots: Vec<SeedSnapshot>,
    pub volumes: Vec<SeedVolume>,
    pub volume_snapshots: Vec<SeedVolumeSnapshot>,
}

impl Default for Seed {
    fn default() -> Self {
        Seed {
            token: DEFAULT_TOKEN.to_string(),
            now: default_now(),
            snapshot_seconds: 600,
            transfer_seconds: 1800,
            rate_limit_per_hour: DEFAULT_RATE_LIMIT_PER_HOUR,
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            latency_millis: 0,
            date_format: DateFormat::Imf,
            ignore_tag_filter: false,
            listing_lag_seconds: 0,
            volume_snapshot_interval_seconds: DEFAULT_VOLUME_SNAPSHOT_INTERVAL_SECONDS,
            droplets: Vec::new(),
            snapshots: Vec::new(),
            volumes: Vec::new(),
            volume_snapshots: Vec::new(),
        }
    }
}

/// A droplet present from the start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeedDroplet {
    pub id: u64,
    pub name: String,
    /// Region slug; defaults to `nyc3`.
    pub region: String,
    pub tags: Vec<String>,
    /// Defaults to `active`.
    pub status: String,
    /// Starts the droplet locked, as if some action outside the test ran.
    pub locked: bool,
    /// A completed `shutdown` leaves the droplet's `status` unchanged, as a
    /// guest that ignores the ACPI request would (api-v2#79).
    pub ignores_shutdown: bool,
}

impl Default for SeedDroplet {
    fn default() -> Self {
        SeedDroplet {
            id: 0,
            name: String::new(),
            region: DEFAULT_REGION.to_string(),
            tags: Vec::new(),
            status: "active".to_string(),
            locked: false,
            ignores_shutdown: false,
        }
    }
}

/// A completed droplet snapshot present from the start. Volume snapshots,
/// whose ids are UUID strings, are [`SeedVolumeSnapshot`]s in
/// `volume_snapshots`; a string `id` or `resource_id` here is a seed error
/// that says so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeedSnapshot {
    #[serde(deserialize_with = "droplet_number")]
    pub id: u64,
    pub name: String,
    /// Defaults to 2026-01-01T00:00:00Z, the default clock start.
    pub created_at: jiff::Timestamp,
    /// The droplet it was taken from; it need not exist (snapshots outlive
    /// their droplet).
    #[serde(deserialize_with = "droplet_number")]
    pub resource_id: u64,
    /// Empty means "the droplet's region", or `nyc3` without a droplet.
    pub regions: Vec<String>,
}

impl Default for SeedSnapshot {
    fn default() -> Self {
        SeedSnapshot {
            id: 0,
            name: String::new(),
            created_at: default_now(),
            resource_id: 0,
            regions: Vec::new(),
        }
    }
}

/// A block-storage volume present from the start. `id` is required (in
/// JSON too); everything else has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedVolume {
    /// A lowercase UUID, as the API's volume ids are.
    pub id: String,
    /// Defaults to `volume-<id>`. Two volumes of one region may not share a
    /// name (spec `volumes_list.yml`).
    #[serde(default)]
    pub name: String,
    /// Region slug; defaults to `nyc3`.
    #[serde(default = "default_region")]
    pub region: String,
    /// Defaults to 100.
    #[serde(default = "default_volume_size")]
    pub size_gigabytes: u64,
    /// The droplet the volume is attached to, if any: at most one id, of a
    /// seeded droplet in the volume's region.
    #[serde(default)]
    pub droplet_ids: Vec<u64>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl Default for SeedVolume {
    fn default() -> Self {
        SeedVolume {
            id: String::new(),
            name: String::new(),
            region: DEFAULT_REGION.to_string(),
            size_gigabytes: DEFAULT_VOLUME_SIZE_GIGABYTES,
            droplet_ids: Vec::new(),
            tags: Vec::new(),
        }
    }
}

/// A volume snapshot present from the start. `id`, `name` and `volume_id`
/// are required (in JSON too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedVolumeSnapshot {
    /// A lowercase UUID, as the API's volume snapshot ids are.
    pub id: String,
    /// Unique among the snapshots of its volume.
    pub name: String,
    /// Defaults to 2026-01-01T00:00:00Z, the default clock start.
    #[serde(default = "default_now")]
    pub created_at: jiff::Timestamp,
    /// The volume it was taken from; it need not exist (snapshots outlive
    /// their volume). Also read as `resource_id`, the API's name for it.
    #[serde(alias = "resource_id")]
    pub volume_id: String,
    /// Empty means "the volume's region", or `nyc3` without a volume.
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl Default for SeedVolumeSnapshot {
    fn default() -> Self {
        SeedVolumeSnapshot {
            id: String::new(),
            name: String::new(),
            created_at: default_now(),
            volume_id: String::new(),
            regions: Vec::new(),
            tags: Vec::new(),
        }
    }
}

fn default_region() -> String {
    DEFAULT_REGION.to_string()
}

fn default_volume_size() -> u64 {
    DEFAULT_VOLUME_SIZE_GIGABYTES
}

/// A droplet or droplet-snapshot id: a JSON integer. A string (a UUID, or
/// an id copied from `/v2/snapshots`) gets an error that points at
/// `volume_snapshots`, where snapshots with string ids belong.
fn droplet_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    struct Integer;
    impl serde::de::Visitor<'_> for Integer {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a non-negative integer")
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<u64, E> {
            Ok(n)
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<u64, E> {
            u64::try_from(n).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<u64, E> {
            Err(E::custom(format!(
                "droplet snapshot ids and resource ids are integers, not \"{text}\"; \
                 volume snapshots (UUID ids) go in `volume_snapshots`"
            )))
        }
    }
    deserializer.deserialize_any(Integer)
}

impl Seed {
    /// Reads a seed from JSON text, as the binary's `--seed` file.
    pub fn from_json(text: &str) -> Result<Seed, serde_json::Error> {
        serde_json::from_str(text)
    }
}
