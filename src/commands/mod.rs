//! One module per subcommand, each glue between the resolved configuration and the library,
//! plus the backend choice they share.

pub mod auth;
pub mod dashboard;
pub mod doctor;
pub mod help;
pub mod mcp;
pub mod refresh;
pub mod silver;
pub mod status;
pub mod sync;

use crate::auth::AnyTokenStore;
use crate::aws::{AwsClients, AwsConfig};
use crate::config::{Config, LakeConfig, LakePlace, SilverPlace};
use crate::error::UserError;
use crate::ledger::{AnyLedger, DynamoLedger, IngestionLog, LakeNames, LocalLedger, TableForm};
use crate::silver::store::{AnySilver, LocalSilver, S3Silver, SilverStore};
use crate::store::{AnyStore, LocalStore, S3Store};

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

/// The AWS clients of one command: built the first time a backend needs them, and only once,
/// so that a command whose lake, ledger and silver are all in AWS resolves its credentials
/// once (see [`crate::aws`]).
pub struct Aws<'a> {
    config: &'a AwsConfig,
    clients: tokio::sync::OnceCell<AwsClients>,
}

impl<'a> Aws<'a> {
    /// Nothing is built until [`Aws::clients`] is first called.
    pub fn new(config: &'a AwsConfig) -> Self {
        Self { config, clients: tokio::sync::OnceCell::new() }
    }

    /// The clients, built on the first call.
    pub async fn clients(&self) -> anyhow::Result<&AwsClients> {
        self.clients.get_or_try_init(|| AwsClients::load(self.config)).await
    }
}

/// Where the login is kept: the token store of the configuration (today the tokens file).
pub fn token_store(config: &Config) -> AnyTokenStore {
    AnyTokenStore::file(config.tokens_file.clone())
}

/// The store and ledger of a lake: the DynamoDB ledger whenever `OURA_DYNAMODB_TABLE` is set
/// (CONTRACT §2), else the local ledger beside a local lake, in the form the table's keys ask
/// for (see [`table_ledger`]). AWS clients are built only when a backend needs them.
pub async fn backends(lake: &LakeConfig, aws: &Aws<'_>) -> anyhow::Result<(AnyStore, AnyLedger)> {
    let layout = lake.layout.clone();
    match &lake.place {
        LakePlace::Local { root, ledger_table } => {
            let ledger = match ledger_table {
                None => AnyLedger::Local(LocalLedger::for_lake(root)),
                Some(table) => {
                    let clients = aws.clients().await?;
                    let names = || LakeNames::local(root, layout.clone());
                    table_ledger(clients.dynamodb.clone(), table, names).await?
                }
            };
            Ok((AnyStore::Local(LocalStore::new(root).with_layout(layout)), ledger))
        }
        LakePlace::S3 { bucket, prefix, encryption, ledger_table } => {
            let clients = aws.clients().await?;
            let names = || Ok(LakeNames::s3(bucket, prefix, layout.clone()));
            let ledger = table_ledger(clients.dynamodb.clone(), ledger_table, names).await?;
            let store = S3Store::new(clients.s3.clone(), bucket, prefix, encryption.clone());
            Ok((AnyStore::S3(store.with_layout(layout)), ledger))
        }
    }
}

/// The ledger in the DynamoDB table `table`, in the form its key schema asks for: the pk/sk
/// items, or the ingestion log naming the lake's objects with `names`. Any other key schema,
/// or a table that cannot be described, is a usage error.
async fn table_ledger(
    client: aws_sdk_dynamodb::Client,
    table: &str,
    names: impl FnOnce() -> anyhow::Result<LakeNames>,
) -> anyhow::Result<AnyLedger> {
    Ok(match TableForm::describe(&client, table).await? {
        TableForm::PkSk => AnyLedger::Dynamo(DynamoLedger::new(client, table).described()),
        TableForm::IngestionLog(sort_key) => AnyLedger::IngestionLog(
            IngestionLog::new(client, table, sort_key, names()?).described(),
        ),
    })
}

/// The silver store of `place`, checked before any data moves (a problem is exit 2).
pub async fn silver_backend(place: &SilverPlace, aws: &Aws<'_>) -> anyhow::Result<AnySilver> {
    let silver = match place {
        SilverPlace::Local(root) => AnySilver::Local(LocalSilver::new(root)),
        SilverPlace::S3 { bucket, prefix, encryption } => {
            let clients = aws.clients().await?;
            AnySilver::S3(S3Silver::new(clients.s3.clone(), bucket, prefix, encryption.clone()))
        }
    };
    silver.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    Ok(silver)
}

/// The silver store of `place` for a command that only reads: silver saves reads, so one that
/// cannot be reached is a warning and `None` (everything is read from bronze, the same).
pub async fn readable_silver(place: Option<&SilverPlace>, aws: &Aws<'_>) -> Option<AnySilver> {
    match silver_backend(place?, aws).await {
        Ok(silver) => Some(silver),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "Reading bronze only: silver cannot be read.");
            None
        }
    }
}
