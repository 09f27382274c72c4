//! The page in the lake: with `OURA_DASHBOARD_IN_LAKE=on`, each sync writes the dashboard of
//! the 90 days ending on its window's last day to `_dashboard/index.html` under the lake's
//! prefix, through the [`ObjectStore`] (so an S3 lake gets it beside its data, and a phone
//! that can read the bucket can open today's page). It reads the lake as `dashboard` does.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{PageInfo, render};
use crate::health::calendar::completeness_calendar;
use crate::health::data::{HEALTH_TYPES, HealthData, HealthRecords};
use crate::health::reader::{BronzeReader, LakeReader};
use crate::ledger::AnyLedger;
use crate::store::silver::SilverTables;
use crate::store::{AnyStore, DayObject, ObjectStore, layout, sha256_hex};
use crate::window::Window;

/// The page's key under the lake's prefix (a `_` folder, which Athena and Glue skip).
pub const KEY: &str = "_dashboard/index.html";
/// The days the page shows, as `dashboard` does by default.
pub const DAYS: u32 = 90;
/// The page's media type.
pub const CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// What the lake's page is made from.
pub struct LakePage<'a> {
    pub store: &'a AnyStore,
    pub ledger: &'a AnyLedger,
    pub silver: Option<&'a SilverTables>,
    /// The page's last day (the sync window's).
    pub end: Date,
    pub timezone: &'a TimeZone,
    pub now: Timestamp,
    pub run_id: &'a str,
}

impl LakePage<'_> {
    /// Renders the page and writes it (durably); returns its key, or `None` when the 90 days
    /// hold no data to show (nothing is written then).
    pub async fn write(&self) -> anyhow::Result<Option<String>> {
        let window = Window::ending_on(self.end, DAYS);
        let reader = LakeReader {
            bronze: BronzeReader { store: self.store, ledger: self.ledger },
            silver: self.silver,
        };
        let records = HealthRecords::read(&reader, window, &HEALTH_TYPES).await?;
        let data = HealthData::from_records(&records, window, self.timezone);
        if data.is_empty_in_window() {
            return Ok(None);
        }
        let calendar = completeness_calendar(self.ledger, window).await?;
        let local = self.timezone.to_datetime(self.now);
        let info = PageInfo {
            timezone: self.timezone.iana_name().unwrap_or("the system's zone").to_string(),
            generated_at: local.strftime("%Y-%m-%d %H:%M").to_string(),
            source: self.store.describe(),
            today: local.date(),
        };
        let body = render(&data, &calendar, &info).into_bytes();
        let key = layout::join_prefix(self.store.key_prefix(), KEY);
        let object = DayObject {
            key: key.clone(),
            sha256: sha256_hex(&body),
            body: body.into(),
            content_type: CONTENT_TYPE,
            record_count: 0,
            run_id: self.run_id.to_string(),
        };
        self.store.put(&object, None).await?;
        self.store.flush().await?;
        Ok(Some(key))
    }
}

/// The sync's hook: writes the page, logging the outcome; a page that cannot be made or
/// written costs the page only, never the run (its data is in the lake either way).
pub async fn write_after_sync(page: LakePage<'_>) {
    match page.write().await {
        Ok(Some(key)) => tracing::info!(%key, "Wrote the dashboard into the lake."),
        Ok(None) => tracing::info!("No dashboard written into the lake: its 90 days hold no data."),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "Cannot write the dashboard into the lake.")
        }
    }
}
