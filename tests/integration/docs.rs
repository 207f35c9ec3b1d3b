//! `completions SHELL` and `man`: generated from the command line's definition, so they
//! know every flag and subcommand.

use crate::harness::do_snapshot;

#[test]
fn completions_for_every_shell_know_the_flags_and_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = do_snapshot(&["completions", shell]);
        run.expect_code(0).expect_no_panic();
        for word in [
            "snapshot",
            "max-age",
            "status",
            "metrics-file",
            "log-format",
        ] {
            run.expect_stdout(word);
        }
        assert!(run.stderr.is_empty(), "{shell}: {}", run.stderr);
    }
    let run = do_snapshot(&["completions", "tcsh"]);
    run.expect_code(2)
        .expect_stderr("bash, zsh, fish, elvish, powershell");
}

#[test]
fn the_bash_script_is_valid_bash() {
    let run = do_snapshot(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("do-snapshot.bash");
    std::fs::write(&script, &run.stdout).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .expect("bash runs");
    assert!(status.success());
}

#[test]
fn the_manual_pages_are_roff_with_every_flag() {
    let run = do_snapshot(&["man"]);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &run.stdout[..80]
    );
    for text in [
        ".TH do-snapshot 1",
        "\\-\\-snapshot",
        "\\-\\-syslog",
        "\\-\\-metrics\\-file",
        "do\\-snapshot\\-status(1)",
    ] {
        run.expect_stdout(text);
    }
    let run = do_snapshot(&["man", "status"]);
    run.expect_code(0);
    for text in [
        ".TH do-snapshot-status 1",
        "\\-\\-max\\-age",
        "\\-\\-api\\-url",
        "CRITICAL",
    ] {
        run.expect_stdout(text);
    }
}
