//! One module per subcommand, each glue between the resolved configuration and the library,
//! plus the backend choice they share.

pub mod athena;
pub mod auth;
pub mod dashboard;
pub mod doctor;
pub mod help;
pub mod interrupt;
pub mod mcp;
pub mod migrate;
pub mod refresh;
pub mod repair;
pub mod silver;
pub mod status;
pub mod sync;
pub mod tokens;

pub use crate::aws::Aws;
pub use crate::store::lake::{backends, silver_backend};

use crate::auth::AnyTokenStore;
use crate::auth::store::StoreUri;
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

/// [`require_existing_lake`] for a lake the user named (`--dest`, `OURA_DESTINATION`): a
/// typo must not pass for an empty lake. The default `./oura-lake` not made yet means
/// "nothing synced yet", which each reading command says in its own way.
pub fn require_named_lake(place: &LakePlace) -> anyhow::Result<()> {
    let default = matches!(place, LakePlace::Local { root, .. }
        if root == std::path::Path::new(crate::config::table::DEFAULT_DESTINATION));
    if default { Ok(()) } else { require_existing_lake(place) }
}

/// Where the login is kept: the token store of the configuration (`OURA_TOKEN_STORE`, else
/// the tokens file). An AWS store shares `aws`'s clients, built on first use.
pub async fn token_store(config: &Config, aws: &Aws<'_>) -> anyhow::Result<AnyTokenStore> {
    open_store(&config.token_store, aws).await
}

/// The token store at `uri`.
pub async fn open_store(uri: &StoreUri, aws: &Aws<'_>) -> anyhow::Result<AnyTokenStore> {
    Ok(match uri {
        StoreUri::File(path) => AnyTokenStore::file(path.clone()),
        StoreUri::SecretsManager(id) => {
            AnyTokenStore::secrets_manager(aws.clients().await?.secretsmanager.clone(), id)
        }
        StoreUri::DynamoDb(table) => {
            AnyTokenStore::dynamodb(aws.clients().await?.dynamodb.clone(), table)
        }
    })
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
