//! What the bio-lakehouse tables need from the silver store beyond the typed tables' month
//! files: the whole destination beside the typed tables' prefix, every object of a table (to
//! find the files another writer, such as their Glue job, left in a partition), and deleting
//! one.

use std::path::Path;

use anyhow::Context;

use crate::aws::CallFailure;
use crate::silver::store::{AnySilver, LocalSilver};

/// The silver destination one level above `typed` when `typed` ends in the folder `sub`.
pub fn parent_of(typed: &AnySilver, sub: &str) -> Option<AnySilver> {
    match typed {
        AnySilver::Local(local) => {
            let root = local.root();
            if root.file_name()? != sub {
                return None;
            }
            Some(AnySilver::Local(LocalSilver::new(root.parent()?)))
        }
        AnySilver::S3(s3) => {
            let parent = if s3.prefix == sub {
                String::new()
            } else {
                s3.prefix.strip_suffix(sub)?.strip_suffix('/')?.to_string()
            };
            let mut up = s3.clone();
            up.prefix = parent;
            Some(AnySilver::S3(up))
        }
    }
}

/// Every object key under `folder` (relative to the silver root, e.g.
/// `oura_daily_sleep/year=2026/month=02/part-0000.snappy.parquet`), in no set order.
pub async fn list(silver: &AnySilver, folder: &str) -> anyhow::Result<Vec<String>> {
    match silver {
        AnySilver::Local(local) => {
            let root = local.root().to_path_buf();
            let folder = folder.to_string();
            tokio::task::spawn_blocking(move || local_keys(&root, &folder))
                .await
                .context("the silver listing task stopped")?
        }
        AnySilver::S3(s3) => {
            let prefix = s3.full_key(&format!("{}/", folder.trim_end_matches('/')));
            let strip = s3.full_key("");
            let mut pages = s3
                .client
                .list_objects_v2()
                .bucket(&s3.bucket)
                .prefix(&prefix)
                .into_paginator()
                .send();
            let mut keys = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|err| {
                    anyhow::anyhow!(
                        "cannot list s3://{}/{prefix}: {}",
                        s3.bucket,
                        CallFailure::from_sdk(&err).detail
                    )
                })?;
                for object in page.contents() {
                    if let Some(key) = object.key() {
                        let relative = if s3.prefix.is_empty() {
                            key
                        } else {
                            key.strip_prefix(strip.as_str()).unwrap_or(key)
                        };
                        keys.push(relative.to_string());
                    }
                }
            }
            Ok(keys)
        }
    }
}

fn local_keys(root: &Path, folder: &str) -> anyhow::Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut stack = vec![root.join(folder)];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Some(key) = path.strip_prefix(root).ok().and_then(|p| p.to_str()) {
                keys.push(key.replace(std::path::MAIN_SEPARATOR, "/"));
            }
        }
    }
    Ok(keys)
}

/// Deletes the object `key` (relative to the silver root); a missing one is no error.
pub async fn delete(silver: &AnySilver, key: &str) -> anyhow::Result<()> {
    match silver {
        AnySilver::Local(local) => match tokio::fs::remove_file(local.root().join(key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot delete {key} in the silver folder")),
        },
        AnySilver::S3(s3) => {
            let full = s3.full_key(key);
            s3.client.delete_object().bucket(&s3.bucket).key(&full).send().await.map_err(
                |err| {
                    anyhow::anyhow!(
                        "cannot delete s3://{}/{full}: {}",
                        s3.bucket,
                        CallFailure::from_sdk(&err).detail
                    )
                },
            )?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The destination above the typed tables' folder, local or S3; none above another folder.
    #[test]
    fn the_parent_is_the_destination_above_the_typed_prefix() {
        let typed = AnySilver::Local(LocalSilver::new("/lake/_silver/oura_sync"));
        let Some(AnySilver::Local(up)) = parent_of(&typed, "oura_sync") else { panic!() };
        assert_eq!(up.root(), Path::new("/lake/_silver"));
        assert!(
            parent_of(&AnySilver::Local(LocalSilver::new("/lake/_silver")), "oura_sync").is_none()
        );
    }
}
