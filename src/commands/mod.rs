//! One module per subcommand, each glue between the resolved configuration and the library,
//! plus the backend choice they share.

pub mod auth;
pub mod dashboard;
pub mod doctor;
pub mod help;
pub mod refresh;
pub mod status;
pub mod sync;

use crate::aws::{AwsClients, AwsConfig};
use crate::config::{LakeConfig, LakePlace};
use crate::ledger::{AnyLedger, DynamoLedger, LocalLedger};
use crate::store::{AnyStore, LocalStore, S3Store};

/// The store and ledger of a lake: the DynamoDB ledger whenever `OURA_DYNAMODB_TABLE` is set
/// (CONTRACT §2), else the local ledger beside a local lake. AWS clients are built only when a
/// backend needs them, once.
pub async fn backends(lake: &LakeConfig, aws: &AwsConfig) -> anyhow::Result<(AnyStore, AnyLedger)> {
    let layout = lake.layout.clone();
    match &lake.place {
        LakePlace::Local { root, ledger_table } => {
            let ledger = match ledger_table {
                None => AnyLedger::Local(LocalLedger::for_lake(root)),
                Some(table) => {
                    let clients = AwsClients::load(aws).await?;
                    AnyLedger::Dynamo(DynamoLedger::new(clients.dynamodb, table))
                }
            };
            Ok((AnyStore::Local(LocalStore::new(root).with_layout(layout)), ledger))
        }
        LakePlace::S3 { bucket, prefix, encryption, ledger_table } => {
            let clients = AwsClients::load(aws).await?;
            let store = S3Store::new(clients.s3, bucket, prefix, encryption.clone());
            let ledger = DynamoLedger::new(clients.dynamodb, ledger_table);
            Ok((AnyStore::S3(store.with_layout(layout)), AnyLedger::Dynamo(ledger)))
        }
    }
}
