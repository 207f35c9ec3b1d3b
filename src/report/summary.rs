//! The summary of a simulation after its table (`--summary`), and the same figures in its
//! JSON: what each rule promised and achieved, snapshots held over time, snapshots taken per
//! 30 days against `-s`, and storage.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::core::achieved::{Achieved, MONTH, RuleOutcome, Storage, per_30_days, storage};
use crate::core::span::{Span, human};
use crate::simulate::{Models, Outcome};

/// The figures of a simulation beyond its table.
#[derive(Clone, Debug)]
pub struct Summary {
    pub achieved: Achieved,
    /// `-s`.
    pub snapshot_every: Span,
    /// Snapshots taken per 30 days, and what `-s` asks for.
    pub taken_per_30_days: f64,
    pub asked_per_30_days: f64,
    pub size_gb: f64,
    pub price_per_gb: f64,
    pub storage: Storage,
    /// The simulated period, in months of 30 days.
    pub months: f64,
    /// Snapshots held over time, one character a stretch of runs.
    pub sparkline: String,
    pub models: Models,
}

/// How many characters the sparkline of snapshots held has at most.
const SPARK_WIDTH: usize = 60;

impl Summary {
    /// Puts the figures together; `achieved` comes from the simulation's history.
    pub fn new(
        outcome: &Outcome,
        achieved: Achieved,
        snapshot_every: Span,
        models: &Models,
        size_gb: f64,
        price_per_gb: f64,
    ) -> Summary {
        let period = outcome.history.end.since(outcome.start);
        let held: Vec<usize> = outcome.history.samples.iter().map(|s| s.held).collect();
        Summary {
            taken_per_30_days: per_30_days(outcome.snapshots_taken, period),
            asked_per_30_days: per_30_days(1, snapshot_every.seconds().max(1)),
            storage: storage(achieved.stored_seconds, period, size_gb, price_per_gb),
            months: period as f64 / MONTH as f64,
            sparkline: sparkline(&held, SPARK_WIDTH),
            achieved,
            snapshot_every,
            size_gb,
            price_per_gb,
            models: models.clone(),
        }
    }
}

/// `values` drawn as at most `width` block characters, each the largest value of its stretch,
/// scaled from nothing (`▁`) to the largest value of all (`█`).
pub fn sparkline(values: &[usize], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let top = values.iter().copied().max().unwrap_or(0).max(1);
    let columns = values.len().min(width);
    (0..columns)
        .map(|c| {
            let stretch = &values[c * values.len() / columns..(c + 1) * values.len() / columns];
            let v = stretch.iter().copied().max().unwrap_or(0);
            BARS[(v * (BARS.len() - 1) + top / 2) / top]
        })
        .collect()
}

/// The ages a rule governs, in words: `1w to 1m`, `1m and older`, or why none.
fn ages(rules: &[RuleOutcome], i: usize) -> String {
    let r = &rules[i];
    match i.checked_sub(1).map(|older| &rules[older]) {
        None => format!("{} and older", r.rule.age),
        Some(older) if older.rule.age.seconds() == r.rule.age.seconds() => {
            format!("none (-k {} has the same AGE)", older.rule)
        }
        Some(older) => format!("{} to {}", r.rule.age, older.rule.age),
    }
}

/// What a rule promises, in words.
fn promise(r: &RuleOutcome) -> String {
    match r.rule.interval.seconds() {
        0 => "none kept".to_string(),
        s => format!("one per {}", human(s)),
    }
}

fn gap(g: Option<i64>) -> String {
    g.map_or_else(|| "-".to_string(), human)
}

/// The summary as text, after the table.
pub fn summary_text(s: &Summary) -> String {
    let rules = &s.achieved.rules;
    let mut out = String::new();
    if rules.is_empty() {
        out.push_str("\nNo -k rule: every snapshot is kept.\n");
    } else {
        out.push_str(
            "\nPromised against achieved: the largest gap between neighbouring snapshots in each \
             rule's age band\n(a gap counts in the band of its older snapshot), after the last \
             run and at worst after any run:\n",
        );
        let mut rows = vec![[
            "rule".to_string(),
            "ages".to_string(),
            "promises".to_string(),
            "at the end".to_string(),
            "at worst".to_string(),
            "held".to_string(),
        ]];
        for (i, r) in rules.iter().enumerate() {
            rows.push([
                format!("-k {}", r.rule),
                ages(rules, i),
                promise(r),
                gap(r.end_gap),
                gap(r.worst_gap),
                r.held.to_string(),
            ]);
        }
        let widths: Vec<usize> = (0..6)
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                let _ = write!(line, "{cell:<w$}  ", w = widths[c]);
            }
            let _ = writeln!(out, "  {}", line.trim_end());
        }
        for r in rules {
            if let (Some(worst), promised) = (r.worst_gap, r.rule.interval.seconds())
                && promised > 0
                && worst > promised
            {
                let _ = writeln!(
                    out,
                    "  -k {} promises one per {} but achieved only one per {} at worst",
                    r.rule,
                    human(promised),
                    human(worst)
                );
            }
        }
    }
    let a = &s.achieved;
    let _ = writeln!(
        out,
        "Snapshots held after each run: min {}, mean {:.1}, max {}  {}",
        a.held_min, a.held_mean, a.held_max, s.sparkline
    );
    let _ = writeln!(
        out,
        "Snapshots taken per 30 days: {:.1} (-s {} asks for {:.1})",
        s.taken_per_30_days, s.snapshot_every, s.asked_per_30_days
    );
    let _ = writeln!(
        out,
        "Storage at {} GB a snapshot: {:.1} GB-months over {:.1} months ({:.1} GB held on \
         average), {} at ${} per GB-month",
        s.size_gb,
        s.storage.gb_months,
        s.months,
        s.storage.mean_gb,
        usd(s.storage.cost),
        s.price_per_gb
    );
    out
}

