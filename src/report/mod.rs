//! What a run, a simulation or `status` reports, built once as data (`run::RunReport`,
//! `simulate::Outcome`, `core::status`) and rendered here: `table` for people, `json` for
//! `--json`, `lines` for syslog, `metrics` for Prometheus, `status` for Nagios; a simulation's
//! `summary` (promised against achieved), `--explain` and the `--chart` picture.

pub mod chart;
pub mod explain;
mod json;
mod lines;
mod metrics;
mod status;
pub mod summary;
mod table;

pub use json::{
    JobOutcome, failure_json, jobs_json, jobs_simulation_json, run_json, simulation_json,
    text as json_text,
};
pub use lines::run_lines;
pub use metrics::{JobRun, jobs_metrics, run_metrics};
pub use status::{status_json, status_text, unknown_json, unknown_text};
pub use table::{run_table, simulation_table};
