//! One person's lake as a run sees it: the byte store of its day objects, the ledger that
//! catalogues them, its silver tables and its lock, opened together from the lake's config.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ledger::AnyLedger;
use crate::lock::RunLock;
use crate::store::AnyStore;
use crate::store::silver::SilverTables;

/// A lake, opened (see the module doc).
pub struct Lake {
    pub store: AnyStore,
    pub ledger: AnyLedger,
    /// Where silver goes; `None` when it is off.
    pub silver: Option<SilverTables>,
}

/// The lock of one local lake: one writer at a time, whatever tokens file a run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeLock {
    /// `<lake>/_ledger/.oura-sync.lock`.
    pub path: PathBuf,
    /// `OURA_LOCK_TIMEOUT`: how long to wait for another run to release it.
    pub wait: Duration,
}

/// The locks a writing run holds, released together when dropped.
#[derive(Debug)]
pub struct RunLocks {
    _login: RunLock,
    _lake: Option<RunLock>,
}

/// Takes the locks of a run that writes, in the one order every command takes them: the
/// login's (`login_lock`, beside the tokens file), then the lake's own (`lake`, a local
/// lake's), so that two commands never each hold one while waiting for the other. Each waits
/// up to its `wait`.
pub async fn lock_run(
    login_lock: &Path,
    wait: Duration,
    lake: Option<&LakeLock>,
) -> anyhow::Result<RunLocks> {
    let login = RunLock::acquire(login_lock, wait).await?;
    tracing::debug!(lock = %login.path().display(), "Holding the sync lock.");
    let lake = match lake {
        Some(lock) => Some(RunLock::acquire(&lock.path, lock.wait).await?),
        None => None,
    };
    Ok(RunLocks { _login: login, _lake: lake })
}
