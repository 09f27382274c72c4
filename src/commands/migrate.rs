//! `oura-sync migrate --timezone Z | --layout L`: re-file the lake's objects under a new
//! time zone or layout ([`crate::ops::migrate`]), then its silver months, under the lake's
//! locks.

use crate::auth::TokenStore;
use crate::config::{Config, LakeConfig, MigrateConfig, MigrateTarget};
use crate::error::{EXIT_OK, UserError};
use crate::lake_identity::{self, Asked};
use crate::ledger::Ledger;
use crate::ops::{migrate, repair};
use crate::store::layout::by_name;
use crate::store::{ObjectStore, lock_run};

/// Runs `migrate` and returns the exit code.
pub async fn exec(config: &Config, command: &MigrateConfig) -> anyhow::Result<u8> {
    let work = &command.work;
    super::require_existing_lake(&work.lake.place)?;
    let aws = super::Aws::new(&config.aws);
    let login = super::token_store(config, &aws).await?.lock_runs(work.lock_timeout).await?;
    let _locks = lock_run(login, work.lake_lock.as_ref()).await?;
    let (store, ledger) = super::backends(&work.lake, &aws).await?;
    repair::heal_damaged(&store, &ledger).await?;
    // A lake with no record yet records what a sync would use, then moves from there.
    let identity = match ledger.identity().await? {
        Some(identity) => identity,
        None => {
            let asked = Asked {
                layout: work.lake.layout.name().to_string(),
                layout_explicit: false,
                timezone: work.timezone.clone(),
                timezone_explicit: false,
                destination: store.describe(),
            };
            lake_identity::settle(&ledger, &asked, true).await?;
            ledger.identity().await?.expect("just recorded")
        }
    };
    let current = by_name(&identity.layout).ok_or_else(|| {
        UserError::usage(format!(
            "the lake records layout `{}`, which this version does not know",
            identity.layout
        ))
    })?;
    let (layout, timezone) = match &command.target {
        MigrateTarget::Timezone(zone) => (current.clone(), zone.clone()),
        MigrateTarget::Layout(layout) => (
            layout.clone(),
            jiff::tz::TimeZone::get(&identity.timezone).unwrap_or(jiff::tz::TimeZone::UTC),
        ),
    };
    let old_config = LakeConfig { layout: current, ..work.lake.clone() };
    let new_config = LakeConfig { layout: layout.clone(), ..work.lake.clone() };
    let (old_store, _) = super::backends(&old_config, &aws).await?;
    let (new_store, new_ledger) = super::backends(&new_config, &aws).await?;
    let run_id = format!("migrate-{}", uuid::Uuid::new_v4());
    let sides =
        migrate::Sides { old_store: &old_store, new_store: &new_store, ledger: &new_ledger };
    let report = migrate::run(&sides, identity, layout.name(), &timezone, &run_id).await?;
    let silver_error = super::refresh_silver(
        work.silver.as_ref(),
        &aws,
        (&new_store, &new_ledger),
        &report.types,
        report.span,
    )
    .await?;
    crate::stdout::print_with(|out| {
        writeln!(
            out,
            "✅ migrated {} from layout {}, time zone {} to layout {}, time zone {}: {} objects written, {} removed",
            new_store.describe(),
            report.from.0,
            report.from.1,
            report.to.0,
            report.to.1,
            report.written,
            report.removed
        )?;
        if let Some(error) = &silver_error {
            writeln!(out, "❌ silver: {error}; run `oura-sync silver`")?;
        }
        Ok(())
    })?;
    Ok(if silver_error.is_some() { crate::error::EXIT_FAILED } else { EXIT_OK })
}
