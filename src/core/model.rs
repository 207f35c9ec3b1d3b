//! What the tool knows about an account: droplets and their snapshots, as every `Cloud` reports
//! them. Ids are integers here whatever form the API used.

use crate::time::Timestamp;

/// A droplet carrying the tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Droplet {
    pub id: u64,
    pub name: String,
    pub region: String,
    /// True while another action (often a snapshot) blocks the droplet.
    pub locked: bool,
}

/// A completed droplet snapshot (in-progress snapshots are invisible to the API's lists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub id: u64,
    pub name: String,
    pub created_at: Timestamp,
    /// The droplet it was taken from.
    pub droplet_id: u64,
    /// Regions holding a completed copy.
    pub regions: Vec<String>,
}
