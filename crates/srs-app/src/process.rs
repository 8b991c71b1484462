//! Process-level duties: the locked pid file and daemon mode.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::path::Path;

use crate::error::AppError;

/// A pid file held locked for the life of the process, so a second
/// instance with the same pid file fails to start.
pub struct PidFile {
    _file: File,
}

impl PidFile {
    /// Creates (or reuses) `path`, locks it and writes our pid into it.
    pub fn acquire(path: &Path) -> Result<PidFile, AppError> {
        let err = |reason: String| AppError::PidFile {
            path: path.to_path_buf(),
            reason,
        };
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| err(format!("cannot create its directory: {e}")))?;
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| err(format!("cannot open: {e}")))?;
        // SAFETY: flock takes a file descriptor we own (the File lives in the
        // struct for as long as the lock matters) and plain flags; it touches no memory.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let existing = std::fs::read_to_string(path).unwrap_or_default();
            return Err(err(format!(
                "locked by another running instance (pid {})",
                existing.trim()
            )));
        }
        file.set_len(0)
            .map_err(|e| err(format!("cannot truncate: {e}")))?;
        writeln!(file, "{}", std::process::id()).map_err(|e| err(format!("cannot write: {e}")))?;
        Ok(PidFile { _file: file })
    }
}

/// Detaches from the terminal: fork, setsid, fork again; the parent exits.
/// Must run before any thread or event loop is created.
pub fn daemonize() -> Result<(), AppError> {
    for round in 0..2 {
        // SAFETY: called while the process is single-threaded (before the loop
        // and any worker thread start), so the child has a consistent state.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(AppError::io("fork", std::io::Error::last_os_error()));
        }
        if pid > 0 {
            std::process::exit(0);
        }
        if round == 0 {
            // SAFETY: setsid has no memory effects; it fails only if we already lead a group.
            unsafe { libc::setsid() };
        }
    }
    // Standard streams go to /dev/null; logs go to the log file.
    if let Ok(null) = OpenOptions::new().read(true).write(true).open("/dev/null") {
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard descriptors with a valid open fd.
            unsafe { libc::dup2(null.as_raw_fd(), fd) };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_fails() {
        let dir = std::env::temp_dir().join(format!("srs-pid-test-{}", std::process::id()));
        let path = dir.join("srs.pid");
        let first = PidFile::acquire(&path).expect("first instance");
        let content = std::fs::read_to_string(&path).expect("pid written");
        assert_eq!(content.trim(), std::process::id().to_string());
        let second = PidFile::acquire(&path);
        assert!(matches!(second, Err(AppError::PidFile { .. })));
        drop(first);
        assert!(
            PidFile::acquire(&path).is_ok(),
            "lock released with the file"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
