//! An emulated account for a test: the `fake-do` emulator on 127.0.0.1, a token file, a private
//! lock file, and helpers to run the real binary against it.

use std::path::PathBuf;
use std::process::Command;

use fake_do::{FakeDo, LoggedRequest, Seed, SeedDroplet, SeedSnapshot};

use crate::harness::{Run, command, finish};

/// The emulator's clock at the start of every test: 2026-01-01T00:00:00Z.
pub const T0: i64 = 1_767_225_600;
pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

pub struct Account {
    pub fake: FakeDo,
    dir: tempfile::TempDir,
    token_file: PathBuf,
}

/// A seed at T0 with these droplets and snapshots.
pub fn seed(droplets: Vec<SeedDroplet>, snapshots: Vec<SeedSnapshot>) -> Seed {
    Seed {
        now: ts(T0),
        droplets,
        snapshots,
        ..Seed::default()
    }
}

pub fn ts(second: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(second).expect("in range")
}

/// A droplet in nyc3 with these tags.
pub fn droplet(id: u64, name: &str, tags: &[&str]) -> SeedDroplet {
    SeedDroplet {
        id,
        name: name.to_string(),
        tags: tags.iter().map(ToString::to_string).collect(),
        ..SeedDroplet::default()
    }
}

/// A snapshot of `droplet` named as the tool names them (prefix `NAME-autosnapshot-`), taken at
/// `at` (Unix seconds).
pub fn owned(id: u64, droplet: u64, droplet_name: &str, at: i64) -> SeedSnapshot {
    let stamp = ts(at).strftime("%Y%m%dT%H%M%SZ").to_string();
    named(
        id,
        droplet,
        &format!("{droplet_name}-autosnapshot-{stamp}"),
        at,
    )
}

/// A snapshot with any name.
pub fn named(id: u64, droplet: u64, name: &str, at: i64) -> SeedSnapshot {
    SeedSnapshot {
        id,
        name: name.to_string(),
        created_at: ts(at),
        resource_id: droplet,
        regions: Vec::new(),
    }
}

impl Account {
    pub fn start(seed: Seed) -> Account {
        let token = seed.token.clone();
        let fake = FakeDo::start(seed).expect("the emulator starts");
        let dir = tempfile::tempdir().expect("a temp dir");
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, format!("{token}\n")).expect("token written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600))
                .expect("chmod");
        }
        Account {
            fake,
            dir,
            token_file,
        }
    }

    /// The token file's path.
    pub fn token_path(&self) -> String {
        self.token_file.display().to_string()
    }

    /// A path in the test's private directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs the binary with exactly `args`, the emulator's URL coming from `DO_API_URL` (for
    /// `status`, which takes no lock and so no `--lock-file`).
    pub fn run_exact(&self, args: &[&str]) -> Run {
        let url = self.fake.base_url();
        finish(
            command(args, &[("DO_API_URL", &url)])
                .output()
                .expect("the binary runs"),
        )
    }

    pub fn lock_file(&self) -> PathBuf {
        self.dir.path().join("run.lock")
    }

    /// Runs the binary against the emulator, with the token file, a private lock file, virtual
    /// sleeps and a short request timeout.
    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.command(args).output().expect("the binary runs"))
    }

    /// The command `run` runs, for a test that starts it in the background.
    pub fn command(&self, args: &[&str]) -> Command {
        let token = self.token_file.display().to_string();
        let mut all = vec!["--token", &token];
        all.extend_from_slice(args);
        self.command_env(&all, &[])
    }

    /// Runs with no `--token` unless `args` has one: the token can come through `env`.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        finish(
            self.command_env(args, env)
                .output()
                .expect("the binary runs"),
        )
    }

    /// The binary pointed at the emulator, with a private lock file, virtual sleeps and a short
    /// request timeout.
    fn command_env(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let lock = self.lock_file().display().to_string();
        let url = self.fake.base_url();
        let mut all = vec![
            "--api-url",
            &url,
            "--lock-file",
            &lock,
            "--virtual-sleep",
            "--timeout",
            "2",
        ];
        all.extend_from_slice(args);
        command(&all, env)
    }

    /// Requests whose method changes something.
    pub fn mutations(&self) -> Vec<LoggedRequest> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }

    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == method && r.path.contains(path_contains))
            .count()
    }

    /// Names of the snapshots the emulator holds, sorted.
    pub fn snapshot_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.fake.snapshots().into_iter().map(|s| s.name).collect();
        names.sort();
        names
    }

    /// Snapshot actions started on a droplet.
    pub fn snapshot_actions(&self, droplet: u64) -> usize {
        self.fake
            .actions()
            .iter()
            .filter(|a| a.kind == "snapshot" && a.resource_id == droplet)
            .count()
    }
}