/// An amount in USD: cents, or a tenth of a cent under ten cents.
fn usd(amount: f64) -> String {
    if amount != 0.0 && amount.abs() < 0.1 {
        format!("${amount:.3}")
    } else {
        format!("${amount:.2}")
    }
}

/// What the models did, when any is on: a line after the table's summary line.
pub fn models_text(models: &Models, outcome: &Outcome) -> String {
    if models.is_clockwork() {
        return String::new();
    }
    let mut parts = Vec::new();
    if models.jitter > 0 {
        parts.push(format!("runs up to {} late", human(models.jitter)));
    }
    if models.latency > 0 {
        parts.push(format!(
            "snapshots dated up to {} after their request",
            human(models.latency)
        ));
    }
    if models.fail_rate > 0.0 {
        parts.push(format!(
            "{} runs failed (--fail-rate {})",
            outcome.runs_failed, models.fail_rate
        ));
    }
    if !models.outages.is_empty() {
        parts.push(format!(
            "{} runs missed in {} outage(s)",
            outcome.runs_missed,
            models.outages.len()
        ));
    }
    format!("Models (seed {}): {}.\n", models.seed, parts.join("; "))
}

/// The summary's JSON keys, added to the simulation's document.
pub fn summary_json(s: &Summary) -> Value {
    let a = &s.achieved;
    let rules: Vec<Value> = a
        .rules
        .iter()
        .map(|r| {
            json!({
                "rule": r.rule.to_string(),
                "from_age_seconds": r.from_age,
                "to_age_seconds": r.to_age,
                "promised_gap_seconds": (r.rule.interval.seconds() > 0)
                    .then_some(r.rule.interval.seconds()),
                "end_gap_seconds": r.end_gap,
                "worst_gap_seconds": r.worst_gap,
                "held": r.held,
            })
        })
        .collect();
    let m = &s.models;
    json!({
        "rules": rules,
        "held": {
            "min": a.held_min,
            "mean": a.held_mean,
            "max": a.held_max,
            "sparkline": s.sparkline,
        },
        "snapshots_per_30_days": s.taken_per_30_days,
        "asked_per_30_days": s.asked_per_30_days,
        "storage": {
            "size_gb": s.size_gb,
            "gb_months": s.storage.gb_months,
            "mean_gb": s.storage.mean_gb,
            "price_per_gb": s.price_per_gb,
            "cost": s.storage.cost,
        },
        "models": {
            "jitter_seconds": m.jitter,
            "latency_seconds": m.latency,
            "fail_rate": m.fail_rate,
            "outages": m.outages.iter().map(|o| json!({
                "start_seconds": o.start,
                "duration_seconds": o.duration,
            })).collect::<Vec<_>>(),
            "seed": m.seed,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_largest_and_keeps_its_width() {
        assert_eq!(sparkline(&[0, 1, 2, 3, 4, 5, 6, 7], 60), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&[0, 7, 0, 7], 2), "██");
        assert_eq!(sparkline(&[], 60), "");
        assert_eq!(sparkline(&[0, 0], 60), "▁▁");
        let long: Vec<usize> = (0..1_000).collect();
        let line = sparkline(&long, 60);
        assert_eq!(line.chars().count(), 60);
        assert!(line.starts_with('▁') && line.ends_with('█'));
    }

    #[test]
    fn prices_show_cents_or_smaller_amounts() {
        assert_eq!(usd(44.55), "$44.55");
        assert_eq!(usd(0.06), "$0.060");
        assert_eq!(usd(1234.5), "$1234.50");
        assert_eq!(usd(0.0), "$0.00");
    }
}
