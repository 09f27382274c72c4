//! Where the silver tables live: the [`SilverStore`] seam, a local directory or an S3 prefix
//! (`OURA_SILVER_DESTINATION`), chosen at run time through [`AnySilver`].
//!
//! Contract for both: `put` replaces a month file whole (local: a temporary file renamed over
//! it; S3: one `PutObject`), so a reader sees the old file or the new one; `digest` reads the
//! bronze digest a month file was built from without reading its rows (local: the Parquet
//! footer; S3: the object's `bronze-digest` metadata, one `HeadObject`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use bytes::Bytes;
use jiff::Timestamp;

use super::table::{MonthTable, YearMonth, digest_of, month_key};
use crate::aws::CallFailure;
use crate::datatype::DataType;
use crate::fsutil;
use crate::store::s3::Encryption;

/// The content type of a month file.
pub const CONTENT_TYPE: &str = "application/vnd.apache.parquet";
/// S3 user metadata: the bronze digest and the row count of a month file.
pub const META_DIGEST: &str = "bronze-digest";
pub const META_ROWS: &str = "row-count";

/// The newest month file of a type: which month, and when it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatestMonth {
    pub month: YearMonth,
    pub written_at: Option<Timestamp>,
}

/// A place that holds silver month files.
#[allow(async_fn_in_trait)]
pub trait SilverStore {
    /// Checks, before any data moves, that the destination can be written.
    async fn check(&self) -> anyhow::Result<()>;
    /// The bronze digest of the month file at `key`, `None` when there is no such file.
    async fn digest(&self, key: &str) -> anyhow::Result<Option<String>>;
    /// Stores a month file at `key`, replacing what was there.
    async fn put(&self, key: &str, table: &MonthTable) -> anyhow::Result<()>;
    /// Makes every file put so far durable.
    async fn flush(&self) -> anyhow::Result<()>;
    /// Reads a month file.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>>;
    /// The newest month file of `data_type`, if any.
    async fn latest(&self, data_type: DataType) -> anyhow::Result<Option<LatestMonth>>;
    /// The destination as a user would write it.
    fn describe(&self) -> String;
}

/// Silver in a local directory.
#[derive(Clone, Debug)]
pub struct LocalSilver {
    root: PathBuf,
}

impl LocalSilver {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl SilverStore for LocalSilver {
    async fn check(&self) -> anyhow::Result<()> {
        let mut existing = self.root.as_path();
        loop {
            match std::fs::metadata(existing) {
                Ok(meta) if meta.is_dir() => {
                    anyhow::ensure!(
                        !meta.permissions().readonly(),
                        "the silver directory {} is read-only; choose another --silver-dest",
                        existing.display()
                    );
                    return Ok(());
                }
                Ok(_) => anyhow::bail!(
                    "{} is a file, not a directory; choose another --silver-dest",
                    existing.display()
                ),
                Err(_) => match existing.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
                    _ => return Ok(()),
                },
            }
        }
    }

    async fn digest(&self, key: &str) -> anyhow::Result<Option<String>> {
        let path = self.root.join(key);
        tokio::task::spawn_blocking(move || {
            let file = match std::fs::File::open(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
            };
            // A file that is not Parquet (cut off, or foreign) has no digest: it is rebuilt.
            Ok(parquet::file::metadata::ParquetMetaDataReader::new()
                .parse_and_finish(&file)
                .ok()
                .and_then(|metadata| digest_of(&metadata)))
        })
        .await
        .context("the silver reader task stopped")?
    }

    async fn put(&self, key: &str, table: &MonthTable) -> anyhow::Result<()> {
        let path = self.root.join(key);
        let bytes = table.parquet.clone();
        tokio::task::spawn_blocking(move || fsutil::replace_file(&path, &bytes))
            .await
            .context("the silver writer task stopped")?
    }

