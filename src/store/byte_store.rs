//! The one byte-store seam under the whole lake: keys to whole byte bodies, in a local
//! directory or an S3 bucket. The bronze day objects ([`super::ObjectStore`]) and the silver
//! month files ([`super::silver`]) are both keys of a byte store; what a key means (its layout,
//! its prefix) is theirs, never the backend's.
//!
//! Contract for every backend (checked by the byte-store part of the store conformance suite):
//! - `put` replaces whatever the key held, whole: a reader sees the old body or the new one,
//!   never a mix; with `only_if_absent` it writes nothing and says [`Put::Exists`] when the key
//!   is there;
//! - `get` and `head` of a key never written are `Ok(None)`; `head` gives the user metadata
//!   put with the body where the backend keeps it (S3; a local file keeps none) and when it
//!   was last written;
//! - `delete` removes a key (a key not there is no error);
//! - `list` gives every key under a folder prefix (`daily_sleep/`, ending in `/`, or empty
//!   for all), at any depth, in no set order;
//! - `flush` makes every put so far durable.
//!
//! The trait, its two backends, the run-time choice between them and S3's encryption setting
//! sit in this one file, beside the contract they keep (hence its length).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
#[cfg(feature = "aws")]
use aws_sdk_s3::Client;
#[cfg(feature = "aws")]
use aws_sdk_s3::primitives::ByteStream;
#[cfg(feature = "aws")]
use aws_sdk_s3::types::ServerSideEncryption;
use bytes::Bytes;
use jiff::Timestamp;

#[cfg(feature = "aws")]
use crate::aws::CallFailure;
use crate::error::UserError;
use crate::fsutil;

/// Files written at once. More only make threads queue on the same directories' locks: with
/// one blocking thread per put, a 3-year backfill ran 500 threads and took 3x longer.
const WRITES_AT_ONCE: usize = 4;

/// What a put sends besides the body.
#[derive(Clone, Copy, Debug)]
pub struct PutAttrs<'a> {
    /// The body's media type.
    pub content_type: &'a str,
    /// User metadata (S3 sends it as `x-amz-meta-<name>`; a local file keeps none).
    pub metadata: &'a [(&'a str, String)],
    /// Write only if the key does not exist yet.
    pub only_if_absent: bool,
}

/// What a put did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Put {
    Written,
    /// `only_if_absent`, and the key exists: nothing was written.
    Exists,
}

/// What a store says of a key without reading its body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Head {
    pub metadata: HashMap<String, String>,
    pub modified: Option<Timestamp>,
}

/// A key found by [`ByteStore::list`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub modified: Option<Timestamp>,
}

/// Keys to whole byte bodies (see the module doc).
#[allow(async_fn_in_trait)]
pub trait ByteStore {
    async fn put(&self, key: &str, body: Bytes, attrs: PutAttrs<'_>) -> anyhow::Result<Put>;
    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>>;
    async fn head(&self, key: &str) -> anyhow::Result<Option<Head>>;
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<Listed>>;
    async fn flush(&self) -> anyhow::Result<()>;
    /// True where reading a body back costs about as little as asking for its metadata (a
    /// local disk): the stored bytes are then the truth to compare with, not a checksum
    /// recorded elsewhere.
    fn reads_are_cheap(&self) -> bool;
    /// The place as a user would write it (`./oura-lake`, `s3://bucket`).
    fn describe(&self) -> String;
}

/// A directory: each key a file at `<root>/<key>`, written to a temporary file in the same
/// directory and renamed over the old one; `flush` is one `syncfs`.
#[derive(Debug, Clone)]
pub struct LocalBytes {
    root: PathBuf,
    writes: Arc<tokio::sync::Semaphore>,
}

impl LocalBytes {
    /// The directory `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), writes: Arc::new(tokio::sync::Semaphore::new(WRITES_AT_ONCE)) }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &str) -> anyhow::Result<PathBuf> {
        // Keys come from the layouts, but a key that climbs out of the root is refused anyway.
        anyhow::ensure!(
            !key.split('/').any(|part| part == ".." || part.is_empty()),
            "refusing object key `{key}`"
        );
        Ok(self.root.join(key))
    }

    /// Checks, before any data moves, that the directory (or what exists of its path) can
    /// take new entries; `flag` names the setting to change in the message.
    pub async fn check(&self, what: &str, flag: &str) -> anyhow::Result<()> {
        let mut existing = self.root.as_path();
        loop {
            match tokio::fs::metadata(existing).await {
                Ok(meta) if meta.is_dir() => {
                    anyhow::ensure!(
                        !meta.permissions().readonly(),
                        "the {what} directory {} is read-only; choose another {flag}",
                        existing.display()
                    );
                    return Ok(());
                }
                Ok(_) => anyhow::bail!(
                    "{} is a file, not a directory; choose another {flag}",
                    existing.display()
                ),
                Err(_) => match existing.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
                    _ => return Ok(()),
                },
            }
        }
    }
}

