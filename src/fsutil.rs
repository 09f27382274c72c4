//! Atomic file writes: a temporary file in the target's directory, then a rename over the
//! target, so the path holds the old content or the new, never a mix.
//!
//! [`write_atomic`] also waits for the disk (fsync of the file and of the directory): the local
//! ledger and (with mode 0600) the tokens file. Lake files use [`replace_file`], which does
//! not, and are made durable in batches by [`flush_filesystem`] before the ledger records them:
//! one flush per fetched piece instead of two fsyncs per file, which on a 3-year backfill is
//! the difference between 1.4 s and 8.5 s of disk time (measured; see BENCHMARKS.md).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// How every temporary file of [`write_atomic`] and [`replace_file`] is named:
/// `.oura-sync-<random>.tmp`.
pub const TEMP_PREFIX: &str = ".oura-sync-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// The mode a file gets when no mode is asked for, before the umask.
const DEFAULT_FILE_MODE: u32 = 0o666;

/// Space claimed on disk for a file to be written later: a temporary file beside `path`,
/// already filled with as many bytes as the content may take, so that writing the content
/// needs no new space (a login's new tokens must never meet a full disk after the old
/// refresh token is spent).
#[derive(Debug)]
pub struct Reserved {
    tmp: tempfile::NamedTempFile,
    target: std::path::PathBuf,
}

impl Reserved {
    /// Claims `size` bytes beside `path` (with `mode` from the start), or fails at once when
    /// the disk cannot hold them.
    pub fn claim(path: &Path, size: usize, mode: Option<u32>) -> anyhow::Result<Reserved> {
        let dir = parent_dir(path);
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut tmp = temp_builder(mode)
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        // Written, not just sized: a sparse file would claim nothing.
        tmp.write_all(&vec![b' '; size])
            .and_then(|()| tmp.as_file().sync_all())
            .with_context(|| format!("cannot claim {size} bytes in {}", dir.display()))?;
        Ok(Reserved { tmp, target: path.to_path_buf() })
    }

    /// Replaces the target with `bytes` through the claimed file (fsynced, then renamed).
    pub fn commit(mut self, bytes: &[u8]) -> anyhow::Result<()> {
        use std::io::Seek;
        let path = self.target.clone();
        self.tmp
            .rewind()
            .and_then(|_| self.tmp.write_all(bytes))
            .and_then(|()| self.tmp.as_file().set_len(bytes.len() as u64))
            .and_then(|()| self.tmp.as_file().sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
        self.tmp.persist(&path).with_context(|| format!("cannot replace {}", path.display()))?;
        if let Ok(d) = std::fs::File::open(parent_dir(&path)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

fn temp_builder(mode: Option<u32>) -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The mode is given to open(2), so the umask applies to it.
        builder.permissions(std::fs::Permissions::from_mode(mode.unwrap_or(DEFAULT_FILE_MODE)));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
}

/// Removes the temporary files of [`write_atomic`] left in `dir` by a process that was killed
/// mid-write; only safe while no other writer can be writing there. Returns how many.
pub fn remove_temp_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// Writes `bytes` to `path` so that `path` holds either its old content or all of `bytes`.
/// With `mode` (Unix permission bits), the temporary file has that mode from its creation, so
/// the content is never readable by others, not even for a moment. Without, the file gets
/// the mode any new file gets (0666 less the umask), like a file written by any other tool.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> anyhow::Result<()> {
    write_via_temp(path, bytes, mode, true)
}

/// Replaces `path` with `bytes` through a temporary file and a rename, without waiting for the
/// disk: a process that dies leaves the old file or the new one, whole. Until
/// [`flush_filesystem`] returns, a power loss may still lose the new content.
pub fn replace_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    // Where a whole filesystem cannot be flushed at once, each file is synced instead.
    write_via_temp(path, bytes, None, !cfg!(target_os = "linux"))
}

/// Waits until everything written to the filesystem holding `path` is on disk (`syncfs`).
pub fn flush_filesystem(path: &Path) -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let dir = std::fs::File::open(path)
            .with_context(|| format!("cannot open {} to flush it", path.display()))?;
        rustix::fs::syncfs(&dir).with_context(|| format!("cannot flush {}", path.display()))?;
    }
    #[cfg(not(target_os = "linux"))]
    let _ = path;
    Ok(())
}

fn write_via_temp(path: &Path, bytes: &[u8], mode: Option<u32>, sync: bool) -> anyhow::Result<()> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = temp_builder(mode)
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| if sync { tmp.as_file().sync_all() } else { Ok(()) })
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path).with_context(|| format!("cannot replace {}", path.display()))?;
    // The rename is durable only once the directory entry is.
    if sync && let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/file.jsonl");
        write_atomic(&path, b"one\n", None).unwrap();
        write_atomic(&path, b"two\n", None).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two\n");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_replaced_file_is_whole_and_a_flush_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x/day.jsonl");
        replace_file(&path, b"old\n").unwrap();
        replace_file(&path, b"new\n").unwrap();
        flush_filesystem(dir.path()).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new\n");
    }

    #[test]
    fn a_claimed_file_is_replaced_with_the_content_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, b"old").unwrap();
        let claim = Reserved::claim(&path, 4096, Some(0o600)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        claim.commit(b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_mode_applies_from_the_start() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        write_atomic(&path, b"{}", Some(0o600)).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
