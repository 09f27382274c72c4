//! The lake in a local directory: the default destination, and the reference backend.
//!
//! Each object is a file at `<root>/<key>`, written to a temporary file in the same
//! directory, then renamed over the old one, so a reader (or a process that dies) sees the old
//! file or the new one, never part of one. `flush` makes the files durable in one `syncfs`,
//! which the pipeline calls before the ledger records them.

use std::path::{Path, PathBuf};

use anyhow::Context;
use bytes::Bytes;

use super::layout::{Layout, default_layout};
use super::{DayObject, ObjectStore, PutOutcome, sha256_hex};
use crate::fsutil;

/// Files written at once. More only make threads queue on the same directories' locks: with
/// one blocking thread per put, a 3-year backfill ran 500 threads and took 3x longer.
const WRITES_AT_ONCE: usize = 4;

/// A lake rooted at a local directory (created on the first write).
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
    writes: std::sync::Arc<tokio::sync::Semaphore>,
    layout: std::sync::Arc<dyn Layout>,
}

impl LocalStore {
    /// A store under `root`; nothing is created until something is written.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            writes: std::sync::Arc::new(tokio::sync::Semaphore::new(WRITES_AT_ONCE)),
            layout: default_layout(),
        }
    }

    /// The same store with objects laid out by `layout`.
    pub fn with_layout(mut self, layout: std::sync::Arc<dyn Layout>) -> Self {
        self.layout = layout;
        self
    }

    /// The directory the lake lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &str) -> anyhow::Result<PathBuf> {
        // Keys come from the layout, but a key that climbs out of the root is refused anyway.
        anyhow::ensure!(
            !key.split('/').any(|part| part == ".." || part.is_empty()),
            "refusing object key `{key}`"
        );
        Ok(self.root.join(key))
    }
}

impl ObjectStore for LocalStore {
    async fn check(&self) -> anyhow::Result<()> {
        // The directory may not exist yet; whatever part of the path does exist must be a
        // directory we can create entries in.
        let mut existing = self.root.as_path();
        loop {
            match tokio::fs::metadata(existing).await {
                Ok(meta) if meta.is_dir() => {
                    anyhow::ensure!(
                        !meta.permissions().readonly(),
                        "the lake directory {} is read-only; choose another --dest",
                        existing.display()
                    );
                    return Ok(());
                }
                Ok(_) => anyhow::bail!(
                    "{} is a file, not a directory; choose another --dest",
                    existing.display()
                ),
                Err(_) => match existing.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
                    _ => return Ok(()),
                },
            }
        }
    }

    async fn put(&self, object: &DayObject, _known: Option<&str>) -> anyhow::Result<PutOutcome> {
        let path = self.path_of(&object.key)?;
        // The file itself is the truth here, and reading a day back is cheap.
        if let Ok(existing) = tokio::fs::read(&path).await
            && sha256_hex(&existing) == object.sha256
        {
            return Ok(PutOutcome::Unchanged);
        }
        let body = object.body.clone();
        let _slot = self.writes.acquire().await.expect("never closed");
        tokio::task::spawn_blocking(move || fsutil::replace_file(&path, &body))
            .await
            .context("the writer task stopped")??;
        Ok(PutOutcome::Written)
    }

    async fn flush(&self) -> anyhow::Result<()> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || fsutil::flush_filesystem(&root))
            .await
            .context("the flush task stopped")?
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        let path = self.path_of(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = self.path_of(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn layout(&self) -> &dyn Layout {
        self.layout.as_ref()
    }

    fn key_prefix(&self) -> &str {
        ""
    }
}
