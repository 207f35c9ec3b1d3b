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
    /// The form of the `Date` header; `imf` unless a test checks that the
    /// client reads the obsolete forms too.
    pub date_format: DateFormat,
    /// Makes `GET /v2/droplets?tag_name=T` list every droplet, as a broken
    /// API or proxy that drops the filter would.
    pub ignore_tag_filter: bool,
    /// Seconds after its action completes before a new snapshot shows in
    /// the listings (the API's eventual consistency); negative counts as 0.
    pub listing_lag_seconds: i64,
    pub droplets: Vec<SeedDroplet>,
    pub snapshots: Vec<SeedSnapshot>,
}

impl Default for Seed {
    fn default() -> Self {
        Seed {
            token: DEFAULT_TOKEN.to_string(),
            now: default_now(),
            snapshot_seconds: 600,
            transfer_seconds: 1800,
            rate_limit_per_hour: 5000,
            date_format: DateFormat::Imf,
            ignore_tag_filter: false,
            listing_lag_seconds: 0,
            droplets: Vec::new(),
            snapshots: Vec::new(),
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

/// A completed droplet snapshot present from the start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeedSnapshot {
    pub id: u64,
    pub name: String,
    /// Defaults to 2026-01-01T00:00:00Z, the default clock start.
    pub created_at: jiff::Timestamp,
    /// The droplet it was taken from; it need not exist (snapshots outlive
    /// their droplet).
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

impl Seed {
    /// Reads a seed from JSON text, as the binary's `--seed` file.
    pub fn from_json(text: &str) -> Result<Seed, serde_json::Error> {
        serde_json::from_str(text)
    }
}
