//! One module per subcommand, each glue between the resolved configuration and the library,
//! plus the backend choice they share.

pub mod auth;
pub mod refresh;
pub mod status;
pub mod sync;

use crate::aws::{AwsClients, AwsConfig};
use crate::config::{Destination, LakeConfig};
use crate::ledger::{AnyLedger, DynamoLedger, LocalLedger};
use crate::store::{AnyStore, LocalStore, S3Store};

/// The store and ledger of a lake.
///
/// The ledger is the DynamoDB table `OURA_DYNAMODB_TABLE` whenever that is set (CONTRACT §2),
/// else the local ledger beside a local lake (the configuration has already refused an S3
/// lake without a table). AWS clients are built only when a backend needs them, once.
pub async fn backends(lake: &LakeConfig, aws: &AwsConfig) -> anyhow::Result<(AnyStore, AnyLedger)> {
    let clients = match (&lake.destination, &lake.ledger_table) {
        (Destination::Local(_), None) => None,
        _ => Some(AwsClients::load(aws).await?),
    };
    let store = match &lake.destination {
        Destination::Local(root) => {
            AnyStore::Local(LocalStore::new(root).with_layout(lake.layout.clone()))
        }
        Destination::S3 { bucket, prefix } => {
            let s3 = clients.as_ref().expect("built for an S3 lake").s3.clone();
            AnyStore::S3(
                S3Store::new(s3, bucket, prefix, lake.encryption.clone())
                    .with_layout(lake.layout.clone()),
            )
        }
    };
    let ledger = match (&lake.ledger_table, &lake.destination) {
        (Some(table), _) => {
            let dynamodb = clients.expect("built for a DynamoDB ledger").dynamodb;
            AnyLedger::Dynamo(DynamoLedger::new(dynamodb, table))
        }
        (None, Destination::Local(root)) => AnyLedger::Local(LocalLedger::for_lake(root)),
        (None, Destination::S3 { .. }) => {
            unreachable!("the configuration refuses an S3 lake without OURA_DYNAMODB_TABLE")
        }
    };
    Ok((store, ledger))
}
