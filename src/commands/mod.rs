//! One module per subcommand, each glue between the resolved configuration and the library,
//! plus the backend choice they share.

pub mod athena;
pub mod auth;
pub mod dashboard;
pub mod doctor;
pub mod help;
pub mod interrupt;
#[cfg(feature = "aws")]
pub mod lambda;
pub mod mcp;
pub mod migrate;
pub mod refresh;
pub mod repair;
pub mod serve;
#[cfg(feature = "parquet")]
pub mod silver;
pub mod status;
pub mod sync;
pub mod tokens;
pub mod webhooks;

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
        #[cfg(feature = "aws")]
        StoreUri::SecretsManager(id) => {
            AnyTokenStore::secrets_manager(aws.clients().await?.secretsmanager.clone(), id)
        }
        #[cfg(feature = "aws")]
        StoreUri::DynamoDb(table) => {
            AnyTokenStore::dynamodb(aws.clients().await?.dynamodb.clone(), table)
        }
        #[cfg(not(feature = "aws"))]
        StoreUri::SecretsManager(_) | StoreUri::DynamoDb(_) => {
            let _ = aws;
            return Err(crate::features::Feature::Aws.missing("Secrets Manager or DynamoDB"));
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

/// Brings the silver tables at `place` up to date after `migrate` or `repair` changed the
/// bronze days of `types` within `span` of `lake` (its store and ledger); the silver error, if
/// any, for the summary. Nothing to do without silver (or in a build without it).
pub async fn refresh_silver(
    place: Option<&crate::config::SilverPlace>,
    aws: &Aws<'_>,
    lake: (&crate::store::AnyStore, &crate::ledger::AnyLedger),
    types: &[crate::datatype::DataType],
    span: Option<crate::window::Window>,
) -> anyhow::Result<Option<String>> {
    let (Some(place), Some(span)) = (place, span) else { return Ok(None) };
    #[cfg(feature = "parquet")]
    {
        let silver = silver_backend(place, aws).await?;
        let (store, ledger) = lake;
        let source = crate::silver::bronze::BronzeSource::Ledger { ledger, store };
        let mode = crate::silver::Mode::Update;
        Ok(crate::silver::bio::update(&silver, &source, types, span, mode).await.error)
    }
    #[cfg(not(feature = "parquet"))]
    {
        // The configuration refuses silver in a build without it; nothing can be here.
        let _ = (place, span, aws, lake, types);
        Ok(None)
    }
}
