//! One module per subcommand, each glue between the parsed command line and the library, plus
//! the backend choice they share.

pub mod status;
pub mod sync;

use crate::config::{Destination, Settings};
use crate::error::UserError;
use crate::ledger::{AnyLedger, LocalLedger};
use crate::store::{AnyStore, LocalStore};

/// The store and ledger of a destination.
pub async fn backends(
    destination: &Destination,
    settings: &Settings,
) -> anyhow::Result<(AnyStore, AnyLedger)> {
    match destination {
        Destination::Local(root) => {
            if settings.get("OURA_DYNAMODB_TABLE").is_some() {
                tracing::warn!(
                    "OURA_DYNAMODB_TABLE is ignored for a local lake; its ledger lives beside it."
                );
            }
            Ok((
                AnyStore::Local(LocalStore::new(root)),
                AnyLedger::Local(LocalLedger::for_lake(root)),
            ))
        }
        Destination::S3 { .. } => Err(UserError::usage(format!(
            "destination {destination}: this build of oura-sync writes only to a local directory; \
             give a path with --dest or OURA_DESTINATION"
        ))),
    }
}
