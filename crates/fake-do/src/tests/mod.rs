//! End-to-end tests of the emulator over real HTTP on loopback.

mod client;
mod fixtures;
mod requests;

mod actions;
mod auth_headers;
mod control;
mod date_format;
mod faults;
mod hold;
mod ids_and_deletes;
mod listing_lag;
mod pagination;
mod seed;
mod shapes;
mod tag_filter;
mod transfers;
