//! The doctor's proof that a lake takes writes: one small probe object written (and flushed)
//! where the day objects go, then removed. Permission bits and `HeadBucket` say a place
//! *should* take writes; a read-only mount, a full disk, an IAM policy without `PutObject` or
//! a KMS key the writer may not use are only found by writing.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::layout::{self, hive_ndjson};
use super::{AnyStore, DayObject, ObjectStore, sha256_hex};

/// The probe's key under the lake's prefix: `_probe/oura-sync-doctor-<token>` (outside every
/// type's folder, as the quarantine objects are, so no table or glob reads it).
fn probe_key(prefix: &str, token: &str) -> String {
    layout::join_prefix(prefix, &format!("_probe/oura-sync-doctor-{token}"))
}

impl AnyStore {
    /// Writes a probe object (with the lake's encryption, as a day object is put), flushes
    /// it, and removes it; `token` makes its key this run's own. Folders the write had to
    /// create are removed again, so a lake that did not exist still does not. Returns the
    /// probe's key; an error says what refused (the store's own cause).
    pub async fn probe_write(&self, token: &str) -> anyhow::Result<String> {
        let key = probe_key(self.key_prefix(), token);
        let body = b"oura-sync doctor: a probe object, removed at once\n".to_vec();
        let object = DayObject {
            key: key.clone(),
            sha256: sha256_hex(&body),
            body: Bytes::from(body),
            content_type: hive_ndjson::CONTENT_TYPE,
            record_count: 0,
            run_id: format!("doctor-{token}"),
        };
        let created = match self {
            AnyStore::Local(local) => first_missing(&local.root().join(&key)),
            #[cfg(feature = "aws")]
            AnyStore::S3(_) => None,
        };
        let written = async {
            self.put(&object, None).await?;
            self.flush().await
        }
        .await;
        let removed = self.delete(&key).await;
        if let (Some(first), AnyStore::Local(local)) = (&created, self) {
            remove_empty_dirs(&local.root().join(&key), first);
        }
        written.map_err(|e| e.context(format!("cannot write a probe object at {key}")))?;
        removed.map_err(|e| e.context(format!("wrote, but cannot remove, the probe {key}")))?;
        Ok(key)
    }
}

/// The outermost folder above `file` that does not exist yet (what a write would create).
fn first_missing(file: &Path) -> Option<PathBuf> {
    let mut missing = None;
    let mut dir = file.parent();
    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if d.exists() {
            break;
        }
        missing = Some(d.to_path_buf());
        dir = d.parent();
    }
    missing
}

/// Removes the folders above `file` up to and including `last`, each only if empty.
fn remove_empty_dirs(file: &Path, last: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if std::fs::remove_dir(d).is_err() || d == last {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::LocalStore;

    /// The probe is written and removed, in an existing lake and in one the write had to
    /// create (which is gone again afterwards, with every folder it needed).
    #[tokio::test]
    async fn the_probe_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let existing = AnyStore::Local(LocalStore::new(dir.path()));
        let key = existing.probe_write("t1").await.unwrap();
        assert_eq!(key, "_probe/oura-sync-doctor-t1");
        assert!(!dir.path().join(&key).exists() && dir.path().exists());
        let fresh = dir.path().join("a/b/lake");
        AnyStore::Local(LocalStore::new(&fresh)).probe_write("t2").await.unwrap();
        assert!(!dir.path().join("a").exists(), "created folders are removed");
    }

    /// A place that refuses the write fails with the cause and the probe's key.
    #[tokio::test]
    async fn a_refused_write_names_the_probe_and_the_cause() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let err = AnyStore::Local(LocalStore::new(&file)).probe_write("t").await.unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("cannot write a probe object at _probe/"), "{text}");
        assert!(std::fs::read_to_string(&file).unwrap() == "x");
    }
}