impl ByteStore for LocalBytes {
    async fn put(&self, key: &str, body: Bytes, attrs: PutAttrs<'_>) -> anyhow::Result<Put> {
        let path = self.path_of(key)?;
        if attrs.only_if_absent && tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(Put::Exists);
        }
        let _slot = self.writes.acquire().await.expect("never closed");
        tokio::task::spawn_blocking(move || fsutil::replace_file(&path, &body))
            .await
            .context("the writer task stopped")??;
        Ok(Put::Written)
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        let path = self.path_of(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<Head>> {
        let path = self.path_of(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(meta) => Ok(Some(Head {
                metadata: HashMap::new(),
                modified: meta.modified().ok().and_then(|t| Timestamp::try_from(t).ok()),
            })),
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

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<Listed>> {
        let root = self.root.clone();
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || list_files(&root, &prefix))
            .await
            .context("the lister task stopped")
    }

    async fn flush(&self) -> anyhow::Result<()> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            if root.exists() { fsutil::flush_filesystem(&root) } else { Ok(()) }
        })
        .await
        .context("the flush task stopped")?
    }

    fn reads_are_cheap(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

/// Every file under the folder `<root>/<prefix>`, at any depth, as keys relative to `root`
/// (with `/` between their parts). A folder that cannot be read holds nothing.
fn list_files(root: &Path, prefix: &str) -> Vec<Listed> {
    let mut found = Vec::new();
    let mut stack = vec![root.join(prefix)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            let Some(key) = path.strip_prefix(root).ok().and_then(|p| p.to_str()) else {
                continue;
            };
            let modified = meta.modified().ok().and_then(|t| Timestamp::try_from(t).ok());
            found.push(Listed { key: key.replace(std::path::MAIN_SEPARATOR, "/"), modified });
        }
    }
    found
}

/// The server-side encryption asked for on every put (`OURA_S3_SSE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Encryption {
    /// `AES256`: keys managed by S3 (the default).
    Aes256,
    /// `aws:kms`, with `OURA_S3_KMS_KEY_ID` or, without it, the account's `aws/s3` key.
    Kms { key_id: Option<String> },
}

impl Encryption {
    /// The encryption for the values of `OURA_S3_SSE` and `OURA_S3_KMS_KEY_ID`: anything but
    /// `AES256` or `aws:kms`, or a key id without `aws:kms`, is a usage error.
    pub fn parse(sse: Option<&str>, key_id: Option<String>) -> anyhow::Result<Self> {
        match sse {
            None | Some("AES256") if key_id.is_some() => Err(UserError::usage(
                "OURA_S3_KMS_KEY_ID is set but OURA_S3_SSE is not aws:kms; set OURA_S3_SSE=aws:kms \
                 to use the key, or unset OURA_S3_KMS_KEY_ID",
            )),
            None | Some("AES256") => Ok(Encryption::Aes256),
            Some("aws:kms") => Ok(Encryption::Kms { key_id }),
            Some(other) => Err(UserError::usage(format!(
                "OURA_S3_SSE `{other}` is not supported; use AES256 (the default) or aws:kms"
            ))),
        }
    }
}

/// An S3 bucket (or any S3-compatible store): each key one object, written with one
/// `PutObject` carrying the content type, the user metadata and server-side encryption.
#[cfg(feature = "aws")]
#[derive(Clone, Debug)]
pub struct S3Bytes {
    client: Client,
    bucket: String,
    encryption: Encryption,
}

#[cfg(feature = "aws")]
impl S3Bytes {
    pub fn new(client: Client, bucket: &str, encryption: Encryption) -> Self {
        Self { client, bucket: bucket.to_string(), encryption }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn encryption(&self) -> &Encryption {
        &self.encryption
    }

    /// One `HeadBucket`: whether the bucket exists and these credentials reach it.
    pub async fn head_bucket(&self) -> Result<(), CallFailure> {
        match self.client.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(err) => Err(CallFailure::from_sdk(&err)),
        }
    }

    /// One `PutObject`, the S3 failure as it came (the roles word their own messages).
    pub async fn send_put(
        &self,
        key: &str,
        body: Bytes,
        attrs: PutAttrs<'_>,
    ) -> Result<Put, CallFailure> {
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body))
            .content_type(attrs.content_type);
        for (name, value) in attrs.metadata {
            request = request.metadata(*name, value);
        }
        let request = match &self.encryption {
            Encryption::Aes256 => request.server_side_encryption(ServerSideEncryption::Aes256),
            Encryption::Kms { key_id } => request
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .set_ssekms_key_id(key_id.clone()),
        };
        let request = if attrs.only_if_absent { request.if_none_match("*") } else { request };
        match request.send().await {
            Ok(_) => Ok(Put::Written),
            Err(err) => {
                let failure = CallFailure::from_sdk(&err);
                if attrs.only_if_absent && failure.status == Some(412) {
                    Ok(Put::Exists)
                } else {
                    Err(failure)
                }
            }
        }
    }
}

