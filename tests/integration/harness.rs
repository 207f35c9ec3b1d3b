//! Running the real binary and looking at what it did.

use std::process::{Command, Output};

/// A finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// stdout contains `text`.
    #[track_caller]
    pub fn expect_stdout(&self, text: &str) -> &Run {
        assert!(
            self.stdout.contains(text),
            "{text:?} not in stdout:\n{}",
            self.stdout
        );
        self
    }

    /// stderr contains `text`.
    #[track_caller]
    pub fn expect_stderr(&self, text: &str) -> &Run {
        assert!(
            self.stderr.contains(text),
            "{text:?} not in stderr:\n{}",
            self.stderr
        );
        self
    }

    /// Neither a panic nor a backtrace reached the user.
    #[track_caller]
    pub fn expect_no_panic(&self) -> &Run {
        for text in [&self.stdout, &self.stderr] {
            assert!(
                !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
                "{text}"
            );
        }
        self
    }
}

/// Runs `do-snapshot` with `args` and the environment cleared of anything that could reach a
/// real account.
pub fn do_snapshot(args: &[&str]) -> Run {
    finish(command(args, &[]).output().expect("the binary runs"))
}

/// The `do-snapshot` command, not yet started.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_do-snapshot"));
    cmd.args(args)
        .env_remove("DO_TOKEN")
        .env_remove("DO_API_URL")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("DO_API_URL", "http://127.0.0.1:9");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Collects a finished process.
pub fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
