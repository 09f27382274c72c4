//! The tokens file (`OURA_TOKENS_FILE`, default `.oura-tokens.json`): the first token store.
//!
//! The value is [`StoredTokens::to_json`], written atomically (a temporary file beside it,
//! then a rename) with mode 0600 from its creation; a crash leaves the old file or the new.
//! A tokens file that is a symbolic link stays one: the file it points to is replaced. A file
//! that others may read is used, with a warning saying how to fix it. A file's version is the
//! SHA-256 of its bytes.
//!
//! Three files, three roles:
//! - the tokens file itself, the login;
//! - `<tokens file>.lock` beside it, the write lock ([`TokenStore::lock`]): an OS advisory
//!   lock (`flock`), so it dies with its process;
//! - `.oura-sync.lock` in the tokens file's directory, the run lock
//!   ([`TokenStore::lock_runs`], see [`crate::lock`]): the tokens file stands for one Oura
//!   account on one machine whatever the destination, and it is local even when the lake is
//!   in S3.
//!
//! [`TokenStore::reserve`] claims the space the new pair needs on disk before a refresh
//! spends the old refresh token, so a full disk stops a refresh before it costs the login.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::auth::StoredTokens;
use crate::auth::store::{Exposure, LoginLock, TokenStore, TokenStoreError, Version, Versioned};
use crate::fsutil::{Reserved, write_atomic};
use crate::lock::{LOCK_FILE_NAME, RunLock};

/// The tokens file's Unix mode: readable and writable by its owner only.
pub const TOKENS_FILE_MODE: u32 = 0o600;

/// Bytes claimed on disk before a refresh spends the old refresh token: our file with tokens
/// as large as the biggest token answer read (64 KiB), with room to spare.
pub const RESERVED_BYTES: usize = 160 * 1024;

/// The login in a local file.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
}

/// The held write lock on `<tokens file>.lock` (closing the file releases it), with the disk
/// space claimed for the next write, if any.
#[derive(Debug)]
pub struct FileLock {
    _file: std::fs::File,
    claim: Option<Reserved>,
}

impl FileTokenStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The tokens file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads and parses the file, with the version of the bytes read; `warn` says when others
    /// may read it (once per load, not again at a compare-and-swap).
    fn read(&self, warn: bool) -> Result<Versioned, TokenStoreError> {
        let path = &self.path;
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(TokenStoreError::Missing {
                    absent: format!("there is no tokens file at {}", path.display()),
                });
            }
            Err(e) => {
                return Err(TokenStoreError::Corrupt {
                    message: format!(
                        "cannot read the tokens file {}: {e}; fix its permissions or run `oura-sync auth`",
                        path.display()
                    ),
                });
            }
        };
        let metadata = std::fs::metadata(path).ok();
        if warn {
            warn_if_readable_by_others(path, metadata.as_ref());
        }
        if let Some(to) = moved_to(&bytes) {
            return Err(TokenStoreError::Missing {
                absent: format!(
                    "the login in the tokens file {} was moved to {to} (set OURA_TOKEN_STORE={to} \
                     instead of OURA_TOKENS_FILE)",
                    path.display()
                ),
            });
        }
        let modified =
            metadata.and_then(|m| m.modified().ok()).and_then(|t| Timestamp::try_from(t).ok());
        let tokens = StoredTokens::parse(&bytes, modified).map_err(|why| {
            TokenStoreError::Corrupt {
                message: format!(
                    "the tokens file {} is not usable ({why}); run `oura-sync auth` to write a new one",
                    path.display()
                ),
            }
        })?;
        Ok(Versioned { tokens, version: version_of(&bytes) })
    }

    /// Writes `tokens` through the claimed space when there is some, else atomically.
    fn write(
        &self,
        lock: &mut FileLock,
        tokens: &StoredTokens,
    ) -> Result<Version, TokenStoreError> {
        let bytes = tokens.to_json();
        let written = match lock.claim.take() {
            Some(claim) => claim.commit(&bytes),
            None => write_atomic(&write_target(&self.path), &bytes, Some(TOKENS_FILE_MODE)),
        };
        written.map_err(TokenStoreError::Io)?;
        Ok(version_of(&bytes))
    }
}

impl TokenStore for FileTokenStore {
    type Lock = FileLock;

    fn describe(&self) -> String {
        format!("tokens file {}", self.path.display())
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn setting(&self) -> &'static str {
        "OURA_TOKENS_FILE"
    }

