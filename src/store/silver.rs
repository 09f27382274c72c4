//! Where the silver tables live (`OURA_SILVER_DESTINATION`): month files as keys of a byte
//! store ([`super::byte_store`]), a local directory or an S3 prefix, the same backends as the
//! bronze lake. This module alone knows a month file's key.
//!
//! A `put` replaces a month file whole, so a reader sees the old file or the new one. Each
//! carries the bronze digest it was built from in the Parquet footer, and where the backend
//! keeps user metadata (S3) in the metadata too, with the sha256 of the file's own bytes.
//! Beside the tables, `_index/<type>.json` records what each month file of the type was built
//! from and the sha256 written ([`crate::silver::index`]); `_` folders are skipped by Athena,
//! Glue and the tables' globs.

use std::path::PathBuf;

use bytes::Bytes;
use jiff::Timestamp;

#[cfg(feature = "aws")]
use super::byte_store::Encryption;
#[cfg(feature = "aws")]
use super::byte_store::S3Bytes;
use super::byte_store::{AnyBytes, ByteStore, Head, LocalBytes, PutAttrs};
use super::layout::join_prefix;
use super::sha256_hex;
use crate::datatype::DataType;
use crate::window::YearMonth;

/// The content type of a month file.
pub const CONTENT_TYPE: &str = "application/vnd.apache.parquet";
/// User metadata: the bronze digest and the row count of a month file.
pub const META_DIGEST: &str = "bronze-digest";
pub const META_ROWS: &str = "row-count";
/// User metadata: the sha256 of a month file's bytes (where the backend keeps metadata).
pub const META_FILE_SHA256: &str = "file-sha256";
/// The folder of the per-type indexes under the silver root.
const INDEX_FOLDER: &str = "_index";
/// The content type of an index.
const INDEX_CONTENT_TYPE: &str = "application/json";

/// The newest month file of a type: which month, and when it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatestMonth {
    pub month: YearMonth,
    pub written_at: Option<Timestamp>,
}

/// The key of a month file under the silver root:
/// `daily_readiness/year=2026/month=02/daily_readiness_2026-02.parquet`.
fn month_key(data_type: DataType, month: YearMonth) -> String {
    let name = data_type.name();
    format!("{name}/year={:04}/month={:02}/{name}_{month}.parquet", month.year, month.month)
}

/// The sha256 of the file at `path`, read in pieces; `None` when there is no file.
fn hash_file(path: &std::path::Path) -> anyhow::Result<Option<String>> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    };
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }
    Ok(Some(hex::encode(hasher.finalize())))
}

/// The month of a month file's key (`…/daily_sleep_2026-02.parquet`).
fn month_of_key(key: &str) -> Option<YearMonth> {
    let stem = key.strip_suffix(".parquet")?;
    let tail = stem.get(stem.len().checked_sub(7)?..)?;
    let (year, month) = tail.split_once('-')?;
    let month = YearMonth { year: year.parse().ok()?, month: month.parse().ok()? };
    (1..=12).contains(&month.month).then_some(month)
}

/// The silver tables' place: a byte store and the prefix their keys start with.
#[derive(Clone, Debug)]
pub struct SilverTables {
    bytes: AnyBytes,
    prefix: String,
}

/// A month file as silver hands it over.
#[derive(Clone, Copy, Debug)]
pub struct MonthFile<'a> {
    pub parquet: &'a [u8],
    pub digest: &'a str,
    pub rows: usize,
}

impl SilverTables {
    /// Silver in the local directory `root`.
    pub fn local(root: impl Into<PathBuf>) -> Self {
        Self { bytes: AnyBytes::Local(LocalBytes::new(root)), prefix: String::new() }
    }

    /// Silver under `s3://bucket/prefix` (slashes around the prefix are dropped).
    #[cfg(feature = "aws")]
    pub fn s3(
        client: aws_sdk_s3::Client,
        bucket: &str,
        prefix: &str,
        encryption: Encryption,
    ) -> Self {
        Self {
            bytes: AnyBytes::S3(S3Bytes::new(client, bucket, encryption)),
            prefix: prefix.trim_matches('/').to_string(),
        }
    }

    fn key(&self, data_type: DataType, month: YearMonth) -> String {
        join_prefix(&self.prefix, &month_key(data_type, month))
    }

