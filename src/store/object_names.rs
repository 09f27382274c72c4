//! What a catalogue kept outside the lake (bio-lakehouse's ingestion log) calls the lake's
//! objects: each object's URI (`s3://BUCKET/KEY`, or `file://` + the absolute path of a local
//! lake's file) and folder, as the lake's layout names them. This module alone turns a key
//! into such a URI and a URI back into a key, so the ledger that records them never builds or
//! reads a key itself.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use jiff::civil::Date;

use super::layout::{Layout, join_prefix};
use crate::datatype::DataType;

/// The names of one lake's objects (see the module doc).
#[derive(Clone, Debug)]
pub struct LakeNames {
    /// What a key is appended to for its URI: `s3://BUCKET/` or `file:///ABSOLUTE/LAKE/`.
    uri_base: String,
    /// The destination prefix keys start with.
    prefix: String,
    layout: Arc<dyn Layout>,
}

impl LakeNames {
    /// The names of a lake in `s3://bucket/prefix` laid out by `layout`.
    pub fn s3(bucket: &str, prefix: &str, layout: Arc<dyn Layout>) -> Self {
        Self { uri_base: format!("s3://{bucket}/"), prefix: prefix.to_string(), layout }
    }

    /// The names of a lake in the local directory `root` (made absolute; it need not exist)
    /// laid out by `layout`.
    pub fn local(root: &Path, layout: Arc<dyn Layout>) -> anyhow::Result<Self> {
        let absolute = std::path::absolute(root)
            .with_context(|| format!("cannot make {} absolute", root.display()))?;
        let base = absolute.to_string_lossy().trim_end_matches('/').to_string();
        Ok(Self { uri_base: format!("file://{base}/"), prefix: String::new(), layout })
    }

    /// The URI of the object at `key`.
    pub fn uri_of_key(&self, key: &str) -> String {
        format!("{}{key}", self.uri_base)
    }

    /// The key of the object at `uri`, `None` when `uri` names nothing in this lake.
    pub fn key_of_uri<'u>(&self, uri: &'u str) -> Option<&'u str> {
        uri.strip_prefix(self.uri_base.as_str()).filter(|key| !key.is_empty())
    }

    /// The key of `data_type`'s object of `day`.
    pub fn key_of(&self, data_type: DataType, day: Date) -> String {
        join_prefix(&self.prefix, &self.layout.key(data_type, day))
    }

    /// The folder of `data_type`'s objects.
    pub fn folder(&self, data_type: DataType) -> &'static str {
        self.layout.folder(data_type)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// A local lake's objects are named with its absolute path, an S3 lake's with its bucket,
    /// and each URI reads back as the key it was made from (a URI of another lake as none).
    #[test]
    fn a_key_becomes_its_uri_and_back() {
        let layout = crate::store::layout::default_layout();
        let names = LakeNames::local(Path::new("/lake/"), layout.clone()).unwrap();
        let key = names.key_of(DataType::DailySleep, date(2026, 2, 18));
        let uri = names.uri_of_key(&key);
        assert_eq!(
            uri,
            "file:///lake/daily_sleep/year=2026/month=02/day=18/daily_sleep_2026-02-18.jsonl"
        );
        assert_eq!(names.key_of_uri(&uri), Some(key.as_str()));
        let names = LakeNames::s3("b", "oura", layout);
        assert_eq!(names.uri_of_key("oura/x.json"), "s3://b/oura/x.json");
        assert_eq!(names.key_of_uri("s3://b/oura/x.json"), Some("oura/x.json"));
        assert_eq!(names.key_of_uri("s3://other/oura/x.json"), None);
        assert_eq!(names.key_of_uri(&uri), None);
        assert_eq!(names.folder(DataType::Sleep), "sleep");
    }
}
