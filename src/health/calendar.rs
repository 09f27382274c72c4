//! The completeness calendar read from the ledger: for every dated type, what the ledger
//! knows of each day of a window (see [`figures::completeness`]).

use crate::datatype::{DataType, RangeKind};
use crate::ledger::Ledger;
use crate::window::Window;

use super::figures::{self, DayState};

/// Runs read to tell failed days from never-synced ones: a year of daily runs and then some.
const RUNS_READ: usize = 1000;

/// One row per type that is filed by day (snapshots, filed under a window's last day only,
/// are left out), in the canonical order.
pub async fn completeness_calendar(
    ledger: &impl Ledger,
    window: Window,
) -> anyhow::Result<Vec<(&'static str, Vec<(jiff::civil::Date, DayState)>)>> {
    let runs = ledger.recent_runs(RUNS_READ).await?;
    let mut rows = Vec::new();
    for &data_type in DataType::ALL {
        if matches!(data_type.range(), RangeKind::Snapshot | RangeKind::BareSnapshot) {
            continue;
        }
        let entries = ledger.days(data_type, window).await?;
        rows.push((
            data_type.name(),
            figures::completeness(data_type.name(), window, &entries, &runs),
        ));
    }
    Ok(rows)
}
