//! `--hook CMD`: a command run with `sh -c` before and after each droplet's snapshot, to make
//! the snapshot application-consistent (flush and lock a database, then unlock it). It runs in
//! a process group of its own, so a Ctrl-C meant for this tool does not kill it halfway, and
//! the whole group is killed when it outlives `--hook-timeout`. It never sees the token.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::outcome::{HookReport, HookResult};
use crate::sanitize::Clean;

/// The hook's command and how long it may run.
#[derive(Clone, Debug)]
pub struct Hook {
    pub command: String,
    pub timeout: Duration,
    /// Environment variables the hook must not inherit: those holding the token.
    pub hidden: Vec<OsString>,
}

/// Which side of the snapshot the hook runs on.
#[derive(Clone, Copy, Debug)]
pub enum Phase {
    Pre,
    /// After the snapshot, which succeeded or not.
    Post {
        ok: bool,
    },
}

/// What the hook is told about the snapshot.
pub struct Subject<'a> {
    pub droplet_id: u64,
    pub droplet_name: &'a str,
    pub snapshot_name: &'a str,
}

/// How often a running hook is looked at.
const POLL: Duration = Duration::from_millis(20);
/// How long output is still read after the hook has ended.
const LINGER: Duration = Duration::from_secs(1);
/// The most output kept from one run of a hook.
const OUTPUT_LIMIT: u64 = 64 * 1024;

impl Hook {
    /// Runs the hook once, waiting for it (in real time: it is a real process) at most
    /// `timeout`, and logs its output prefixed with the droplet's name.
    pub fn run(&self, phase: Phase, subject: &Subject) -> HookReport {
        let (name, result) = match phase {
            Phase::Pre => ("pre", None),
            Phase::Post { ok } => ("post", Some(if ok { "ok" } else { "failed" })),
        };
        let droplet = Clean(subject.droplet_name);
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(&self.command)
            .env("DO_SNAPSHOT_PHASE", name)
            .env("DO_SNAPSHOT_DROPLET_ID", subject.droplet_id.to_string())
            .env("DO_SNAPSHOT_DROPLET_NAME", subject.droplet_name)
            .env("DO_SNAPSHOT_NAME", subject.snapshot_name)
            .env_remove("DO_SNAPSHOT_RESULT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        if let Some(result) = result {
            command.env("DO_SNAPSHOT_RESULT", result);
        }
        for var in &self.hidden {
            command.env_remove(var);
        }
        let started = Instant::now();
        let report = |result, exit_code| HookReport {
            phase: name,
            result,
            exit_code,
            seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        };
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                tracing::error!("droplet {droplet}: the {name} hook could not be started: {e}");
                return report(HookResult::Failed, None);
            }
        };
        let readers = [
            child.stdout.take().map(|s| reader(Box::new(s))),
            child.stderr.take().map(|s| reader(Box::new(s))),
        ];
        let (result, code) = wait(&mut child, self.timeout);
        let output = collect(readers.into_iter().flatten().collect());
        let report = report(result, code);
        let failed = result != HookResult::Ok;
        for line in output.iter().flat_map(|o| o.lines()) {
            if failed {
                tracing::warn!("droplet {droplet}: {name} hook: {}", Clean(line));
            } else {
                tracing::info!("droplet {droplet}: {name} hook: {}", Clean(line));
            }
        }
        match (result, code) {
            (HookResult::Ok, _) => {
                tracing::info!("droplet {droplet}: the {name} hook succeeded");
            }
            (HookResult::TimedOut, _) => tracing::error!(
                "droplet {droplet}: the {name} hook ran longer than --hook-timeout {} s and was \
                 killed",
                self.timeout.as_secs_f64()
            ),
            (HookResult::Failed, Some(code)) => {
                tracing::error!("droplet {droplet}: the {name} hook failed with exit code {code}");
            }
            (HookResult::Failed, None) => {
                tracing::error!("droplet {droplet}: the {name} hook was killed by a signal");
            }
        }
        report
    }
}

/// Reads a pipe to its end (or the output limit) on a thread of its own, so a hook that
/// writes a lot cannot block on a full pipe.
fn reader(mut pipe: Box<dyn Read + Send>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = (&mut pipe).take(OUTPUT_LIMIT).read_to_end(&mut bytes);
        // Drain the rest so the hook never blocks writing it.
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The output the readers gathered. A process the hook left running in the background may
/// hold its pipes open: its output is given up on after a moment, not waited for.
fn collect(mut readers: Vec<std::thread::JoinHandle<String>>) -> Vec<String> {
    let started = Instant::now();
    while readers.iter().any(|r| !r.is_finished()) && started.elapsed() < LINGER {
        std::thread::sleep(POLL);
    }
    readers
        .drain(..)
        .filter(|r| r.is_finished())
        .filter_map(|r| r.join().ok())
        .collect()
}

/// Waits for the hook; past `timeout`, kills its whole process group.
fn wait(child: &mut Child, timeout: Duration) -> (HookResult, Option<i32>) {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let result = if status.success() {
                    HookResult::Ok
                } else {
                    HookResult::Failed
                };
                return (result, status.code());
            }
            Ok(None) if started.elapsed() < timeout => std::thread::sleep(POLL),
            Ok(None) | Err(_) => {
                kill_group(child);
                let _ = child.wait();
                return (HookResult::TimedOut, None);
            }
        }
    }
}

/// Kills the hook and everything it started (its process group).
fn kill_group(child: &Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the hook leads (it was
        // started with process_group(0)); no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}
