//! The lake in a local directory: the default destination, and the reference backend.
//!
//! Each object is a file at `<root>/<key>`, written to a temporary file in the same
//! directory, then renamed over the old one, so a reader (or a process that dies) sees the old
//! file or the new one, never part of one. `flush` makes the files durable in one `syncfs`,
//! which the pipeline calls before the ledger records them.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::byte_store::{ByteStore, Listed, LocalBytes, PutAttrs};
use super::layout::{Layout, default_layout};
use super::{DayObject, ObjectStore, PutOutcome, sha256_hex};

/// A lake rooted at a local directory (created on the first write).
#[derive(Debug, Clone)]
pub struct LocalStore {
    bytes: LocalBytes,
    layout: std::sync::Arc<dyn Layout>,
}

impl LocalStore {
    /// A store under `root`; nothing is created until something is written.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { bytes: LocalBytes::new(root), layout: default_layout() }
    }

    /// The same store with objects laid out by `layout`.
    pub fn with_layout(mut self, layout: std::sync::Arc<dyn Layout>) -> Self {
        self.layout = layout;
        self
    }

    /// The directory the lake lives in.
    pub fn root(&self) -> &Path {
        self.bytes.root()
    }
}

impl ObjectStore for LocalStore {
    async fn check(&self) -> anyhow::Result<()> {
        // The directory may not exist yet; whatever part of the path does exist must be a
        // directory we can create entries in.
        self.bytes.check("lake", "--dest").await
    }

    async fn put(&self, object: &DayObject, _known: Option<&str>) -> anyhow::Result<PutOutcome> {
        // The file itself is the truth here, and reading a day back is cheap.
        if let Ok(Some(existing)) = self.bytes.get(&object.key).await
            && sha256_hex(&existing) == object.sha256
        {
            return Ok(PutOutcome::Unchanged);
        }
        let attrs =
            PutAttrs { content_type: object.content_type, metadata: &[], only_if_absent: false };
        self.bytes.put(&object.key, object.body.clone(), attrs).await?;
        Ok(PutOutcome::Written)
    }

    async fn flush(&self) -> anyhow::Result<()> {
        self.bytes.flush().await
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        self.bytes.get(key).await
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.bytes.delete(key).await
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<Listed>> {
        self.bytes.list(prefix).await
    }

    fn reads_are_cheap(&self) -> bool {
        self.bytes.reads_are_cheap()
    }

    fn describe(&self) -> String {
        self.bytes.describe()
    }

    fn layout(&self) -> &dyn Layout {
        self.layout.as_ref()
    }

    fn key_prefix(&self) -> &str {
        ""
    }
}
