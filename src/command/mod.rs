//! The commands: the run (the command line without a subcommand, as the original tool's),
//! `status`, and the generated documents (`completions`, `man`). Each reads its checked
//! configuration, does its work and says how it went; what the process needs from its
//! surroundings (environment variables, the user id, the clock) is read here, once.

pub mod docs;
pub mod run;
pub mod status;

use std::path::PathBuf;

use crate::config::Env;
use crate::exit::Exit;
use crate::time::Timestamp;
use crate::{logging, output, report};

/// A command line clap refused: its message on stderr (`output` masks anything shaped like a
/// token pasted in the wrong place), and with `--json` among the arguments the same as a JSON
/// document on stdout.
pub fn usage_error(message: &str, json: bool) -> Exit {
    output::stderr(message);
    if json {
        let document = report::failure_json(message.trim(), Exit::Usage, &logging::warnings());
        output::stdout(&report::json_text(&document));
    }
    Exit::Usage
}

/// What the process inherited, owned, for `Env` to borrow.
pub struct Host {
    home: Option<PathBuf>,
    runtime_dir: Option<PathBuf>,
    /// The token variable found first and its value.
    env_token: Option<(&'static str, String)>,
    temp_dir: PathBuf,
}

impl Host {
    pub fn read() -> Host {
        Host {
            home: std::env::var_os("HOME").map(PathBuf::from),
            runtime_dir: std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
            // DO_TOKEN as the original reads it, else doctl's variable.
            env_token: ["DO_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"]
                .into_iter()
                .find_map(|name| std::env::var(name).ok().map(|value| (name, value))),
            temp_dir: std::env::temp_dir(),
        }
    }

    pub fn env(&self) -> Env<'_> {
        Env {
            env_token: self
                .env_token
                .as_ref()
                .map(|(name, value)| (*name, value.as_str())),
            home: self.home.as_deref(),
            runtime_dir: self.runtime_dir.as_deref().filter(|p| p.is_dir()),
            temp_dir: &self.temp_dir,
            uid: current_uid(),
            now: local_now(),
            stderr_terminal: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }
}

/// This process's user id (0 where there is none), for the default lock file's name.
fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// The local clock, to the second (the epoch if the clock is set before it or past 9999).
pub fn local_now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs)
        .ok()
        .and_then(Timestamp::from_second)
        .unwrap_or(Timestamp::EPOCH)
}
