//! The static (musl) binary, as the Dockerfile ships it, runs with nothing around it: an empty
//! environment (`env -i`), and, where the test may chroot (as root), a root holding only the
//! binary and the token (no /etc, no /tmp, no /dev). `.ci/run` builds it and names it in
//! `DO_SNAPSHOT_STATIC_BINARY`; without that (a machine with no musl target) the test says so
//! and checks nothing.

use std::os::unix::process::CommandExt;
use std::process::Command;

use crate::account::{Account, droplet, seed};
use crate::harness::{Run, finish};

#[test]
fn the_static_binary_runs_in_an_empty_environment_and_an_empty_root() {
    let Some(binary) = std::env::var_os("DO_SNAPSHOT_STATIC_BINARY") else {
        eprintln!("DO_SNAPSHOT_STATIC_BINARY is not set: the static binary was not built here");
        return;
    };
    let account = Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]));
    let root = tempfile::tempdir().unwrap();
    std::fs::copy(&binary, root.path().join("do-snapshot")).expect("the binary is copied");
    std::fs::copy(account.token_path(), root.path().join("token")).unwrap();
    // As root, in a root of its own; otherwise from the temporary directory, by path.
    // SAFETY: geteuid has no preconditions.
    let chrooted = unsafe { libc::geteuid() } == 0;
    let at = |name: &str| {
        if chrooted {
            format!("/{name}")
        } else {
            root.path().join(name).display().to_string()
        }
    };
    let url = account.fake.base_url();
    let run = |args: &[&str]| -> Run {
        // The program is looked up after the chroot.
        let mut command = Command::new(at("do-snapshot"));
        command.env_clear().args(args).current_dir(root.path());
        if chrooted {
            let dir = std::ffi::CString::new(root.path().as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: chroot(2) and chdir(2) are async-signal-safe; the strings outlive the
            // child's start.
            unsafe {
                command.pre_exec(move || {
                    if libc::chroot(dir.as_ptr()) != 0 || libc::chdir(c"/".as_ptr()) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        finish(command.output().expect("the static binary starts"))
    };
    let (token, lock) = (at("token"), at("lock"));
    let done = run(&[
        "--api-url",
        &url,
        "--token",
        &token,
        "--lock-file",
        &lock,
        "-s",
        "1d",
    ]);
    done.expect_code(0).expect_no_panic();
    done.expect_stdout("taken: web-1-autosnapshot-20260101T000000Z");
    assert_eq!(account.snapshot_actions(1), 1);
    if chrooted {
        // Without --lock-file the lock's default place, /tmp, is not there: a clear error.
        let refused = run(&["--api-url", &url, "--token", &token, "-s", "1d"]);
        refused
            .expect_code(1)
            .expect_stderr("cannot open the lock file /tmp/do-snapshot-0-autosnapshot.lock")
            .expect_stderr("--lock-file");
    }
}
