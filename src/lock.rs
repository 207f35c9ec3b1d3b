//! One run per tag at a time on a machine: a slow run overlapping the next cron tick must not
//! snapshot or prune the same droplets twice over.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held for the life of a run; the lock is released when the process ends.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another do-snapshot run holds the lock {}{}; this run did nothing. If no run is \
         active, a stale lock cannot linger (the lock dies with its process): check the path",
        path.display(),
        holder.as_deref().map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Held {
        path: PathBuf,
        holder: Option<String>,
    },
    #[error(
        "the lock file {} belongs to user {owner}, not to this one, so it cannot be trusted; \
         remove it or choose another with --lock-file",
        path.display()
    )]
    Foreign { path: PathBuf, owner: u32 },
    #[error("cannot open the lock file {}: {source} (choose another with --lock-file)", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Takes the lock at `path` without waiting, and writes this process's id into it.
pub fn acquire(path: &Path) -> Result<RunLock, LockError> {
    let io = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        // Private to its user, and never through a symlink someone planted in /tmp.
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = options.open(path).map_err(io)?;
    #[cfg(unix)]
    {
        // A lock file someone else made could be held to stop every run: refuse it, loudly.
        use std::os::unix::fs::MetadataExt;
        let meta = file.metadata().map_err(io)?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if !meta.is_file() || meta.uid() != me {
            return Err(LockError::Foreign {
                path: path.to_path_buf(),
                owner: meta.uid(),
            });
        }
    }
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let holder = file
                .read_to_string(&mut text)
                .ok()
                .map(|_| text.trim().to_string())
                .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
            return Err(LockError::Held {
                path: path.to_path_buf(),
                holder,
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "{}", std::process::id()).map_err(io)?;
    Ok(RunLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = acquire(&path).unwrap();
        let err = acquire(&path).unwrap_err();
        assert!(matches!(err, LockError::Held { .. }));
        assert!(
            err.to_string()
                .contains(&format!("pid {}", std::process::id()))
        );
        drop(first);
        assert!(acquire(&path).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_of_another_user_is_refused() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return; // Only root can give a file away to test this.
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        std::fs::write(&path, "").unwrap();
        std::os::unix::fs::chown(&path, Some(12_345), None).unwrap();
        let err = acquire(&path).unwrap_err();
        assert!(
            matches!(err, LockError::Foreign { owner: 12_345, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("belongs to user 12345"));
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_not_followed_and_the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious");
        std::fs::write(&target, "keep me").unwrap();
        let path = dir.path().join("x.lock");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        assert!(matches!(acquire(&path), Err(LockError::Io { .. })));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        let fresh = dir.path().join("y.lock");
        let _lock = acquire(&fresh).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
