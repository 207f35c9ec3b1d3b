//! `cargo bench`: the simulator on the reference policy, 86,400 hourly runs over ten
//! years (`-s 1h -k 1d:1d -k 1w:1w -k 1m:1m -k 0d:24m --simulate 1h:120m`), as clockwork
//! (plain) and with realistic timing (`--latency 300 --jitter 60`), in one process. Prints the
//! median of repeated timings of each, and the plain one ten times shorter, whose ratio shows
//! the cost per run does not grow with the runs already done.

use std::time::{Duration, Instant};

use do_snapshot::core::naming::PrefixTemplate;
use do_snapshot::core::plan::Settings;
use do_snapshot::core::policy::{Policy, Rule};
use do_snapshot::core::span::Span;
use do_snapshot::run::Options;
use do_snapshot::simulate::{MAX_VISITS, Models, Schedule, simulate};
use do_snapshot::time::Timestamp;

fn settings() -> Settings {
    let rules = ["1d:1d", "1w:1w", "1m:1m", "0d:24m"];
    Settings {
        tag: "autosnapshot".to_string(),
        prefix: PrefixTemplate::parse("$droplet-autosnapshot-").expect("valid prefix"),
        snapshot_every: Span::parse("1h").expect("valid span"),
        policy: Policy::new(
            rules
                .iter()
                .map(|r| Rule::parse(r).expect("valid rule"))
                .collect(),
        ),
        regions: Vec::new(),
    }
}

/// Median wall time of `samples` simulations of `duration` under `models`, the runs each made,
/// and the snapshots held at the start of a run on average.
fn median(
    settings: &Settings,
    duration: &str,
    models: &Models,
    samples: usize,
) -> (Duration, u64, f64) {
    let schedule = Schedule {
        start: Timestamp::parse("2020-01-01T00:00:00Z").expect("valid time"),
        every: Span::parse("1h").expect("valid span"),
        duration: Span::parse(duration).expect("valid span"),
    };
    let mut times = Vec::with_capacity(samples);
    let mut runs = 0;
    let mut held = 0.0;
    for _ in 0..samples {
        let started = Instant::now();
        let outcome = simulate(settings, schedule, models, &Options::default(), MAX_VISITS)
            .expect("the simulation finishes");
        times.push(started.elapsed());
        runs = outcome.runs;
        held = outcome.mean_held;
        std::hint::black_box(outcome);
    }
    times.sort();
    (times[samples / 2], runs, held)
}

fn main() {
    let settings = settings();
    let samples = 21;
    let plain = Models::default();
    let realistic = Models {
        latency: 300,
        jitter: 60,
        ..Models::default()
    };
    let per_run = |d: Duration, runs: u64| d.as_nanos() as f64 / runs as f64;
    let (long, long_runs, long_held) = median(&settings, "120m", &plain, samples);
    let (real, real_runs, real_held) = median(&settings, "120m", &realistic, samples);
    let (short, short_runs, short_held) = median(&settings, "12m", &plain, samples);
    println!(
        "simulate 1h:120m, plain ({long_runs} runs, {long_held:.1} snapshots held on average): \
         median {:.1} ms over {samples} samples ({:.0} ns per run)",
        long.as_secs_f64() * 1e3,
        per_run(long, long_runs)
    );
    println!(
        "simulate 1h:120m --latency 300 --jitter 60, realistic ({real_runs} runs, {real_held:.1} \
         held on average): median {:.1} ms ({:.0} ns per run)",
        real.as_secs_f64() * 1e3,
        per_run(real, real_runs)
    );
    println!(
        "simulate 1h:12m, plain ({short_runs} runs, {short_held:.1} held on average): median \
         {:.1} ms ({:.0} ns per run)",
        short.as_secs_f64() * 1e3,
        per_run(short, short_runs)
    );
    println!(
        "per run, 120m / 12m: cost {:.2}, snapshots held {:.2} (equal ratios: the cost follows \
         the snapshots held, not the runs done)",
        per_run(long, long_runs) / per_run(short, short_runs),
        long_held / short_held
    );
}
