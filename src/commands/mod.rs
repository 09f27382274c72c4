//! One module per subcommand, each glue between the parsed command line and the library, plus
//! the backend choice they share.

pub mod auth;
pub mod help;
pub mod refresh;
pub mod status;
pub mod sync;

use crate::aws::AwsClients;
use crate::config::{Destination, Settings};
use crate::error::UserError;
use crate::ledger::{AnyLedger, DynamoLedger, LocalLedger};
use crate::store::s3::Encryption;
use crate::store::{AnyStore, LocalStore, S3Store};

/// The store and ledger of a destination.
///
/// The ledger is the DynamoDB table `OURA_DYNAMODB_TABLE` whenever that is set (CONTRACT §2),
/// else the local ledger beside a local lake. An S3 lake without a table is a usage error:
/// its ledger could live nowhere but on this machine, and the lake and its catalogue would
/// drift apart as soon as a second machine or a fresh checkout synced. AWS clients are built
/// only when a backend needs them, once.
pub async fn backends(
    destination: &Destination,
    settings: &Settings,
) -> anyhow::Result<(AnyStore, AnyLedger)> {
    let table = settings.get("OURA_DYNAMODB_TABLE");
    match destination {
        Destination::Local(root) => {
            let ledger = match table {
                None => AnyLedger::Local(LocalLedger::for_lake(root)),
                Some(table) => {
                    let aws = AwsClients::load(settings).await?;
                    AnyLedger::Dynamo(DynamoLedger::new(aws.dynamodb, &table))
                }
            };
            Ok((AnyStore::Local(LocalStore::new(root)), ledger))
        }
        Destination::S3 { bucket, prefix } => {
            let encryption = Encryption::from_settings(settings)?;
            let Some(table) = table else {
                return Err(UserError::usage(format!(
                    "destination {destination} needs OURA_DYNAMODB_TABLE, the DynamoDB ledger of \
                     an S3 lake; create the table with scripts/aws-bootstrap.sh and set \
                     OURA_DYNAMODB_TABLE"
                )));
            };
            let aws = AwsClients::load(settings).await?;
            let store = AnyStore::S3(S3Store::new(aws.s3, bucket, prefix, encryption));
            Ok((store, AnyLedger::Dynamo(DynamoLedger::new(aws.dynamodb, &table))))
        }
    }
}
