//! The pure core: the AGE/INTERVAL grammar, retention rules, snapshot naming and per-droplet
//! plans. No I/O and no clock: `now` is always an argument.

pub mod achieved;
pub mod activity;
pub mod explain;
pub mod model;
pub mod naming;
pub mod plan;
pub mod policy;
pub mod recovery;
pub mod retention;
pub mod span;
pub mod status;
