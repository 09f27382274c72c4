//! What the bio-lakehouse tables need from the silver destination beyond the typed tables'
//! month files, through the destination's byte store ([`SilverTables`]): the destination
//! above the typed tables' folder, every object of a table (to find the files another writer,
//! such as their Glue job, left in a partition), a file's bronze digest, writing and deleting.

use crate::silver::table::{MonthTable, digest_of};
use crate::store::silver::{META_DIGEST, MonthFile, SilverTables};

/// The silver destination one level above `typed` when `typed` ends in the folder `sub`.
pub fn parent_of(typed: &SilverTables, sub: &str) -> Option<SilverTables> {
    typed.parent(sub)
}

/// Every object key under `folder` (relative to the silver root, e.g.
/// `oura_daily_sleep/year=2026/month=02/part-0000.snappy.parquet`), in no set order.
pub async fn list(silver: &SilverTables, folder: &str) -> anyhow::Result<Vec<String>> {
    silver.list_keys(folder).await
}

/// Deletes the object `key` (relative to the silver root); a missing one is no error.
pub async fn delete(silver: &SilverTables, key: &str) -> anyhow::Result<()> {
    silver.delete_key(key).await
}

/// The digest a month file at `key` carries: from the store's metadata where it keeps some
/// (S3), else from the Parquet footer; `None` when there is no file or it is not Parquet (a
/// file another writer left), so it is rebuilt.
pub async fn digest(silver: &SilverTables, key: &str) -> anyhow::Result<Option<String>> {
    let Some(head) = silver.head_key(key).await? else { return Ok(None) };
    if let Some(digest) = head.metadata.get(META_DIGEST) {
        return Ok(Some(digest.clone()));
    }
    let Some(bytes) = silver.get_key(key).await? else { return Ok(None) };
    let metadata = tokio::task::spawn_blocking(move || {
        parquet::file::metadata::ParquetMetaDataReader::new().parse_and_finish(&bytes).ok()
    })
    .await?;
    Ok(metadata.as_ref().and_then(digest_of))
}

/// Stores the month file `table` at `key` (relative to the silver root), replacing it.
pub async fn put(silver: &SilverTables, key: &str, table: &MonthTable) -> anyhow::Result<()> {
    let file = MonthFile { parquet: &table.parquet, digest: &table.digest, rows: table.rows };
    silver.put_key(key, file).await
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The destination above the typed tables' folder, local or S3; none above another folder.
    #[test]
    fn the_parent_is_the_destination_above_the_typed_prefix() {
        let typed = SilverTables::local("/lake/_silver/oura_sync");
        let up = parent_of(&typed, "oura_sync").unwrap();
        assert_eq!(up.describe(), SilverTables::local(Path::new("/lake/_silver")).describe());
        assert!(parent_of(&SilverTables::local("/lake/_silver"), "oura_sync").is_none());
    }
}
