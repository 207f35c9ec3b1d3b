//! What a real run costs at scale: the binary against the emulator with 1,000 droplets, in a
//! steady state (nothing due) and with every droplet due, with no latency and with 100 ms per
//! request; the requests made, the 429s met, the wall time, and the time the run's pacing
//! spent on the API's clock (the emulator's clock moves only by the run's waits). Then the
//! peak memory of a steady-state run over 10,000 droplets holding 10 snapshots each.
//!
//! `cargo bench --bench scale` (samples per case: `SCALE_SAMPLES`, default 3; medians printed).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_do::{FakeDo, Seed, SeedDroplet, SeedSnapshot};

/// The emulator's clock at the start: 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600;

fn seed(droplets: u64, snapshots_each: u64, newest_age: i64) -> Seed {
    let at = |s: i64| jiff::Timestamp::from_second(s).expect("in range");
    Seed {
        now: at(T0),
        droplets: (1..=droplets)
            .map(|i| SeedDroplet {
                id: i,
                name: format!("node-{i}"),
                tags: vec!["autosnapshot".to_string()],
                ..SeedDroplet::default()
            })
            .collect(),
        snapshots: (1..=droplets)
            .flat_map(|d| {
                (0..snapshots_each).map(move |k| {
                    let t = T0 - newest_age - k as i64 * 86_400;
                    let stamp = at(t).strftime("%Y%m%dT%H%M%SZ");
                    SeedSnapshot {
                        id: 1_000_000 + d * 100 + k,
                        name: format!("node-{d}-autosnapshot-{stamp}"),
                        created_at: at(t),
                        resource_id: d,
                        regions: Vec::new(),
                    }
                })
            })
            .collect(),
        ..Seed::default()
    }
}

/// One run's figures.
struct Sample {
    requests: usize,
    too_many: usize,
    wall: Duration,
    paced: i64,
    max_rss_kib: i64,
}

// The child is reaped by wait4(2), which also gives its peak memory; `Child::wait` cannot.
#[allow(clippy::zombie_processes)]
fn run(fake: &FakeDo, token: &std::path::Path, lock: &std::path::Path) -> Sample {
    let before = fake.now();
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_do-snapshot"))
        .args(["-s", "1d", "--fake-clock", "--api-url"])
        .arg(fake.base_url())
        .arg("--token")
        .arg(token)
        .arg("--lock-file")
        .arg(lock)
        .env_remove("DO_TOKEN")
        .env("NO_PROXY", "127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4(2) to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid, with pointers to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "the run ends");
    let wall = started.elapsed();
    let requests = fake.requests();
    let sample = Sample {
        requests: requests.len(),
        too_many: requests.iter().filter(|r| r.status == 429).count(),
        wall,
        paced: fake.now().as_second() - before.as_second(),
        max_rss_kib: usage.ru_maxrss,
    };
    fake.clear_requests();
    sample
}

fn median<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    values[values.len() / 2]
}

fn case(name: &str, make: impl Fn() -> Seed, latency: Duration, samples: usize) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let token = dir.path().join("token");
    std::fs::write(&token, fake_do::DEFAULT_TOKEN).expect("token written");
    let lock = dir.path().join("lock");
    let runs: Vec<Sample> = (0..samples)
        .map(|_| {
            // A fresh account each time: an all-due run leaves nothing due.
            let fake = FakeDo::start(make()).expect("the emulator starts");
            fake.set_latency(latency);
            run(&fake, &token, &lock)
        })
        .collect();
    println!(
        "{name:<44} latency {:>3} ms: {:>5} requests, {} 429s, wall {:>7.2} s, paced {:>4} s (API clock), peak {:>6.1} MiB  (medians of {samples})",
        latency.as_millis(),
        median(runs.iter().map(|s| s.requests).collect()),
        runs.iter().map(|s| s.too_many).max().unwrap_or(0),
        median(runs.iter().map(|s| s.wall.as_secs_f64()).collect()),
        median(runs.iter().map(|s| s.paced).collect()),
        median(runs.iter().map(|s| s.max_rss_kib).collect()) as f64 / 1024.0,
    );
}

fn main() {
    let samples: usize = std::env::var("SCALE_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    for latency in [Duration::ZERO, Duration::from_millis(100)] {
        case(
            "1,000 droplets x 10 snapshots, steady state",
            || seed(1_000, 10, 3_600),
            latency,
            samples,
        );
        case(
            "1,000 droplets, every one due",
            || seed(1_000, 0, 0),
            latency,
            samples,
        );
    }
    case(
        "10,000 droplets x 10 snapshots, steady state",
        || seed(10_000, 10, 3_600),
        Duration::ZERO,
        samples,
    );
    println!(
        "the original tool: 1,001 requests in a steady state at 1,000 droplets (one per droplet \
         and the listing, no paging), 2,001 with every droplet due"
    );
}
