//! One sync at a time: an exclusive lock on a file, so that two overlapping runs (a slow
//! backfill and the daily job, or cron and a manual run) never interleave their writes to the
//! lake, the ledger or the login.
//!
//! Two locks use it. The login's run lock is the token store's to give
//! ([`crate::auth::store::TokenStore::lock_runs`]); the tokens file's is `.oura-sync.lock` in
//! the tokens file's directory. A local lake has a lock of its own as well,
//! `<lake>/_ledger/.oura-sync.lock` ([`RunLock::path_for_lake`], taken by
//! [`crate::ops::sync`] and by `oura-sync silver`, each after the login's lock), so that two
//! runs with different logins (or from different directories) never write one lake at
//! once. The lock is an OS advisory lock (`flock` on Unix, through the standard library's
//! `File::try_lock`), so it dies with the process: a crashed run never leaves a stale lock
//! behind.
//! The file holds the holder's process id, for the message the waiting run prints.
//!
//! A second run waits up to `OURA_LOCK_TIMEOUT` seconds (default [`DEFAULT_LOCK_TIMEOUT`]),
//! then gives up with exit code 1: nothing was done, and nothing was wrong with the command
//! line, so it is not a usage error.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

/// The lock file's name (in the tokens file's directory, and in a local lake's `_ledger`).
pub const LOCK_FILE_NAME: &str = ".oura-sync.lock";

/// How long a run waits for another to finish, when `OURA_LOCK_TIMEOUT` is not set.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// How often a waiting run tries the lock again.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// The lock file of the local lake at `lake_root`.
    pub fn path_for_lake(lake_root: &Path) -> PathBuf {
        lake_root.join(crate::ledger::local::LEDGER_DIR).join(LOCK_FILE_NAME)
    }

    /// Takes the lock at `path`, waiting up to `wait` for another run to release it.
    pub async fn acquire(path: &Path, wait: Duration) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {} for the lock file", dir.display()))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        let deadline = Instant::now() + wait;
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    if Instant::now() >= deadline {
                        return Err(anyhow::anyhow!(
                            "another `oura-sync sync` or `silver`{} is still running and holds {}; gave up \
                             after waiting {} s. Try again when it has finished, or raise \
                             OURA_LOCK_TIMEOUT",
                            holder(&mut file)
                                .map(|pid| format!(" (pid {pid})"))
                                .unwrap_or_default(),
                            path.display(),
                            wait.as_secs()
                        ));
                    }
                    if !told {
                        // A warning: at a terminal (warnings only) the wait must not look like a hang.
                        tracing::warn!(
                            lock = %path.display(),
                            wait_s = wait.as_secs(),
                            "Another sync is running; waiting for it to finish."
                        );
                        told = true;
                    }
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
                Err(TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
        }
        // Best effort: the pid only makes the waiting run's message more helpful.
        let _ = file.set_len(0).and_then(|()| {
            file.rewind()?;
            write!(file, "{}", std::process::id())?;
            file.flush()
        });
        Ok(Self { _file: file, path: path.to_path_buf() })
    }

    /// Where the lock file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The process id the holder wrote into the lock file, if readable.
fn holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_then_gives_up_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE_NAME);
        let first = RunLock::acquire(&path, Duration::ZERO).await.unwrap();
        let started = Instant::now();
        let err = RunLock::acquire(&path, Duration::from_millis(500)).await.unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(500));
        let msg = err.to_string();
        assert!(msg.contains(&format!("pid {}", std::process::id())), "{msg}");
        assert!(msg.contains("OURA_LOCK_TIMEOUT"), "{msg}");
        drop(first);
        RunLock::acquire(&path, Duration::ZERO).await.unwrap();
    }
}
