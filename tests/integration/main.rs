//! The one integration-test binary: drives the real `do-snapshot` binary, against the local
//! emulator of the DigitalOcean API where an account is needed.

mod account;
mod achieved;
mod chart;
mod cli;
mod explain;
mod faults;
mod finish;
mod harness;
mod lock;
mod promises;
mod run;
mod simulate;
