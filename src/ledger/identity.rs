//! What a lake is, as its ledger keeps it: the layout its objects are written in, the time
//! zone its days are local to, and the format version, recorded once on its first sync, plus
//! the progress of a `migrate` under way (so a killed migration is finished by running it
//! again). Where it lives: `_ledger/lake.json` locally; in a pk/sk table the item
//! `pk` = [`PK`], `sk` = [`SK`]; in an ingestion log the item `file_path` = [`FILE_PATH`]
//! (a URI no object can have, beside the run items' `oura-sync:run`), `upload_timestamp` 0,
//! `source` `oura-sync`, `data_type` `lake`. Neither key is one bio-lakehouse's readers look up
//! (they query the `oura#<type>`/`oura#run` partitions or object URIs).

#[cfg(feature = "aws")]
use std::collections::HashMap;

use anyhow::Context;
#[cfg(feature = "aws")]
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

/// The version of the lake's format this build writes: the layout/zone record exists from 1.
pub const FORMAT_VERSION: u32 = 1;
/// The pk of the identity item in a pk/sk table.
pub const PK: &str = "oura#lake";
/// The sk of the identity item in a pk/sk table.
pub const SK: &str = "identity";
/// The `file_path` of the identity item in an ingestion log.
pub const FILE_PATH: &str = "oura-sync:lake";
/// The `source` of the identity item in an ingestion log: not `oura`, so that a scan of the
/// ingested Oura objects (bio-lakehouse's monitoring filters on `source = oura`) never counts it.
pub const SOURCE: &str = "oura-sync";
/// The `data_type` of the identity item in an ingestion log.
pub const DATA_TYPE: &str = "lake";

/// The lake's recorded layout and time zone (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LakeIdentity {
    pub format_version: u32,
    /// A layout name (`hive-ndjson`, `bio-lakehouse`).
    pub layout: String,
    /// An IANA time zone name: the zone the lake's days are local to.
    pub timezone: String,
    /// When this was recorded (or last changed by `migrate`).
    pub recorded_at: jiff::Timestamp,
    /// A `migrate` under way, if any: every sync is refused until it is finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<Migration>,
}

/// A migration under way: where the lake is going, and the types already re-filed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    pub layout: String,
    pub timezone: String,
    /// The types whose objects are all re-filed.
    #[serde(default)]
    pub done: Vec<String>,
}

impl LakeIdentity {
    /// The whole record as JSON text (the local file's body, the DynamoDB item's `identity`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain data serialises")
    }

    /// Reads the record from its JSON text; `what` names where it came from for the error.
    pub fn from_json(text: &[u8], what: &str) -> anyhow::Result<Self> {
        serde_json::from_slice(text).with_context(|| {
            format!("the lake's identity record {what} is damaged; run `oura-sync repair`")
        })
    }

    /// The attributes of the DynamoDB item besides its keys: the record as JSON, and its
    /// values as plain attributes for a person reading the table.
    #[cfg(feature = "aws")]
    pub fn attributes(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("identity".to_string(), AttributeValue::S(self.to_json())),
            ("layout".to_string(), AttributeValue::S(self.layout.clone())),
            ("timezone".to_string(), AttributeValue::S(self.timezone.clone())),
            ("format_version".to_string(), AttributeValue::N(self.format_version.to_string())),
        ])
    }

    /// Reads the record from a DynamoDB item written with [`attributes`](Self::attributes).
    #[cfg(feature = "aws")]
    pub fn from_item(item: &HashMap<String, AttributeValue>, what: &str) -> anyhow::Result<Self> {
        match item.get("identity") {
            Some(AttributeValue::S(text)) => Self::from_json(text.as_bytes(), what),
            _ => anyhow::bail!(
                "the lake's identity item {what} has no `identity` attribute; run `oura-sync repair`"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record reads back as written, through JSON and through a DynamoDB item, with and
    /// without a migration under way.
    #[test]
    fn the_record_reads_back_as_written() {
        let mut identity = LakeIdentity {
            format_version: FORMAT_VERSION,
            layout: "hive-ndjson".into(),
            timezone: "Asia/Tokyo".into(),
            recorded_at: "2026-12-03T10:00:00Z".parse().unwrap(),
            migration: None,
        };
        assert!(!identity.to_json().contains("migration"));
        assert_eq!(LakeIdentity::from_json(identity.to_json().as_bytes(), "x").unwrap(), identity);
        identity.migration = Some(Migration {
            layout: "hive-ndjson".into(),
            timezone: "UTC".into(),
            done: vec!["heartrate".into()],
        });
        #[cfg(feature = "aws")]
        assert_eq!(LakeIdentity::from_item(&identity.attributes(), "x").unwrap(), identity);
        let err = LakeIdentity::from_json(b"{\"layout\":", "in f").unwrap_err();
        assert!(format!("{err:#}").contains("oura-sync repair"));
    }
}