    async fn flush(&self) -> anyhow::Result<()> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            if root.exists() { fsutil::flush_filesystem(&root) } else { Ok(()) }
        })
        .await
        .context("the flush task stopped")?
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        let path = self.root.join(key);
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    async fn latest(&self, data_type: DataType) -> anyhow::Result<Option<LatestMonth>> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let month = local_months(&root.join(data_type.name())).pop();
            Ok(month.map(|month| {
                let written_at = std::fs::metadata(root.join(month_key(data_type, month)))
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| Timestamp::try_from(t).ok());
                LatestMonth { month, written_at }
            }))
        })
        .await
        .context("the silver reader task stopped")?
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

/// The months that have a month file under a type's directory (`year=YYYY/month=MM/`).
fn local_months(type_dir: &Path) -> Vec<YearMonth> {
    let mut months = Vec::new();
    let Ok(years) = std::fs::read_dir(type_dir) else { return months };
    for year in years.flatten() {
        let Some(y) = partition_value(&year.file_name(), "year=") else { continue };
        let Ok(inner) = std::fs::read_dir(year.path()) else { continue };
        for month in inner.flatten() {
            let Some(m) = partition_value(&month.file_name(), "month=") else { continue };
            let (Ok(year), Ok(month_no)) = (i16::try_from(y), i8::try_from(m)) else { continue };
            if !(1..=12).contains(&month_no) {
                continue;
            }
            let ym = YearMonth { year, month: month_no };
            let file = month.path().join(format!("{}_{ym}.parquet", type_name(type_dir)));
            if file.is_file() {
                months.push(ym);
            }
        }
    }
    months.sort();
    months
}

