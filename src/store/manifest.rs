//! The batch manifest of a run (bio-lakehouse layout): one `_manifests/<run_id>_manifest.json`
//! object per run that wrote at least one object, so that bio-lakehouse's S3 trigger, which
//! starts a source's normalizer once for each `*_manifest.json` it sees, starts the Oura
//! normalizer once per sync instead of reacting to every object.
//!
//! The fields the trigger reads are `batch_id` (the run id), `source_types` (`oura/<folder>`
//! for each folder the run wrote) and `file_count`; the window and the time say what the batch
//! holds.

use std::collections::BTreeSet;

use anyhow::Context;
use bytes::Bytes;
use jiff::Timestamp;
use serde::Serialize;

use super::layout::join_prefix;
use super::{DayObject, ObjectStore, sha256_hex};
use crate::datatype::DataType;
use crate::report::RunReport;
use crate::window::Window;

/// The content type of a manifest.
pub const CONTENT_TYPE: &str = "application/json";

/// The folder, under the destination's prefix, that holds the manifests (outside every
/// folder the normalizer lists).
pub const MANIFEST_DIR: &str = "_manifests";

/// One run's manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Manifest {
    pub batch_id: String,
    pub source: &'static str,
    pub source_types: Vec<String>,
    pub file_count: u64,
    pub window_start: String,
    pub window_end: String,
    pub date_range: String,
    pub created_at: Timestamp,
}

impl Manifest {
    /// The manifest of run `run_id` over `window`, which wrote `file_count` objects into
    /// `folders`; `None` when it wrote none (no batch, no manifest).
    pub fn for_run<'a>(
        run_id: &str,
        window: Window,
        folders: impl IntoIterator<Item = &'a str>,
        file_count: u64,
        created_at: Timestamp,
    ) -> Option<Self> {
        if file_count == 0 {
            return None;
        }
        let folders: BTreeSet<&str> = folders.into_iter().collect();
        Some(Self {
            batch_id: run_id.to_string(),
            source: "oura",
            source_types: folders.into_iter().map(|f| format!("oura/{f}")).collect(),
            file_count,
            window_start: window.start.to_string(),
            window_end: window.end.to_string(),
            date_range: format!("{} to {}", window.start, window.end),
            created_at,
        })
    }

    /// The manifest's key relative to the destination's prefix.
    pub fn key(&self) -> String {
        format!("{MANIFEST_DIR}/{}_manifest.json", self.batch_id)
    }

    /// The manifest's body: one JSON object.
    pub fn body(&self) -> Vec<u8> {
        let mut body = serde_json::to_vec_pretty(self).expect("a manifest always serializes");
        body.push(b'\n');
        body
    }
}

/// Writes the manifest of `report`'s run into `store` when its layout writes manifests and
/// the run wrote at least one object; returns the manifest's key, if one was written. It goes
/// in after every object of the run, so the batch it announces is complete.
pub async fn write_for_run(
    store: &impl ObjectStore,
    report: &RunReport,
) -> anyhow::Result<Option<String>> {
    let layout = store.layout();
    if !layout.writes_manifest() || report.dry_run {
        return Ok(None);
    }
    let folders = report
        .types
        .iter()
        .filter(|(_, t)| t.days_written > 0)
        .filter_map(|(name, _)| name.parse::<DataType>().ok())
        .map(|t| layout.folder(t));
    let window = Window::new(report.window.start, report.window.end);
    let Some(manifest) = Manifest::for_run(
        &report.run_id,
        window,
        folders,
        report.objects_written,
        Timestamp::now(),
    ) else {
        return Ok(None);
    };
    let body = manifest.body();
    let object = DayObject {
        key: join_prefix(store.key_prefix(), &manifest.key()),
        sha256: sha256_hex(&body),
        body: Bytes::from(body),
        content_type: CONTENT_TYPE,
        record_count: manifest.file_count,
        run_id: report.run_id.clone(),
    };
    store.put(&object, None).await.with_context(|| format!("cannot write {}", object.key))?;
    Ok(Some(object.key))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn a_run_that_wrote_objects_has_one_manifest_naming_each_folder_once() {
        let window = Window::new(date(2026, 2, 12), date(2026, 2, 18));
        let at: Timestamp = "2026-02-18T14:00:00Z".parse().unwrap();
        let m = Manifest::for_run("r1", window, ["sleep", "readiness", "sleep"], 9, at).unwrap();
        assert_eq!(m.key(), "_manifests/r1_manifest.json");
        let json: serde_json::Value = serde_json::from_slice(&m.body()).unwrap();
        assert_eq!(json["batch_id"], "r1");
        assert_eq!(json["source_types"], serde_json::json!(["oura/readiness", "oura/sleep"]));
        assert_eq!(json["file_count"], 9);
        assert_eq!(json["date_range"], "2026-02-12 to 2026-02-18");
        assert_eq!(json["created_at"], "2026-02-18T14:00:00Z");
        assert!(Manifest::for_run("r2", window, ["sleep"], 0, at).is_none());
    }
}
