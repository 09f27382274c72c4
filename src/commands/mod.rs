//! One module per subcommand, each glue between the resolved configuration and the library,
//! plus the backend choice they share.

pub mod auth;
pub mod dashboard;
pub mod doctor;
pub mod help;
pub mod interrupt;
pub mod mcp;
pub mod refresh;
#[cfg(feature = "parquet")]
pub mod silver;
pub mod status;
pub mod sync;

pub use crate::aws::Aws;
pub use crate::store::lake::{backends, silver_backend};

use crate::auth::AnyTokenStore;
use crate::config::{Config, LakePlace};
use crate::error::UserError;

/// A reading command (`status`, `silver`) over a local lake that does not exist stops with
/// exit 2: a mistyped `--dest` must not pass for an empty lake, nor leave a new folder behind.
pub fn require_existing_lake(place: &LakePlace) -> anyhow::Result<()> {
    match place {
        LakePlace::Local { root, .. } if root.exists() && !root.is_dir() => Err(UserError::usage(
            format!("{} is a file, not a directory; choose another --dest", root.display()),
        )),
        LakePlace::Local { root, .. } if !root.exists() => Err(UserError::usage(format!(
            "there is no lake at {}; pass the lake's directory with --dest (or \
             OURA_DESTINATION), or make one with `oura-sync sync`",
            root.display()
        ))),
        _ => Ok(()),
    }
}

/// Where the login is kept: the token store of the configuration (today the tokens file).
pub fn token_store(config: &Config) -> AnyTokenStore {
    AnyTokenStore::file(config.tokens_file.clone())
}

/// The silver tables of `place` for a command that only reads: silver saves reads, so tables
/// that cannot be reached are a warning and `None` (everything is read from bronze, the same).
pub async fn readable_silver(
    place: Option<&crate::config::SilverPlace>,
    aws: &Aws<'_>,
) -> Option<crate::store::silver::SilverTables> {
    match silver_backend(place?, aws).await {
        Ok(silver) => Some(silver),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "Reading bronze only: silver cannot be read.");
            None
        }
    }
}
