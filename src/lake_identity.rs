//! Which layout and time zone a run files a lake's days in: the lake's own, as its ledger
//! recorded them on its first sync ([`crate::ledger::identity`]).
//!
//! - A lake with no record gets one from this run (a lake made before records existed
//!   adopts this run's values, and the run says so, once).
//! - `OURA_TIMEZONE` unset: the lake's recorded zone, whatever the machine's zone is today
//!   (a laptop that travels keeps filing days as before).
//! - A layout or zone asked for explicitly that differs from the record is refused (exit 2),
//!   naming both and the `oura-sync migrate` command that changes it safely: filing days in
//!   another zone puts a sample under two days, and another layout hides the objects of the
//!   first from readers that list by key.
//! - While a `migrate` is under way, every run is refused until it is finished.
//!
//! [`decide`] is the pure rule; [`settle`] reads and writes the record around it.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::error::UserError;
use crate::ledger::identity::FORMAT_VERSION;
use crate::ledger::{LakeIdentity, Ledger};

/// What a run asks for: the layout and zone it was configured with, and whether each was
/// set explicitly (a flag, the environment or the env file) or is a default.
#[derive(Clone, Debug)]
pub struct Asked {
    pub layout: String,
    pub layout_explicit: bool,
    pub timezone: TimeZone,
    pub timezone_explicit: bool,
    /// The lake, as a user writes it, for messages.
    pub destination: String,
}

/// What a run uses, and what to record and say about it.
#[derive(Clone, Debug)]
pub struct Settled {
    pub layout: String,
    pub timezone: TimeZone,
    /// The record to write (first sync, or a lake made before records existed).
    pub record: Option<LakeIdentity>,
    /// A line to say at warning level (adopting, or using the lake's zone over the
    /// machine's), if any.
    pub note: Option<String>,
}

impl Settled {
    /// The zone's IANA name, as recorded.
    pub fn timezone_name(&self) -> String {
        zone_name(&self.timezone)
    }
}

/// The IANA name of `tz`, with UTC's aliases as `UTC` (so a system zone of `Etc/UTC` is the
/// same lake zone as `OURA_TIMEZONE=UTC`).
pub fn zone_name(tz: &TimeZone) -> String {
    canonical(tz.iana_name().unwrap_or("UTC"))
}

