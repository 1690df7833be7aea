//! One alert monitor per data directory: the window and `coinlytics
//! monitor` both want to run it, and two would deliver every alert twice.
//! The holder keeps an OS file lock on `<data_dir>/alerts.lock`; the kernel
//! drops it when the process ends, however it ends, so a crash never leaves
//! a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held while this process runs the monitor.
#[derive(Debug)]
pub struct MonitorLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock; `holder` is what it wrote there.
    #[error("alerts are already monitored for this data directory by {holder}")]
    Held { holder: String },
    #[error("cannot use the lock file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl MonitorLock {
    /// Takes the lock without waiting; `who` (e.g. "the window") is written
    /// in the file with the process id, for the loser to report.
    pub fn try_acquire(data_dir: &Path, who: &str) -> Result<MonitorLock, LockError> {
        let path = data_dir.join("alerts.lock");
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        crate::private::dir(data_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(LockError::Held {
                    holder: if holder.is_empty() {
                        "another Coinlytics process".into()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{who} (pid {})", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(MonitorLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = MonitorLock::try_acquire(dir.path(), "the window").expect("free");
        let err = MonitorLock::try_acquire(dir.path(), "coinlytics monitor").expect_err("held");
        let msg = err.to_string();
        assert!(msg.contains("the window (pid "), "{msg}");
        drop(first);
        MonitorLock::try_acquire(dir.path(), "coinlytics monitor").expect("free again");
    }
}