    /// Checks, before any data moves, that the destination can be written.
    pub async fn check(&self) -> anyhow::Result<()> {
        match &self.bytes {
            AnyBytes::Local(local) => local.check("silver", "--silver-dest").await,
            #[cfg(feature = "aws")]
            AnyBytes::S3(s3) => s3.head_bucket().await.map_err(|failure| {
                if failure.is_access_denied() {
                    anyhow::anyhow!(
                        "access to the silver bucket s3://{} is denied: these AWS credentials \
                         need s3:ListBucket on it and s3:PutObject and s3:GetObject on its keys; \
                         attach the policy in scripts/iam-policy-silver.json",
                        s3.bucket()
                    )
                } else {
                    anyhow::anyhow!(
                        "cannot reach the silver bucket s3://{} ({}); create it or fix OURA_SILVER_DESTINATION",
                        s3.bucket(),
                        failure.detail
                    )
                }
            }),
        }
    }

    /// What the store says of the month file of `data_type` for `month` (its metadata), `None`
    /// when there is none.
    pub async fn head(
        &self,
        data_type: DataType,
        month: YearMonth,
    ) -> anyhow::Result<Option<Head>> {
        self.bytes.head(&self.key(data_type, month)).await
    }

    /// Reads a month file.
    pub async fn get(
        &self,
        data_type: DataType,
        month: YearMonth,
    ) -> anyhow::Result<Option<Bytes>> {
        self.bytes.get(&self.key(data_type, month)).await
    }

    /// Stores a month file, replacing what was there; returns the sha256 of its bytes.
    pub async fn put(
        &self,
        data_type: DataType,
        month: YearMonth,
        file: MonthFile<'_>,
    ) -> anyhow::Result<String> {
        let sha256 = sha256_hex(file.parquet);
        let metadata = [
            (META_DIGEST, file.digest.to_string()),
            (META_ROWS, file.rows.to_string()),
            (META_FILE_SHA256, sha256.clone()),
        ];
        let attrs =
            PutAttrs { content_type: CONTENT_TYPE, metadata: &metadata, only_if_absent: false };
        let key = self.key(data_type, month);
        self.bytes.put(&key, Bytes::copy_from_slice(file.parquet), attrs).await?;
        Ok(sha256)
    }

    /// Removes a month file (a month whose bronze days are all gone); a missing one is no
    /// error.
    pub async fn delete(&self, data_type: DataType, month: YearMonth) -> anyhow::Result<()> {
        self.bytes.delete(&self.key(data_type, month)).await
    }

    /// The sha256 of a month file as it stands, `None` when there is none: on a local disk
    /// the file's bytes hashed as they are read (a month file is never held whole for this);
    /// on S3, which checks its own bytes, the sha256 recorded in the object's metadata when
    /// it was written (an object another writer replaced has none, or another).
    pub async fn file_sha256(
        &self,
        data_type: DataType,
        month: YearMonth,
    ) -> anyhow::Result<Option<String>> {
        let key = self.key(data_type, month);
        match &self.bytes {
            AnyBytes::Local(local) => {
                let path = local.root().join(&key);
                tokio::task::spawn_blocking(move || hash_file(&path)).await?
            }
            #[cfg(feature = "aws")]
            AnyBytes::S3(_) => Ok(self
                .bytes
                .head(&key)
                .await?
                .map(|head| head.metadata.get(META_FILE_SHA256).cloned().unwrap_or_default())),
        }
    }

    fn index_key(&self, data_type: DataType) -> String {
        join_prefix(&self.prefix, &format!("{INDEX_FOLDER}/{}.json", data_type.name()))
    }

    /// Reads the index of `data_type`'s month files, `None` when there is none.
    pub async fn get_index(&self, data_type: DataType) -> anyhow::Result<Option<Bytes>> {
        self.bytes.get(&self.index_key(data_type)).await
    }

    /// Stores the index of `data_type`'s month files, replacing what was there.
    pub async fn put_index(&self, data_type: DataType, body: Vec<u8>) -> anyhow::Result<()> {
        let attrs =
            PutAttrs { content_type: INDEX_CONTENT_TYPE, metadata: &[], only_if_absent: false };
        self.bytes.put(&self.index_key(data_type), Bytes::from(body), attrs).await?;
        Ok(())
    }

    /// Makes every file put so far durable.
    pub async fn flush(&self) -> anyhow::Result<()> {
        self.bytes.flush().await
    }

