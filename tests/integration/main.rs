//! The one integration-test binary: drives the real `do-snapshot` binary, against the local
//! emulator of the DigitalOcean API where an account is needed.

mod account;
mod achieved;
mod chart;
mod cli;
mod config_file;
mod docs;
mod explain;
mod faults;
mod finish;
mod harness;
mod json_failures;
mod lock;
mod log_format;
mod metrics;
mod promises;
mod run;
mod scale;
mod simulate;
mod static_binary;
mod status;
mod syslog;
mod volumes;
