//! End-to-end tests of the emulator over real HTTP on loopback.

mod client;
mod fixtures;
mod requests;

mod actions;
mod auth_headers;
mod control;
mod faults;
mod ids_and_deletes;
mod pagination;
mod seed;
mod transfers;