    /// The newest month file of `data_type`, if any.
    pub async fn latest(&self, data_type: DataType) -> anyhow::Result<Option<LatestMonth>> {
        let folder = join_prefix(&self.prefix, data_type.name());
        let mut best: Option<LatestMonth> = None;
        for listed in self.bytes.list(&format!("{folder}/")).await? {
            let Some(month) = month_of_key(&listed.key) else { continue };
            if listed.key != self.key(data_type, month) {
                continue;
            }
            if best.as_ref().is_none_or(|b| b.month < month) {
                best = Some(LatestMonth { month, written_at: listed.modified });
            }
        }
        Ok(best)
    }

    /// The silver destination one folder above this one, when this one is the folder `sub`
    /// (the typed tables under `oura_sync/` with the bio-lakehouse layout, whose own tables
    /// take the destination's root).
    pub fn parent(&self, sub: &str) -> Option<SilverTables> {
        match (&self.bytes, self.prefix.as_str()) {
            (AnyBytes::Local(local), "") => {
                let root = local.root();
                (root.file_name()? == sub).then(|| SilverTables::local(root.parent().unwrap()))
            }
            (_, prefix) => {
                let parent = if prefix == sub {
                    String::new()
                } else {
                    prefix.strip_suffix(sub)?.strip_suffix('/')?.to_string()
                };
                Some(SilverTables { bytes: self.bytes.clone(), prefix: parent })
            }
        }
    }

    /// Every key under `folder` of this destination (relative to it), in no set order: the
    /// files of a table another writer (their Glue job) may also have left there.
    pub async fn list_keys(&self, folder: &str) -> anyhow::Result<Vec<String>> {
        let under = join_prefix(&self.prefix, &format!("{}/", folder.trim_end_matches('/')));
        let strip = match self.prefix.as_str() {
            "" => String::new(),
            prefix => format!("{prefix}/"),
        };
        let listed = self.bytes.list(&under).await?;
        Ok(listed
            .into_iter()
            .map(|l| l.key.strip_prefix(strip.as_str()).map(str::to_string).unwrap_or(l.key))
            .collect())
    }

    /// What the store says of the file at `key` (relative to this destination).
    pub async fn head_key(&self, key: &str) -> anyhow::Result<Option<Head>> {
        self.bytes.head(&join_prefix(&self.prefix, key)).await
    }

    /// Reads the file at `key` (relative to this destination).
    pub async fn get_key(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        self.bytes.get(&join_prefix(&self.prefix, key)).await
    }

    /// Stores a Parquet file at `key` (relative to this destination), replacing what was there.
    pub async fn put_key(&self, key: &str, file: MonthFile<'_>) -> anyhow::Result<()> {
        let metadata = [(META_DIGEST, file.digest.to_string()), (META_ROWS, file.rows.to_string())];
        let attrs =
            PutAttrs { content_type: CONTENT_TYPE, metadata: &metadata, only_if_absent: false };
        let body = Bytes::copy_from_slice(file.parquet);
        self.bytes.put(&join_prefix(&self.prefix, key), body, attrs).await?;
        Ok(())
    }

    /// Deletes the file at `key` (relative to this destination); a missing one is no error.
    pub async fn delete_key(&self, key: &str) -> anyhow::Result<()> {
        self.bytes.delete(&join_prefix(&self.prefix, key)).await
    }

    /// The destination as a user would write it.
    pub fn describe(&self) -> String {
        match self.prefix.as_str() {
            "" => self.bytes.describe(),
            prefix => format!("{}/{prefix}", self.bytes.describe()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A month file's key reads back as its month; other files are not month files.
    #[test]
    fn month_files_are_recognised_by_their_key() {
        assert_eq!(
            month_of_key("oura/sleep/year=2026/month=02/sleep_2026-02.parquet"),
            Some(YearMonth { year: 2026, month: 2 })
        );
        assert_eq!(month_of_key("sleep/year=2026/month=02/notes.txt"), None);
        assert_eq!(month_of_key("x_2026-13.parquet"), None);
    }

    /// Month keys are Hive-partitioned by year and month under the type's folder.
    #[test]
    fn month_keys_are_hive_partitioned() {
        let month = YearMonth { year: 2026, month: 2 };
        assert_eq!(
            month_key(DataType::DailyReadiness, month),
            "daily_readiness/year=2026/month=02/daily_readiness_2026-02.parquet"
        );
    }
}