#[cfg(feature = "aws")]
impl ByteStore for S3Bytes {
    async fn put(&self, key: &str, body: Bytes, attrs: PutAttrs<'_>) -> anyhow::Result<Put> {
        self.send_put(key, body, attrs).await.map_err(|failure| {
            anyhow::anyhow!("cannot store s3://{}/{key}: {}", self.bucket, failure.detail)
        })
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        let response = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(response) => response,
            Err(err) => {
                let failure = CallFailure::from_sdk(&err);
                if failure.is_not_found() || failure.code.as_deref() == Some("NoSuchKey") {
                    return Ok(None);
                }
                anyhow::bail!("cannot read s3://{}/{key}: {}", self.bucket, failure.detail);
            }
        };
        let body = response
            .body
            .collect()
            .await
            .with_context(|| format!("cannot read s3://{}/{key}", self.bucket))?;
        Ok(Some(body.into_bytes()))
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<Head>> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(head) => Ok(Some(Head {
                metadata: head.metadata().cloned().unwrap_or_default(),
                modified: head.last_modified().and_then(|t| Timestamp::from_second(t.secs()).ok()),
            })),
            Err(err) => {
                let failure = CallFailure::from_sdk(&err);
                if failure.is_not_found() {
                    Ok(None)
                } else {
                    anyhow::bail!("cannot read s3://{}/{key}: {}", self.bucket, failure.detail)
                }
            }
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.client.delete_object().bucket(&self.bucket).key(key).send().await {
            Ok(_) => Ok(()),
            Err(err) => {
                let failure = CallFailure::from_sdk(&err);
                anyhow::bail!("cannot delete s3://{}/{key}: {}", self.bucket, failure.detail)
            }
        }
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<Listed>> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| {
                anyhow::anyhow!(
                    "cannot list s3://{}/{prefix}: {}",
                    self.bucket,
                    CallFailure::from_sdk(&err).detail
                )
            })?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                found.push(Listed {
                    key: key.to_string(),
                    modified: object
                        .last_modified()
                        .and_then(|t| Timestamp::from_second(t.secs()).ok()),
                });
            }
        }
        Ok(found)
    }

    async fn flush(&self) -> anyhow::Result<()> {
        // S3 has stored an object durably by the time PutObject answers 200.
        Ok(())
    }

    fn reads_are_cheap(&self) -> bool {
        false
    }

    fn describe(&self) -> String {
        format!("s3://{}", self.bucket)
    }
}

/// The byte-store backend chosen at run time.
#[derive(Clone, Debug)]
pub enum AnyBytes {
    Local(LocalBytes),
    #[cfg(feature = "aws")]
    S3(S3Bytes),
}

impl ByteStore for AnyBytes {
    async fn put(&self, key: &str, body: Bytes, attrs: PutAttrs<'_>) -> anyhow::Result<Put> {
        match self {
            AnyBytes::Local(b) => b.put(key, body, attrs).await,
            #[cfg(feature = "aws")]
            AnyBytes::S3(b) => b.put(key, body, attrs).await,
        }
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        match self {
            AnyBytes::Local(b) => b.get(key).await,
            #[cfg(feature = "aws")]
            AnyBytes::S3(b) => b.get(key).await,
        }
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<Head>> {
        match self {
            AnyBytes::Local(b) => b.head(key).await,
            #[cfg(feature = "aws")]
            AnyBytes::S3(b) => b.head(key).await,
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self {
            AnyBytes::Local(b) => b.delete(key).await,
            #[cfg(feature = "aws")]
            AnyBytes::S3(b) => b.delete(key).await,
        }
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<Listed>> {
        match self {
            AnyBytes::Local(b) => b.list(prefix).await,
            #[cfg(feature = "aws")]
            AnyBytes::S3(b) => b.list(prefix).await,
        }
    }

    async fn flush(&self) -> anyhow::Result<()> {
        match self {
            AnyBytes::Local(b) => b.flush().await,
            #[cfg(feature = "aws")]
            AnyBytes::S3(b) => b.flush().await,
        }
    }

    fn reads_are_cheap(&self) -> bool {
        match self {
            AnyBytes::Local(b) => b.reads_are_cheap(),
            #[cfg(feature = "aws")]
            AnyBytes::S3(b) => b.reads_are_cheap(),
        }
    }

    fn describe(&self) -> String {
        match self {
            AnyBytes::Local(b) => b.describe(),
            #[cfg(feature = "aws")]
            AnyBytes::S3(b) => b.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A local listing gives every file under a folder prefix, at any depth, as `/` keys, and
    /// nothing of a sibling folder whose name merely starts the same.
    #[test]
    fn a_local_listing_is_the_files_under_the_prefix() {
        let dir = tempfile::tempdir().unwrap();
        for key in ["sleep/year=2026/month=02/a.jsonl", "sleep/b.jsonl", "sleep_time/c.jsonl"] {
            let path = dir.path().join(key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let mut keys: Vec<String> =
            list_files(dir.path(), "sleep/").into_iter().map(|l| l.key).collect();
        keys.sort();
        assert_eq!(keys, ["sleep/b.jsonl", "sleep/year=2026/month=02/a.jsonl"]);
        assert!(list_files(dir.path(), "missing/").is_empty());
    }
}
