//! The `--explain` section of a report: each droplet's owned snapshots, oldest first, with the
//! policy's verdict and the reason, one line each.

use std::fmt::Write;

use crate::run::ExplainedSnapshot;
use crate::sanitize::Clean;

/// The section for one droplet, `name`, starting with a blank line.
pub fn explain_text(name: &str, list: &[ExplainedSnapshot]) -> String {
    let mut out = format!(
        "\nExplain {}: {} owned snapshot(s), oldest first\n",
        Clean(name),
        list.len()
    );
    let names: Vec<String> = list.iter().map(|e| Clean(&e.name).to_string()).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (e, shown) in list.iter().zip(&names) {
        let _ = writeln!(out, "{:<6} {shown:<width$}  {}", e.verdict, e.reason);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    #[test]
    fn one_aligned_line_per_snapshot() {
        let e = |name: &str, verdict, reason: &str| ExplainedSnapshot {
            name: name.to_string(),
            created_at: Timestamp::EPOCH,
            verdict,
            reason: reason.to_string(),
            rule: None,
        };
        let text = explain_text(
            "web-01",
            &[
                e("web-01-a", "kept", "-k 1w:1m: first of its group"),
                e(
                    "web-01-bb\x1b",
                    "delete",
                    "-k 1w:1m: 3d 0h after it (needs 1w)",
                ),
            ],
        );
        assert_eq!(
            text,
            "\nExplain web-01: 2 owned snapshot(s), oldest first\n\
             kept   web-01-a         -k 1w:1m: first of its group\n\
             delete web-01-bb\\u{1b}  -k 1w:1m: 3d 0h after it (needs 1w)\n"
        );
    }
}
