//! The progress of `--wait` on a terminal: snapshots done out of those pending, and the time
//! waited. Drawn on stderr only when asked for (a terminal, neither `--json` nor `--syslog`);
//! otherwise each completed snapshot is a log line instead.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, or nothing.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar for `pending` snapshots when `show` and there is something to wait for.
    pub fn new(show: bool, pending: usize) -> Progress {
        if !show || pending == 0 {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(Some(pending as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} waiting for snapshots: {pos}/{len} done [{elapsed_precise}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress(Some(bar))
    }

    /// One more snapshot is over (completed or errored).
    pub fn completed(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Removes the bar: the report follows.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
