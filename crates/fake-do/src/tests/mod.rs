//! End-to-end tests of the emulator over real HTTP on loopback.

mod client;
mod fixtures;
mod requests;

mod action_order;
mod actions;
mod auth_headers;
mod burst_limit;
mod control;
mod date_format;
mod faults;
mod hold;
mod ids_and_deletes;
mod ignores_shutdown;
mod latency;
mod listing_lag;
mod pagination;
mod seed;
mod shapes;
mod tag_filter;
mod transfers;
mod volume_snapshots;
mod volumes;
