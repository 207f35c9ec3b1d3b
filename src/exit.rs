//! The run's exit codes, one place for all of them so monitoring can rely on them. (`status`
//! answers with Nagios's codes instead: `core::status::Level`.)

/// Why the process ends; the discriminant is the exit code.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Everything asked for was done (or was rightly skipped).
    Ok = 0,
    /// Nothing could be done: the API was unreachable, refused the token, or a listing failed.
    Failure = 1,
    /// A bad flag or value; nothing was done.
    Usage = 2,
    /// Some droplets failed, were overdue or had deletions withheld while the run went on, an
    /// item could not be read, or `--max-delete` held deletions back.
    Partial = 3,
    /// Another run for the same tag holds the lock; nothing was done.
    Locked = 4,
    /// SIGTERM or SIGINT stopped the run; the report says what was done before it.
    Interrupted = 5,
}

impl Exit {
    /// A few words on what the code means.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "success",
            Exit::Failure => "failure",
            Exit::Usage => "usage",
            Exit::Partial => "partly done",
            Exit::Locked => "another run holds the lock",
            Exit::Interrupted => "interrupted",
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(e as u8)
    }
}
