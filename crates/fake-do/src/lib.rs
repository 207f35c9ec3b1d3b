//! A local, in-memory emulator of the parts of the DigitalOcean API v2 that
//! do-snapshot uses: droplets, snapshot and power actions, image transfers,
//! snapshot listing and deletion, block-storage volumes and their snapshots.
//!
//! It reproduces the behaviours a client must cope with (see
//! `../shared/docs/do-api.md`): absolute pagination links on the real
//! host, string ids on `/v2/snapshots` but integers elsewhere, DO error
//! bodies, rate-limit headers, 422 on a locked droplet, and actions that take
//! time on an emulator clock that only moves when a test says so.
//!
//! ```no_run
//! use fake_do::{FakeDo, Seed, SeedDroplet};
//!
//! let fake = FakeDo::start(Seed {
//!     droplets: vec![SeedDroplet { id: 1, name: "web-1".into(), tags: vec!["prod".into()], ..Default::default() }],
//!     ..Default::default()
//! })?;
//! // … point the client at fake.base_url() with fake_do::DEFAULT_TOKEN …
//! fake.advance(600); // the snapshot the client started is now complete
//! assert_eq!(fake.snapshots().len(), 1);
//! # Ok::<(), std::io::Error>(())
//! ```

mod app;
mod errors;
mod faults;
mod holds;
mod lifecycle;
mod listing;
mod model;
mod pagination;
mod pipeline;
mod ratelimit;
mod regions;
mod routes;
mod seed;
mod server;
mod state;
mod timefmt;
mod views;
mod volumes;

#[cfg(test)]
mod tests;

pub use faults::{AUTHORIZATION_PLACEHOLDER, Fault, FaultKind};
pub use model::{
    ActionState, DropletState, LoggedRequest, SnapshotState, VolumeSnapshotState, VolumeState,
};
pub use seed::{DEFAULT_TOKEN, Seed, SeedDroplet, SeedSnapshot, SeedVolume, SeedVolumeSnapshot};
pub use server::FakeDo;
pub use timefmt::DateFormat;
