//! The reports as one JSON document each, for `--json`. Every document has `error` (null, or
//! `{message, exit_code}` when the run failed outright) and `warnings` (what was logged as a
//! warning), so a script can read any outcome the same way.

use serde_json::{Value, json};

use super::summary::Summary;
use crate::exit::Exit;
use crate::run::RunReport;
use crate::simulate::Outcome;

/// The simulation: `snapshots` (oldest first), the summary fields and the summary's figures
/// (`rules`, `held`, `storage`…).
pub fn simulation_json(outcome: &Outcome, summary: &Summary, warnings: &[String]) -> Value {
    with_outcome(simulation(outcome, summary), None, warnings)
}

/// A simulation's document, without `error` and `warnings`.
fn simulation(outcome: &Outcome, summary: &Summary) -> Value {
    let mut document = json!(outcome);
    if let (Some(fields), Value::Object(more)) = (
        document.as_object_mut(),
        super::summary::summary_json(summary),
    ) {
        fields.extend(more);
    }
    document
}

/// The run report, with the exit code the process ends with; `error` when the run stopped
/// early on a fatal error (the token refused midway), the report then showing what was done.
pub fn run_json(report: &RunReport, exit: Exit, error: Option<&str>, warnings: &[String]) -> Value {
    let document = json!({
        "now": report.now,
        "dry_run": report.dry_run,
        "exit_code": exit as u8,
        "held_back": report.held_back(),
        "problems": report.problems,
        "deletes_withheld": report.deletes_withheld,
        "stopped": report.stopped,
        "interrupted": report.interrupted,
        "overdue_after_seconds": report.overdue_after_seconds,
        "droplets": report.droplets,
        "orphans": report.orphans,
        "storage": report.storage,
        "volumes_stay": report.volumes_stay,
    });
    with_outcome(document, error.map(|e| (e, exit)), warnings)
}

/// One job of a config file's run: its name and tag, and its report (or why it failed before
/// doing anything) with its own exit code.
pub struct JobOutcome<'a> {
    pub name: &'a str,
    pub tag: &'a str,
    pub exit: Exit,
    pub result: Result<&'a RunReport, &'a str>,
}

/// A config file's run: `jobs`, each as `run_json` (or `failure_json`) gives it plus its
/// `name` and `tag`, and the process's `exit_code`.
pub fn jobs_json(
    jobs: &[JobOutcome],
    exit: Exit,
    error: Option<&str>,
    warnings: &[String],
) -> Value {
    let each: Vec<Value> = jobs
        .iter()
        .map(|j| {
            let mut document = match j.result {
                Ok(report) => run_json(report, j.exit, report.stopped.as_deref(), &[]),
                Err(message) => failure_json(message, j.exit, &[]),
            };
            if let Value::Object(fields) = &mut document {
                fields.remove("warnings");
                fields.insert("name".to_string(), json!(j.name));
                fields.insert("tag".to_string(), json!(j.tag));
            }
            document
        })
        .collect();
    with_outcome(
        json!({ "exit_code": exit as u8, "jobs": each }),
        error.map(|e| (e, exit)),
        warnings,
    )
}

/// The simulations of a config file's jobs, each with its `name` and `tag`.
pub fn jobs_simulation_json(
    jobs: &[(&str, &str, &Outcome, &Summary)],
    warnings: &[String],
) -> Value {
    let each: Vec<Value> = jobs
        .iter()
        .map(|(name, tag, outcome, summary)| {
            let mut document = simulation(outcome, summary);
            if let Value::Object(fields) = &mut document {
                fields.insert("name".to_string(), json!(name));
                fields.insert("tag".to_string(), json!(tag));
            }
            document
        })
        .collect();
    with_outcome(json!({ "jobs": each }), None, warnings)
}

/// A run that failed before it did anything: usage, the lock, the token refused, the API
/// unreachable, a listing that failed.
pub fn failure_json(message: &str, exit: Exit, warnings: &[String]) -> Value {
    with_outcome(
        json!({ "exit_code": exit as u8, "droplets": [] }),
        Some((message, exit)),
        warnings,
    )
}

/// `document` with `error` and `warnings` added.
fn with_outcome(mut document: Value, error: Option<(&str, Exit)>, warnings: &[String]) -> Value {
    if let Value::Object(fields) = &mut document {
        let error = error.map(|(message, exit)| {
            json!({
                "message": message.strip_prefix("error: ").unwrap_or(message),
                "exit_code": exit as u8,
            })
        });
        fields.insert("error".to_string(), error.into());
        fields.insert("warnings".to_string(), json!(warnings));
    }
    document
}

/// The text of a document: pretty, with a final newline.
pub fn text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_its_message_and_code() {
        let doc = failure_json("error: the API rejected the token", Exit::Failure, &[]);
        assert_eq!(
            doc["error"],
            json!({"message": "the API rejected the token", "exit_code": 1})
        );
        assert_eq!(doc["exit_code"], 1);
        assert_eq!(doc["warnings"], json!([]));
    }
}
