//! The one integration-test binary: drives the real `do-snapshot` binary, against the local
//! emulator of the DigitalOcean API where an account is needed.

mod account;
mod cli;
mod harness;
mod run;
mod simulate;
