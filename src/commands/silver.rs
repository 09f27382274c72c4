//! `oura-sync silver`: rebuild the silver tables of a window (default: the whole lake) from
//! the bronze lake alone, with no Oura request: a lake that existed before silver, or after a
//! schema change. A local lake is read from its folders (no ledger needed); an S3 lake through
//! its ledger.

use std::io::Write;

use jiff::ZonedDateTime;
use jiff::civil::Date;

use crate::cli::SilverArgs;
use crate::config::{Destination, Settings, parse_date, resolve_types};
use crate::error::{EXIT_FAILED, EXIT_OK, UserError};
use crate::ledger::Ledger;
use crate::lock::RunLock;
use crate::silver::bronze::BronzeSource;
use crate::silver::store::SilverStore;
use crate::silver::{self, Mode};
use crate::store::{AnyStore, LocalStore};
use crate::window::Window;

/// The first day a rebuild looks at when `--from` is not given (Oura's API has nothing older).
const EARLIEST: Date = Date::constant(2013, 1, 1);

/// Runs `silver` and returns the exit code.
pub async fn exec(args: &SilverArgs, settings: &Settings) -> anyhow::Result<u8> {
    let timezone = settings.timezone()?;
    let today = ZonedDateTime::now().with_time_zone(timezone).date();
    let start = args.from.as_deref().map(|d| parse_date("--from", d)).transpose()?;
    let end = args.to.as_deref().map(|d| parse_date("--to", d)).transpose()?.unwrap_or(today);
    let start = start.unwrap_or(EARLIEST);
    if start > end {
        return Err(UserError::usage(format!(
            "--from {start} is after --to {end}; give the earlier day first"
        )));
    }
    let window = Window::new(start, end);
    let types = resolve_types(args.types.as_deref(), settings)?;
    let destination = settings.destination(args.dest.as_deref())?;
    let Some(silver) =
        super::silver_backend(args.silver_dest.as_deref(), &destination, settings).await?
    else {
        return Err(UserError::usage(
            "silver is off (OURA_SILVER=off, or an S3 lake without OURA_SILVER_DESTINATION); \
             set OURA_SILVER_DESTINATION or pass --silver-dest",
        ));
    };
    let lock_wait = RunLock::timeout_from(settings)?;
    let report = match &destination {
        Destination::Local(root) => {
            let store = AnyStore::Local(LocalStore::new(root));
            let _lock =
                RunLock::acquire(&RunLock::path_for(&settings.tokens_file()), lock_wait).await?;
            let source = BronzeSource::Folders { store: &store, root: root.clone() };
            silver::update(&silver, &source, &types, window, Mode::Rebuild).await
        }
        Destination::S3 { .. } => {
            let (store, ledger) = super::backends(&destination, settings).await?;
            ledger.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
            let _lock =
                RunLock::acquire(&RunLock::path_for(&settings.tokens_file()), lock_wait).await?;
            let source = BronzeSource::Ledger { ledger: &ledger, store: &store };
            silver::update(&silver, &source, &types, window, Mode::Rebuild).await
        }
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        match &report.error {
            None => writeln!(
                out,
                "✅ silver: {} month files written ({} rows) in {}",
                report.months_written,
                report.rows_written,
                silver.describe()
            )?,
            Some(error) => writeln!(
                out,
                "❌ silver failed: {error} ({} month files written in {})",
                report.months_written,
                silver.describe()
            )?,
        }
    }
    Ok(if report.failed() { EXIT_FAILED } else { EXIT_OK })
}
