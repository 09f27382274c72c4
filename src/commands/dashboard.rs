//! `oura-sync dashboard`: check the output path, read the window's records and the ledger's
//! calendar, render the page, and write it atomically (then open it).

use std::path::Path;

use crate::config::{Config, DashboardConfig};
use crate::dashboard::{PageInfo, render};
use crate::error::UserError;
use crate::health::calendar::completeness_calendar;
use crate::health::data::{HEALTH_TYPES, HealthData, HealthRecords};
use crate::health::reader::{BronzeReader, LakeReader};
use crate::ledger::Ledger;

/// Runs `dashboard` and returns the exit code.
pub async fn exec(config: &Config, dashboard: &DashboardConfig) -> anyhow::Result<u8> {
    let (window, out) = (dashboard.window, &dashboard.out);
    check_writable(out)?;
    super::require_named_lake(&dashboard.lake.place)?;
    let destination = dashboard.lake.place.destination();
    let aws = super::Aws::new(&config.aws);
    let (store, ledger) = super::backends(&dashboard.lake, &aws).await?;
    ledger.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    // A damaged ledger file is rebuilt from the lake's objects (with a warning), not a stop.
    crate::ops::repair::heal_damaged(&store, &ledger).await?;
    // Unset OURA_TIMEZONE: the lake's own zone, as a sync files its days.
    let timezone = crate::lake_identity::reading_zone(
        &ledger,
        &dashboard.timezone,
        dashboard.timezone_explicit,
    )
    .await;

    let mut last_days = Vec::new();
    for data_type in HEALTH_TYPES {
        if let Some(entry) = ledger.last_day_with_records(data_type).await? {
            last_days.push(entry.day);
        }
    }
    let Some(last_day) = last_days.into_iter().max() else {
        return Err(UserError::usage(format!(
            "the lake at {destination} holds no synced data yet; run `oura-sync sync` first \
             (or `oura-sync sync --sandbox` to try it)"
        )));
    };
    // Silver where it is current, bronze elsewhere; a silver store that cannot be reached
    // only costs speed, so the page is still made from bronze.
    let silver = super::readable_silver(dashboard.silver.as_ref(), &aws).await;
    let bronze = BronzeReader { store: &store, ledger: &ledger };
    let reader = LakeReader { bronze, silver: silver.as_ref() };
    let records = HealthRecords::read(&reader, window, &HEALTH_TYPES).await?;
    let data = HealthData::from_records(&records, window, &timezone);
    if data.is_empty_in_window() {
        return Err(UserError::usage(format!(
            "the lake at {destination} has no data from {} to {} (its last day with data is \
             {last_day}); give --end {last_day}, or sync that window with `oura-sync sync \
             --from {} --to {}`",
            window.start, window.end, window.start, window.end
        )));
    }
    let calendar = completeness_calendar(&ledger, window).await?;
    let info = PageInfo {
        timezone: timezone.iana_name().unwrap_or("the system's zone").to_string(),
        generated_at: dashboard
            .now
            .to_zoned_datetime(timezone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        source: destination.to_string(),
        today: timezone.to_datetime(dashboard.now).date(),
    };
    let html = render(&data, &calendar, &info);
    let bytes = html.len();
    let target = out.clone();
    tokio::task::spawn_blocking(move || {
        crate::fsutil::write_atomic(&target, html.as_bytes(), Some(0o644))
    })
    .await?
    .map_err(|e| UserError::usage(format!("{e:#}; choose another --out")))?;
    crate::stdout::print(&format!(
        "Wrote {} ({} days, {} → {}, {} KB)\n",
        out.display(),
        window.len_days(),
        window.start,
        window.end,
        bytes.div_ceil(1024)
    ))?;
    if dashboard.open {
        let path = std::fs::canonicalize(out).unwrap_or_else(|_| out.clone());
        crate::auth::login::open_browser(&path.display().to_string());
    }
    Ok(0)
}

/// Fails (exit 2) unless a file can be created beside `out` and `out` is not a directory, so
/// that a bad `--out` is found before the lake is read.
fn check_writable(out: &Path) -> anyhow::Result<()> {
    let fail = |why: String| {
        UserError::usage(format!(
            "cannot write the dashboard to {}: {why}; choose another --out",
            out.display()
        ))
    };
    if out.is_dir() {
        return Err(fail("it is a directory".into()));
    }
    let dir = match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(fail(format!("the directory {} does not exist", dir.display())));
    }
    tempfile::Builder::new()
        .prefix(".oura-sync-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| fail(e.to_string()))
}
