//! One person's lake as a run sees it: the byte store of its day objects, the ledger that
//! catalogues them, its silver tables and its lock, opened together from the lake's config.

use std::path::PathBuf;
use std::time::Duration;

use crate::auth::store::LoginLock;
use crate::aws::Aws;
use crate::error::UserError;
#[cfg(not(feature = "aws"))]
use crate::features::Feature;
use crate::ledger::{AnyLedger, Ledger, LocalLedger};
#[cfg(feature = "aws")]
use crate::ledger::{DynamoLedger, IngestionLog, TableForm};
use crate::lock::RunLock;
use crate::store::place::{LakeConfig, LakePlace, SilverPlace};
use crate::store::silver::SilverTables;
use crate::store::{AnyStore, LocalStore, ObjectStore};
#[cfg(feature = "aws")]
use crate::store::{LakeNames, S3Store};

/// A lake, opened (see the module doc).
pub struct Lake {
    pub store: AnyStore,
    pub ledger: AnyLedger,
    /// Where silver goes; `None` when it is off.
    pub silver: Option<SilverTables>,
}

impl Lake {
    /// Opens the lake of `config` (its store and ledger) and, when given, its silver tables,
    /// each checked before any data moves (a problem is a usage error, exit 2).
    pub async fn open(
        config: &LakeConfig,
        silver: Option<&SilverPlace>,
        aws: &Aws<'_>,
    ) -> anyhow::Result<Self> {
        let (store, ledger) = backends(config, aws).await?;
        store.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
        ledger.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
        let silver = match silver {
            Some(place) => Some(silver_backend(place, aws).await?),
            None => None,
        };
        Ok(Self { store, ledger, silver })
    }
}

/// The lock of one local lake: one writer at a time, whatever tokens file a run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeLock {
    /// `<lake>/_ledger/.oura-sync.lock`.
    pub path: PathBuf,
    /// `OURA_LOCK_TIMEOUT`: how long to wait for another run to release it.
    pub wait: Duration,
}

/// The locks a writing run holds, released together when dropped.
#[derive(Debug)]
pub struct RunLocks {
    _login: LoginLock,
    _lake: Option<RunLock>,
}

/// Takes the lake's own lock (`lake`, a local lake's) after the login's (`login`, taken
/// through the token store: the caller must hold it first), the one order every command takes
/// them in, so that two commands never each hold one while waiting for the other. Waits up
/// to the lake lock's `wait`.
pub async fn lock_run(login: LoginLock, lake: Option<&LakeLock>) -> anyhow::Result<RunLocks> {
    let lake = match lake {
        Some(lock) => Some(RunLock::acquire(&lock.path, lock.wait).await?),
        None => None,
    };
    Ok(RunLocks { _login: login, _lake: lake })
}

/// The store and ledger of a lake: the DynamoDB ledger whenever `OURA_DYNAMODB_TABLE` is set
/// (CONTRACT §2), else the local ledger beside a local lake, in the form the table's keys ask
/// for (see [`table_ledger`]). AWS clients are built only when a backend needs them.
#[cfg_attr(not(feature = "aws"), allow(unused_variables))]
pub async fn backends(lake: &LakeConfig, aws: &Aws<'_>) -> anyhow::Result<(AnyStore, AnyLedger)> {
    let layout = lake.layout.clone();
    match &lake.place {
        LakePlace::Local { root, ledger_table } => {
            let ledger = match ledger_table {
                None => AnyLedger::Local(LocalLedger::for_lake(root)),
                #[cfg(not(feature = "aws"))]
                Some(_) => return Err(Feature::Aws.missing("DynamoDB (OURA_DYNAMODB_TABLE)")),
                #[cfg(feature = "aws")]
                Some(table) => {
                    let clients = aws.clients().await?;
                    let names = || LakeNames::local(root, layout.clone());
                    table_ledger(clients.dynamodb.clone(), table, names).await?
                }
            };
            Ok((AnyStore::Local(LocalStore::new(root).with_layout(layout)), ledger))
        }
        #[cfg(not(feature = "aws"))]
        LakePlace::S3 { .. } => Err(Feature::Aws.missing("S3")),
        #[cfg(feature = "aws")]
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
#[cfg(feature = "aws")]
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
#[cfg_attr(not(feature = "aws"), allow(unused_variables))]
pub async fn silver_backend(place: &SilverPlace, aws: &Aws<'_>) -> anyhow::Result<SilverTables> {
    let silver = match place {
        SilverPlace::Local(root) => SilverTables::local(root),
        #[cfg(not(feature = "aws"))]
        SilverPlace::S3 { .. } => return Err(Feature::Aws.missing("S3")),
        #[cfg(feature = "aws")]
        SilverPlace::S3 { bucket, prefix, encryption } => {
            let clients = aws.clients().await?;
            SilverTables::s3(clients.s3.clone(), bucket, prefix, encryption.clone())
        }
    };
    silver.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    Ok(silver)
}