fn type_name(type_dir: &Path) -> String {
    type_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `year=2026` → 2026.
pub fn partition_value(name: &std::ffi::OsStr, prefix: &str) -> Option<i32> {
    name.to_str()?.strip_prefix(prefix)?.parse().ok()
}

/// Silver under `s3://bucket/prefix`.
#[derive(Clone, Debug)]
pub struct S3Silver {
    pub(super) client: Client,
    pub(super) bucket: String,
    pub(super) prefix: String,
    pub(super) encryption: Encryption,
}

impl S3Silver {
    pub fn new(client: Client, bucket: &str, prefix: &str, encryption: Encryption) -> Self {
        Self {
            client,
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            encryption,
        }
    }

    pub(super) fn full_key(&self, key: &str) -> String {
        if self.prefix.is_empty() { key.to_string() } else { format!("{}/{key}", self.prefix) }
    }
}

impl SilverStore for S3Silver {
    async fn check(&self) -> anyhow::Result<()> {
        match self.client.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(err) => {
                let failure = CallFailure::from_sdk(&err);
                if failure.is_access_denied() {
                    anyhow::bail!(
                        "access to the silver bucket s3://{} is denied: these AWS credentials need \
                         s3:ListBucket on it and s3:PutObject and s3:GetObject on its keys; attach \
                         the policy in scripts/iam-policy-silver.json",
                        self.bucket
                    )
                }
                anyhow::bail!(
                    "cannot reach the silver bucket s3://{} ({}); create it or fix OURA_SILVER_DESTINATION",
                    self.bucket,
                    failure.detail
                )
            }
        }
    }

    async fn digest(&self, key: &str) -> anyhow::Result<Option<String>> {
        let key = self.full_key(key);
        match self.client.head_object().bucket(&self.bucket).key(&key).send().await {
            Ok(head) => Ok(head.metadata().and_then(|m| m.get(META_DIGEST)).cloned()),
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

    async fn put(&self, key: &str, table: &MonthTable) -> anyhow::Result<()> {
        let key = self.full_key(key);
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .body(ByteStream::from(table.parquet.clone()))
            .content_type(CONTENT_TYPE)
            .metadata(META_DIGEST, &table.digest)
            .metadata(META_ROWS, table.rows.to_string());
        let request = match &self.encryption {
            Encryption::Aes256 => request.server_side_encryption(ServerSideEncryption::Aes256),
            Encryption::Kms { key_id } => request
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .set_ssekms_key_id(key_id.clone()),
        };
        request.send().await.map(|_| ()).map_err(|err| {
            let failure = CallFailure::from_sdk(&err);
            anyhow::anyhow!("cannot store s3://{}/{key}: {}", self.bucket, failure.detail)
        })
    }

    async fn flush(&self) -> anyhow::Result<()> {
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        let key = self.full_key(key);
        match self.client.get_object().bucket(&self.bucket).key(&key).send().await {
            Ok(object) => {
                let body = object.body.collect().await.context("cannot read a silver file")?;
                Ok(Some(body.into_bytes()))
            }
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

    async fn latest(&self, data_type: DataType) -> anyhow::Result<Option<LatestMonth>> {
        let prefix = self.full_key(&format!("{}/", data_type.name()));
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&prefix)
            .into_paginator()
            .send();
        let mut best: Option<LatestMonth> = None;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| {
                anyhow::anyhow!(
                    "cannot list s3://{}/{prefix}: {}",
                    self.bucket,
                    CallFailure::from_sdk(&err).detail
                )
            })?;
            for object in page.contents() {
                let Some(month) = object.key().and_then(month_of_key) else { continue };
                if best.as_ref().is_none_or(|b| b.month < month) {
                    let written_at =
                        object.last_modified().and_then(|t| Timestamp::from_second(t.secs()).ok());
                    best = Some(LatestMonth { month, written_at });
                }
            }
        }
        Ok(best)
    }

    fn describe(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// The month of a month file's key (`…/daily_sleep_2026-02.parquet`).
fn month_of_key(key: &str) -> Option<YearMonth> {
    let stem = key.strip_suffix(".parquet")?;
    let tail = stem.get(stem.len().checked_sub(7)?..)?;
    let (year, month) = tail.split_once('-')?;
    let month = YearMonth { year: year.parse().ok()?, month: month.parse().ok()? };
    (1..=12).contains(&month.month).then_some(month)
}

/// The silver backend chosen at run time.
#[derive(Clone, Debug)]
pub enum AnySilver {
    Local(LocalSilver),
    S3(S3Silver),
}

impl SilverStore for AnySilver {
    async fn check(&self) -> anyhow::Result<()> {
        match self {
            AnySilver::Local(s) => s.check().await,
            AnySilver::S3(s) => s.check().await,
        }
    }

    async fn digest(&self, key: &str) -> anyhow::Result<Option<String>> {
        match self {
            AnySilver::Local(s) => s.digest(key).await,
            AnySilver::S3(s) => s.digest(key).await,
        }
    }

    async fn put(&self, key: &str, table: &MonthTable) -> anyhow::Result<()> {
        match self {
            AnySilver::Local(s) => s.put(key, table).await,
            AnySilver::S3(s) => s.put(key, table).await,
        }
    }

    async fn flush(&self) -> anyhow::Result<()> {
        match self {
            AnySilver::Local(s) => s.flush().await,
            AnySilver::S3(s) => s.flush().await,
        }
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        match self {
            AnySilver::Local(s) => s.get(key).await,
            AnySilver::S3(s) => s.get(key).await,
        }
    }

    async fn latest(&self, data_type: DataType) -> anyhow::Result<Option<LatestMonth>> {
        match self {
            AnySilver::Local(s) => s.latest(data_type).await,
            AnySilver::S3(s) => s.latest(data_type).await,
        }
    }

    fn describe(&self) -> String {
        match self {
            AnySilver::Local(s) => s.describe(),
            AnySilver::S3(s) => s.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_files_are_recognised_by_their_key() {
        assert_eq!(
            month_of_key("oura/sleep/year=2026/month=02/sleep_2026-02.parquet"),
            Some(YearMonth { year: 2026, month: 2 })
        );
        assert_eq!(month_of_key("sleep/year=2026/month=02/notes.txt"), None);
        assert_eq!(month_of_key("x_2026-13.parquet"), None);
    }
}
