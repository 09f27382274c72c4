//! What a function may write to: S3 (the lake, silver), DynamoDB (the ledger), and files
//! under `/tmp` only (the rest of a Lambda file system is read-only, and `/tmp` goes with the
//! execution environment). Checked once at start, so a setting that would write elsewhere is
//! an init error naming it instead of a failure halfway through the first sync.

use std::path::{Component, Path};

use crate::config::{LakePlace, SilverPlace, SyncConfig};
use crate::error::UserError;

/// The only directory a function writes files in.
pub const TMP: &str = "/tmp";

/// Checks the places a sync of `sync` writes to; `tokens_file` is the file the login lives
/// in (and its lock beside it), `None` when the login is kept elsewhere.
pub fn check(sync: &SyncConfig, tokens_file: Option<&Path>) -> anyhow::Result<()> {
    if let LakePlace::Local { root, .. } = &sync.lake.place {
        return Err(UserError::usage(format!(
            "OURA_DESTINATION `{}` is not s3://: a Lambda function keeps no files (it writes \
             only under /tmp, which goes with it); set OURA_DESTINATION=s3://BUCKET/PREFIX",
            root.display()
        )));
    }
    if let Some(SilverPlace::Local(root)) = &sync.silver {
        return Err(UserError::usage(format!(
            "OURA_SILVER_DESTINATION `{}` is not s3://: a Lambda function keeps no files; set \
             it to s3://BUCKET/PREFIX, or OURA_SILVER=off",
            root.display()
        )));
    }
    if let Some(file) = tokens_file
        && !under_tmp(file)
    {
        return Err(UserError::usage(format!(
            "OURA_TOKENS_FILE `{}` is outside /tmp: a Lambda function may write only under \
             /tmp (the login is rewritten at each refresh, and its lock lives beside it); set \
             OURA_TOKENS_FILE=/tmp/oura-tokens.json",
            file.display()
        )));
    }
    Ok(())
}

/// True if and only if `path` is absolute, below `/tmp`, and climbs no `..`.
pub fn under_tmp(path: &Path) -> bool {
    path.starts_with(TMP)
        && path != Path::new(TMP)
        && !path.components().any(|c| matches!(c, Component::ParentDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only absolute paths strictly inside /tmp that never climb out count as /tmp.
    #[test]
    fn only_paths_inside_tmp_are_writable() {
        for inside in ["/tmp/oura-tokens.json", "/tmp/a/b.json"] {
            assert!(under_tmp(Path::new(inside)), "{inside}");
        }
        for outside in [
            ".oura-tokens.json",
            "tmp/x",
            "/tmp",
            "/tmpfoo/x",
            "/tmp/../etc/x",
            "/var/task/x",
            "/home/sbx_user1051/.oura-tokens.json",
        ] {
            assert!(!under_tmp(Path::new(outside)), "{outside}");
        }
    }
}
