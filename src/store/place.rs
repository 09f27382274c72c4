//! Where a lake is, as the configuration resolves it: the lake's place and layout, and its
//! silver tables' place. [`super::lake`] opens them.

use std::path::PathBuf;
use std::sync::Arc;

use super::byte_store::Encryption;
use super::layout::Layout;

/// The lake: where it is, with its ledger and encryption, and how its objects are laid out.
#[derive(Debug, Clone)]
pub struct LakeConfig {
    pub place: LakePlace,
    /// `OURA_LAYOUT`/`--layout` (default `hive-ndjson`).
    pub layout: Arc<dyn Layout>,
    /// True when the layout was set (flag, environment, env file) rather than defaulted: a
    /// run then refuses a lake recorded with another ([`crate::lake_identity`]).
    pub layout_explicit: bool,
}

/// Where the lake and its ledger are. `ledger_table` is `OURA_DYNAMODB_TABLE`, the DynamoDB
/// ledger; a local lake without one keeps its ledger beside it, and an S3 lake always has one
/// (its ledger could live nowhere but on this machine, and the lake and its catalogue would
/// drift apart as soon as a second machine or a fresh checkout synced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LakePlace {
    Local { root: PathBuf, ledger_table: Option<String> },
    S3 { bucket: String, prefix: String, encryption: Encryption, ledger_table: String },
}

/// Where the silver tables live (`OURA_SILVER_DESTINATION`, `--silver-dest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SilverPlace {
    Local(PathBuf),
    /// Encrypted as the lake's `OURA_S3_SSE` says.
    S3 {
        bucket: String,
        prefix: String,
        encryption: Encryption,
    },
}
