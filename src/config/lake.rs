//! Where the lake and its silver tables are: `--dest`/`OURA_DESTINATION`, the ledger table,
//! the layout, `OURA_SILVER*`, and the lake's own lock.

use super::*;
use crate::features::Feature;

impl LakePlace {
    /// The destination as a user writes it (`./oura-lake`, `s3://bucket/prefix`).
    pub fn destination(&self) -> Destination {
        match self {
            LakePlace::Local { root, .. } => Destination::Local(root.clone()),
            LakePlace::S3 { bucket, prefix, .. } => {
                Destination::S3 { bucket: bucket.clone(), prefix: prefix.clone() }
            }
        }
    }
}

/// Where the lake is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A local directory.
    Local(PathBuf),
    /// `s3://bucket/prefix`.
    S3 { bucket: String, prefix: String },
}

impl Destination {
    /// Parses `s3://bucket[/prefix]` or a local path.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(UserError::usage(format!(
                    "destination `{text}` has no bucket; write s3://BUCKET/PREFIX"
                )));
            }
            return Ok(Destination::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
            });
        }
        if text.contains("://") {
            return Err(UserError::usage(format!(
                "destination `{text}` is neither a local directory nor s3://BUCKET/PREFIX"
            )));
        }
        Ok(Destination::Local(PathBuf::from(text)))
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::Local(path) => write!(f, "{}", path.display()),
            Destination::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Destination::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// The lock of the lake at `place`, for a command that writes it: one writer per lake, as a
/// local lake has a lock of its own whatever tokens file a run uses. An S3 lake needs none:
/// its DynamoDB ledger keeps each day as its own item, so concurrent writers lose no entry.
pub(super) fn lake_lock(place: &LakePlace, wait: Duration) -> Option<LakeLock> {
    match place {
        LakePlace::Local { root, .. } => {
            Some(LakeLock { path: RunLock::path_for_lake(root), wait })
        }
        LakePlace::S3 { .. } => None,
    }
}

/// Where silver goes, or `None` when it is off: `OURA_SILVER_DESTINATION` (`--silver-dest`),
/// else `<lake>/_silver` for a local lake; an S3 lake has no default (off unless set).
/// `OURA_SILVER=off` turns it off unless `--silver-dest` names a place. An S3 silver is
/// encrypted as `OURA_S3_SSE` says.
pub fn silver_place(
    sources: &Sources<'_>,
    lake: &LakePlace,
) -> anyhow::Result<Option<SilverPlace>> {
    let switch = match sources.value("OURA_SILVER").map(|v| v.to_ascii_lowercase()) {
        None => None,
        Some(v) if ["on", "true", "1", "yes"].contains(&v.as_str()) => Some(true),
        Some(v) if ["off", "false", "0", "no"].contains(&v.as_str()) => Some(false),
        Some(v) => return Err(UserError::usage(format!("OURA_SILVER `{v}` must be on or off"))),
    };
    let named = sources.get("OURA_SILVER_DESTINATION");
    let from_flag = named.as_ref().is_some_and(|r| matches!(r.source, Source::Flag(_)));
    if switch == Some(false) && !from_flag {
        return Ok(None);
    }
    let named = named.map(|r| r.value);
    if !Feature::Parquet.built() && named.is_none() && switch.is_none() {
        return Ok(None);
    }
    let destination = match (named, lake) {
        (Some(text), _) => Destination::parse(&text)?,
        (None, LakePlace::Local { root, .. }) => Destination::Local(root.join(SILVER_DIR)),
        (None, LakePlace::S3 { .. }) if switch == Some(true) => {
            return Err(UserError::usage(
                "OURA_SILVER is on but an S3 lake has no default silver destination; set \
                 OURA_SILVER_DESTINATION (a directory or s3://BUCKET/PREFIX)",
            ));
        }
        (None, LakePlace::S3 { .. }) => return Ok(None),
    };
    // A build without Parquet has no silver: off unless asked for, and refused when asked.
    Feature::Parquet.require("silver (Parquet)")?;
    let place = match destination {
        Destination::Local(root) => SilverPlace::Local(root),
        Destination::S3 { bucket, prefix } => {
            Feature::Aws.require("S3")?;
            SilverPlace::S3 {
                bucket,
                prefix,
                encryption: Encryption::parse(
                    sources.value("OURA_S3_SSE").as_deref(),
                    sources.value("OURA_S3_KMS_KEY_ID"),
                )?,
            }
        }
    };
    // With the bio-lakehouse layout the typed tables move under a folder of their own.
    #[cfg(feature = "parquet")]
    let place = crate::silver::bio::typed_place(place, layout_of(sources)?.name());
    Ok(Some(place))
}

/// The lake of `OURA_DESTINATION`/`--dest` (when neither is set but bio-lakehouse's
/// `BRONZE_BUCKET` is, `s3://$BRONZE_BUCKET/oura`, where its `oura-sync.sh` wrote), laid out
/// by `OURA_LAYOUT`/`--layout`; an S3 lake needs `OURA_DYNAMODB_TABLE` (see [`LakePlace`]).
pub(super) fn lake_config(sources: &Sources<'_>) -> anyhow::Result<LakeConfig> {
    let destination = sources.get("OURA_DESTINATION").expect("OURA_DESTINATION has a default");
    let destination = match (destination.source, sources.value("BRONZE_BUCKET")) {
        (Source::Default, Some(bucket)) => Destination::S3 { bucket, prefix: "oura".into() },
        _ => Destination::parse(&destination.value)?,
    };
    let layout = layout_of(sources)?;
    let layout_explicit = sources
        .get("OURA_LAYOUT")
        .is_some_and(|resolved| !matches!(resolved.source, Source::Default));
    let ledger_table = sources.value("OURA_DYNAMODB_TABLE");
    let place = match destination {
        Destination::Local(root) => {
            if ledger_table.is_some() {
                Feature::Aws.require("DynamoDB (OURA_DYNAMODB_TABLE)")?;
            }
            LakePlace::Local { root, ledger_table }
        }
        Destination::S3 { bucket, prefix } => {
            Feature::Aws.require("S3")?;
            let encryption = Encryption::parse(
                sources.value("OURA_S3_SSE").as_deref(),
                sources.value("OURA_S3_KMS_KEY_ID"),
            )?;
            let Some(ledger_table) = ledger_table else {
                return Err(UserError::usage(format!(
                    "destination {} needs OURA_DYNAMODB_TABLE, the DynamoDB ledger of an S3 \
                     lake; create the table with scripts/aws-bootstrap.sh and set \
                     OURA_DYNAMODB_TABLE",
                    Destination::S3 { bucket, prefix }
                )));
            };
            LakePlace::S3 { bucket, prefix, encryption, ledger_table }
        }
    };
    Ok(LakeConfig { place, layout, layout_explicit })
}

/// The layout `OURA_LAYOUT`/`--layout` names.
pub(super) fn layout_of(sources: &Sources<'_>) -> anyhow::Result<Arc<dyn Layout>> {
    let resolved = sources.get("OURA_LAYOUT").expect("OURA_LAYOUT has a default");
    by_name(resolved.value.trim()).ok_or_else(|| {
        UserError::usage(format!(
            "{} `{}` is not a layout; use {}",
            label("OURA_LAYOUT", &resolved),
            resolved.value,
            layout::NAMES.join(" or ")
        ))
    })
}
