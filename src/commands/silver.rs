//! `oura-sync silver`: rebuild the silver tables of a window (default: the whole lake) from
//! the bronze lake alone, with no Oura request: a lake that existed before silver, or after a
//! schema change. A local lake is read from its folders (no ledger needed); an S3 lake through
//! its ledger.

use crate::auth::TokenStore;
use crate::config::{Config, LakePlace, SilverCommandConfig};
use crate::error::{EXIT_FAILED, EXIT_OK, UserError};
use crate::ledger::Ledger;
use crate::silver::bronze::BronzeSource;
use crate::silver::{self, Mode, SilverReport};

/// Runs `silver` and returns the exit code.
pub async fn exec(config: &Config, command: &SilverCommandConfig) -> anyhow::Result<u8> {
    super::require_existing_lake(&command.lake.place)?;
    let aws = super::Aws::new(&config.aws);
    let silver = super::silver_backend(&command.silver, &aws).await?;
    let (store, ledger) = super::backends(&command.lake, &aws).await?;
    let source = match &command.lake.place {
        LakePlace::Local { .. } => BronzeSource::Listing { store: &store },
        LakePlace::S3 { .. } => {
            ledger.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
            BronzeSource::Ledger { ledger: &ledger, store: &store }
        }
    };
    // Not at the same time as a sync of the same login or of the same lake, which may be
    // rewriting these months; in a sync's order (the login's lock, then the lake's), so that
    // two commands never each hold one while waiting for the other.
    let login = super::token_store(config, &aws).await?.lock_runs(command.lock_timeout).await?;
    let _locks = crate::store::lock_run(login, command.lake_lock.as_ref()).await?;
    let report =
        silver::bio::update(&silver, &source, &command.types, command.window, Mode::Rebuild).await;
    print_report(&report, command.json)?;
    Ok(if report.failed() { EXIT_FAILED } else { EXIT_OK })
}

/// The version of `silver --json` (docs/silver.schema.json).
const SILVER_SCHEMA_VERSION: u32 = 1;

/// What `silver --json` prints: the report under its schema version.
#[derive(serde::Serialize)]
struct SilverJson<'a> {
    schema_version: u32,
    #[serde(flatten)]
    report: &'a SilverReport,
}

fn print_report(report: &SilverReport, json: bool) -> anyhow::Result<()> {
    crate::stdout::print_with(|out| {
        if json {
            let document = SilverJson { schema_version: SILVER_SCHEMA_VERSION, report };
            serde_json::to_writer_pretty(&mut *out, &document)?;
            writeln!(out)?;
            return Ok(());
        }
        match &report.error {
            None => writeln!(
                out,
                "✅ silver: {} month files written ({} rows) in {}",
                report.months_written, report.rows_written, report.destination
            )?,
            Some(error) => writeln!(
                out,
                "❌ silver failed: {error} ({} month files written in {}); run `oura-sync silver` again",
                report.months_written, report.destination
            )?,
        }
        Ok(())
    })
}
