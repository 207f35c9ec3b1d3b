//! The one integration-test binary: drives the real `do-snapshot` binary, against the local
//! emulator of the DigitalOcean API where an account is needed.

mod account;
mod cli;
mod faults;
mod finish;
mod harness;
mod lock;
mod promises;
mod run;
mod scale;
mod simulate;
mod volumes;