fn canonical(name: &str) -> String {
    const UTC: &[&str] =
        &["Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "Universal", "Etc/Universal"];
    if UTC.contains(&name) { "UTC".to_string() } else { name.to_string() }
}

/// The rule (see the module doc): what a run asking `asked` uses on a lake whose record is
/// `recorded`; `has_history` says whether the lake has recorded runs (then a missing record
/// means a lake made before records, which adopts this run's values and says so).
pub fn decide(
    recorded: Option<&LakeIdentity>,
    asked: &Asked,
    has_history: bool,
    now: Timestamp,
) -> anyhow::Result<Settled> {
    let asked_zone = zone_name(&asked.timezone);
    let Some(recorded) = recorded else {
        let record = LakeIdentity {
            format_version: FORMAT_VERSION,
            layout: asked.layout.clone(),
            timezone: asked_zone.clone(),
            recorded_at: now,
            migration: None,
        };
        let note = has_history.then(|| {
            format!(
                "the lake at {} had no record of its layout and time zone (made before they were \
                 recorded); it adopts this run's: layout {}, time zone {asked_zone}",
                asked.destination, asked.layout
            )
        });
        return Ok(Settled {
            layout: asked.layout.clone(),
            timezone: asked.timezone.clone(),
            record: Some(record),
            note,
        });
    };
    if let Some(migration) = &recorded.migration {
        return Err(UserError::usage(format!(
            "a migration of the lake at {} (to layout {}, time zone {}) is under way; finish it \
             with `{}` before syncing",
            asked.destination,
            migration.layout,
            migration.timezone,
            migrate_command(recorded, &migration.layout, &migration.timezone)
        )));
    }
    let mut refusals = Vec::new();
    if asked.layout_explicit && asked.layout != recorded.layout {
        refusals.push(format!(
            "the lake at {} is laid out as {} but this run asks for {} (OURA_LAYOUT/--layout); \
             to change it, run `oura-sync migrate --layout {}`, or leave OURA_LAYOUT unset",
            asked.destination, recorded.layout, asked.layout, asked.layout
        ));
    }
    if asked.timezone_explicit && asked_zone != canonical(&recorded.timezone) {
        refusals.push(format!(
            "the lake at {} files its days in time zone {} but this run asks for {asked_zone} \
             (OURA_TIMEZONE); filing in another zone would put samples under two days; to \
             change it, run `oura-sync migrate --timezone {asked_zone}`, or unset OURA_TIMEZONE \
             to use the lake's",
            asked.destination, recorded.timezone
        ));
    }
    if !refusals.is_empty() {
        return Err(UserError::usage(refusals.join("; and ")));
    }
    let timezone = TimeZone::get(&recorded.timezone).map_err(|_| {
        UserError::usage(format!(
            "the lake at {} records time zone `{}`, which this machine does not know; update \
             its time zone database",
            asked.destination, recorded.timezone
        ))
    })?;
    let note =
        (!asked.timezone_explicit && asked_zone != canonical(&recorded.timezone)).then(|| {
            format!(
                "OURA_TIMEZONE is not set: filing days in the lake's time zone {} (this machine's \
             is {asked_zone})",
                recorded.timezone
            )
        });
    Ok(Settled { layout: recorded.layout.clone(), timezone, record: None, note })
}

/// The zone a reading command (`dashboard`, `mcp`) shows the lake's days in: the lake's
/// recorded zone when `OURA_TIMEZONE` is not set (`explicit` false), else `configured`; a
/// lake with no record, or a record that cannot be read, leaves `configured`.
pub async fn reading_zone(ledger: &impl Ledger, configured: &TimeZone, explicit: bool) -> TimeZone {
    if explicit {
        return configured.clone();
    }
    match ledger.identity().await {
        Ok(Some(record)) => TimeZone::get(&record.timezone).unwrap_or_else(|_| configured.clone()),
        _ => configured.clone(),
    }
}

/// The `migrate` command that takes a lake recorded as `recorded` to `layout` and `timezone`.
pub fn migrate_command(recorded: &LakeIdentity, layout: &str, timezone: &str) -> String {
    if recorded.layout != layout {
        format!("oura-sync migrate --layout {layout}")
    } else {
        format!("oura-sync migrate --timezone {timezone}")
    }
}

/// Reads the lake's record from `ledger`, decides (see [`decide`]), writes the record when
/// there was none (unless `write` is false: a dry run, or a run with no login), and says
/// the note, if any, as a warning; the zone used is always said.
pub async fn settle(ledger: &impl Ledger, asked: &Asked, write: bool) -> anyhow::Result<Settled> {
    let recorded = ledger.identity().await?;
    let has_history = recorded.is_none() && !ledger.recent_runs(1).await?.is_empty();
    let settled = decide(recorded.as_ref(), asked, has_history, Timestamp::now())?;
    if let Some(record) = settled.record.as_ref().filter(|_| write) {
        ledger.put_identity(record).await.map_err(|e| {
            UserError::usage(format!("cannot record the lake's layout and time zone: {e:#}"))
        })?;
    }
    if let Some(note) = &settled.note {
        tracing::warn!("{note}.");
    }
    tracing::info!(timezone = %settled.timezone_name(), layout = %settled.layout, "Filing days in the lake's time zone and layout.");
    Ok(settled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(layout: &str, explicit_layout: bool, zone: &str, explicit_zone: bool) -> Asked {
        Asked {
            layout: layout.into(),
            layout_explicit: explicit_layout,
            timezone: TimeZone::get(zone).unwrap(),
            timezone_explicit: explicit_zone,
            destination: "./oura-lake".into(),
        }
    }

    fn recorded(layout: &str, zone: &str) -> LakeIdentity {
        LakeIdentity {
            format_version: FORMAT_VERSION,
            layout: layout.into(),
            timezone: zone.into(),
            recorded_at: Timestamp::UNIX_EPOCH,
            migration: None,
        }
    }

    /// A new lake records the run's values quietly; one with history adopts them and says so.
    #[test]
    fn a_lake_without_a_record_gets_this_runs() {
        let run = asked("hive-ndjson", false, "Asia/Tokyo", false);
        let fresh = decide(None, &run, false, Timestamp::UNIX_EPOCH).unwrap();
        let record = fresh.record.unwrap();
        assert_eq!(
            (record.layout.as_str(), record.timezone.as_str()),
            ("hive-ndjson", "Asia/Tokyo")
        );
        assert!(fresh.note.is_none());
        let old = decide(None, &run, true, Timestamp::UNIX_EPOCH).unwrap();
        assert!(
            old.note
                .unwrap()
                .contains("adopts this run's: layout hive-ndjson, time zone Asia/Tokyo")
        );
    }

    /// With the zone unset, the lake's zone is used whatever the machine's, and said.
    #[test]
    fn an_unset_zone_uses_the_lakes() {
        let lake = recorded("hive-ndjson", "America/New_York");
        let run = asked("hive-ndjson", false, "UTC", false);
        let settled = decide(Some(&lake), &run, true, Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(settled.timezone_name(), "America/New_York");
        assert!(settled.record.is_none());
        assert!(settled.note.unwrap().contains("the lake's time zone America/New_York"));
    }

    /// Another zone or layout asked for explicitly is exit 2, naming both and the command.
    #[test]
    fn an_explicit_other_zone_or_layout_is_refused() {
        let lake = recorded("hive-ndjson", "America/New_York");
        let err = decide(
            Some(&lake),
            &asked("hive-ndjson", true, "Asia/Tokyo", true),
            true,
            Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2);
        let text = format!("{err:#}");
        assert!(text.contains("America/New_York") && text.contains("Asia/Tokyo"), "{text}");
        assert!(text.contains("oura-sync migrate --timezone Asia/Tokyo"), "{text}");
        let err = decide(
            Some(&lake),
            &asked("bio-lakehouse", true, "America/New_York", true),
            true,
            Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("hive-ndjson")
                && text.contains("oura-sync migrate --layout bio-lakehouse"),
            "{text}"
        );
        // The same values, or UTC by another name, pass.
        let utc = recorded("hive-ndjson", "Etc/UTC");
        assert!(
            decide(
                Some(&utc),
                &asked("hive-ndjson", true, "UTC", true),
                true,
                Timestamp::UNIX_EPOCH
            )
            .is_ok()
        );
    }

    /// A migration under way refuses every run until it is finished.
    #[test]
    fn a_migration_under_way_refuses_runs() {
        let mut lake = recorded("hive-ndjson", "America/New_York");
        lake.migration = Some(crate::ledger::Migration {
            layout: "hive-ndjson".into(),
            timezone: "Asia/Tokyo".into(),
            done: Vec::new(),
        });
        let err = decide(
            Some(&lake),
            &asked("hive-ndjson", false, "UTC", false),
            true,
            Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("oura-sync migrate --timezone Asia/Tokyo"));
    }
}