    async fn load(&self) -> Result<Versioned, TokenStoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read(true))
            .await
            .map_err(|e| TokenStoreError::Io(anyhow::anyhow!("the read task failed: {e}")))?
    }

    /// Waits for the lock; the wait blocks a thread, not the runtime.
    async fn lock(&self) -> Result<FileLock, TokenStoreError> {
        let path = lock_path(&self.path);
        let shown = path.display().to_string();
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut options = OpenOptions::new();
            options.create(true).truncate(false).write(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options.open(&path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(FileLock { _file: file, claim: None })
        })
        .await
        .context("the lock task failed")
        .and_then(|locked| locked.with_context(|| format!("cannot lock {shown}")))
        .map_err(TokenStoreError::Io)
    }

    async fn reserve(&self, lock: &mut FileLock) -> Result<(), TokenStoreError> {
        if lock.claim.is_none() {
            let claim = Reserved::claim(
                &write_target(&self.path),
                RESERVED_BYTES,
                Some(TOKENS_FILE_MODE),
            )
            .with_context(|| {
                format!(
                    "no room to save a refreshed login beside {} (free some disk space and run again)",
                    self.path.display()
                )
            })
            .map_err(TokenStoreError::Io)?;
            lock.claim = Some(claim);
        }
        Ok(())
    }

    async fn replace(
        &self,
        lock: &mut FileLock,
        expected: &Version,
        tokens: &StoredTokens,
    ) -> Result<Version, TokenStoreError> {
        let current = self.read(false)?;
        if current.version != *expected {
            return Err(TokenStoreError::Conflict(Box::new(current)));
        }
        self.write(lock, tokens)
    }

    async fn put(
        &self,
        lock: &mut FileLock,
        tokens: &StoredTokens,
    ) -> Result<Version, TokenStoreError> {
        self.write(lock, tokens)
    }

    /// Rewrites the file as `{"moved_to": URI}`: no token stays on the disk's current file.
    async fn retire(
        &self,
        lock: &mut FileLock,
        expected: &Version,
        to: &str,
    ) -> Result<(), TokenStoreError> {
        let current = self.read(false)?;
        if current.version != *expected {
            return Err(TokenStoreError::Conflict(Box::new(current)));
        }
        let mut note = serde_json::to_vec_pretty(&serde_json::json!({ MOVED_TO: to }))
            .expect("a JSON object serializes");
        note.push(b'\n');
        let written = match lock.claim.take() {
            Some(claim) => claim.commit(&note),
            None => write_atomic(&write_target(&self.path), &note, Some(TOKENS_FILE_MODE)),
        };
        written.map_err(TokenStoreError::Io)
    }

    async fn exposure(&self) -> Option<Exposure> {
        let mode = file_mode(&self.path)?;
        (mode & 0o077 != 0).then(|| Exposure {
            problem: format!("{} is readable by others (mode {mode:04o})", self.path.display()),
            fix: format!("run `chmod 600 {}`", self.path.display()),
        })
    }

    async fn lock_runs(&self, wait: Duration) -> anyhow::Result<LoginLock> {
        let lock = RunLock::acquire(&run_lock_path(&self.path), wait).await?;
        let what = lock.path().display().to_string();
        Ok(LoginLock::new(lock, what))
    }
}

/// The key of the note a moved login leaves in the tokens file.
const MOVED_TO: &str = "moved_to";

/// Where the login went, when the file is the note `tokens move` left.
fn moved_to(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if value.get("access_token").is_some() {
        return None;
    }
    value.get(MOVED_TO)?.as_str().map(str::to_string)
}

/// The version of a file's bytes: their SHA-256 (which gives no token back).
fn version_of(bytes: &[u8]) -> Version {
    Version::new(hex::encode(Sha256::digest(bytes)))
}

/// The write lock beside the tokens file: `<name>.lock` in the same directory.
pub fn lock_path(tokens_file: &Path) -> PathBuf {
    let mut name = tokens_file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    tokens_file.with_file_name(name)
}

/// The run lock of the login in `tokens_file`: `.oura-sync.lock` in its directory.
pub fn run_lock_path(tokens_file: &Path) -> PathBuf {
    match tokens_file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(LOCK_FILE_NAME),
        _ => PathBuf::from(LOCK_FILE_NAME),
    }
}

/// The file a write to the tokens file at `path` must replace: the target of a symbolic link
/// (so the link survives and the file it names gets the new tokens), else `path` itself.
pub fn write_target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Warns when others than the owner may read the tokens file.
fn warn_if_readable_by_others(path: &Path, metadata: Option<&std::fs::Metadata>) {
    #[cfg(unix)]
    if let Some(meta) = metadata {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                mode = format!("{mode:04o}"),
                "The tokens file can be read by other users; run `chmod 600` on it."
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, metadata);
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The write lock sits beside the tokens file, the run lock in its directory.
    #[test]
    fn the_locks_sit_beside_the_tokens_file() {
        assert_eq!(lock_path(Path::new("a/b/t.json")), Path::new("a/b/t.json.lock"));
        assert_eq!(lock_path(Path::new(".oura-tokens.json")), Path::new(".oura-tokens.json.lock"));
        assert_eq!(
            run_lock_path(Path::new("/home/me/.oura/tokens.json")),
            Path::new("/home/me/.oura/.oura-sync.lock")
        );
        assert_eq!(run_lock_path(Path::new(".oura-tokens.json")), Path::new(LOCK_FILE_NAME));
    }

    /// The write lock excludes a second holder until dropped.
    #[tokio::test]
    async fn the_lock_excludes_a_second_holder_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("t.json"));
        let first = store.lock().await.unwrap();
        let probe = std::fs::File::open(lock_path(store.path())).unwrap();
        assert!(probe.try_lock().is_err());
        drop(first);
        let _second = store.lock().await.unwrap();
    }

    /// The version follows the bytes: the same bytes, the same version; others, another.
    #[test]
    fn the_version_is_the_content() {
        assert_eq!(version_of(b"{}"), version_of(b"{}"));
        assert_ne!(version_of(b"{}"), version_of(b"{} "));
    }
}
