//! `oura-sync repair`: rebuild the ledger's day entries from the lake's own objects
//! ([`crate::ops::repair`]), then the silver months of what changed, under the lake's locks.

use crate::auth::TokenStore;
use crate::config::{Config, LakeWork};
use crate::datatype::DataType;
use crate::error::{EXIT_FAILED, EXIT_OK};
use crate::ops::repair;
use crate::store::{ObjectStore, lock_run};

/// Runs `repair` and returns the exit code.
pub async fn exec(config: &Config, work: &LakeWork) -> anyhow::Result<u8> {
    super::require_existing_lake(&work.lake.place)?;
    let aws = super::Aws::new(&config.aws);
    let login = super::token_store(config, &aws).await?.lock_runs(work.lock_timeout).await?;
    let _locks = lock_run(login, work.lake_lock.as_ref()).await?;
    let (store, ledger) = super::backends(&work.lake, &aws).await?;
    let run_id = format!("repair-{}", uuid::Uuid::new_v4());
    let report = repair::rebuild(&store, &ledger, DataType::ALL, &run_id).await?;
    for aside in &report.set_aside {
        tracing::warn!(kept_as = %aside, "A damaged ledger file was moved aside and rebuilt.");
    }
    for key in &report.missing_objects {
        tracing::warn!(%key, "The ledger lists an object the lake does not hold; kept its entry (sync that day again to fetch it).");
    }
    for object in &report.damaged_objects {
        tracing::error!(%object, "A lake object does not decode; it is not listed.");
    }
    let silver_error = super::refresh_silver(
        work.silver.as_ref(),
        &aws,
        (&store, &ledger),
        DataType::ALL,
        report.span,
    )
    .await?;
    print_summary(&report, &store.describe(), silver_error.as_deref())?;
    Ok(if report.damaged_objects.is_empty() && silver_error.is_none() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

fn print_summary(
    report: &repair::RepairReport,
    lake: &str,
    silver_error: Option<&str>,
) -> anyhow::Result<()> {
    crate::stdout::print_with(|out| {
        writeln!(
            out,
            "{} repair of {lake}: {} day entries rebuilt from the lake's objects, {} already right, {} damaged objects, {} entries without an object (kept)",
            if report.damaged_objects.is_empty() { "✅" } else { "❌" },
            report.entries_written,
            report.entries_kept,
            report.damaged_objects.len(),
            report.missing_objects.len(),
        )?;
        if let Some(error) = silver_error {
            writeln!(out, "❌ silver: {error}")?;
        }
        Ok(())
    })
}
