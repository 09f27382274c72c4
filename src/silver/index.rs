//! What each silver month file was built from, and whether it still stands: per type one
//! index (`_index/<type>.json` under the silver root, see [`crate::store::silver`]) that
//! records, for every month file, the sha256 of each bronze day object it was built from, the
//! sha256 of the file written, and silver's version. A sync compares it with what bronze holds
//! now (the ledger's sha256s, no object read) and with the file itself, for every month; a
//! reader trusts a month file only when both agree and the bytes it read hash to the recorded
//! sha256. The decisions here are pure; the module that reads and writes is [`super`].

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::window::YearMonth;

/// Bumped whenever a schema or the encoding changes, so that every month file is rebuilt.
pub const SILVER_VERSION: u32 = 1;

/// The version of the index file's own format.
const FORMAT: u32 = 1;

/// A type's index: its month files by `YYYY-MM`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeIndex {
    pub format: u32,
    pub months: BTreeMap<String, MonthEntry>,
}

/// One month file: what it was built from and what was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthEntry {
    pub silver_version: u32,
    /// Each bronze day object the file was built from: its day and the sha256 of its bytes.
    pub bronze: BTreeMap<Date, String>,
    /// The sha256 of the month file's bytes.
    pub file_sha256: String,
    pub rows: u64,
}

/// What bronze says of one day now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DayNow {
    /// An object holds the day's records; its sha256 when the ledger gives it (a listing
    /// gives none: then only its presence is compared).
    Object(Option<String>),
    /// The day was fetched and holds no records (its object, if it had one, is gone).
    Empty,
}

/// Whether a month file stands for what bronze holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Current,
    /// No file recorded for a month bronze holds (never built, or built by a run that was
    /// killed before it recorded it).
    Missing,
    /// Bronze changed since the file was built (or silver's version did).
    Stale,
    /// The file is gone or its bytes are not those written.
    Damaged,
}

impl TypeIndex {
    /// Parses an index file; one that does not parse is reported and treated as empty, so
    /// that every month of the type is rebuilt rather than trusted.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<Self> {
        let index: TypeIndex = serde_json::from_slice(bytes)?;
        anyhow::ensure!(index.format == FORMAT, "index format {} is not {FORMAT}", index.format);
        Ok(index)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        /// The index as written, borrowing its months (a 10-year index is not copied whole).
        #[derive(Serialize)]
        struct Written<'a> {
            format: u32,
            months: &'a BTreeMap<String, MonthEntry>,
        }
        let written = Written { format: FORMAT, months: &self.months };
        let mut bytes = serde_json::to_vec(&written).expect("an index always serializes");
        bytes.push(b'\n');
        bytes
    }

    pub fn month(&self, month: YearMonth) -> Option<&MonthEntry> {
        self.months.get(&month.to_string())
    }

    pub fn set(&mut self, month: YearMonth, entry: Option<MonthEntry>) {
        match entry {
            Some(entry) => self.months.insert(month.to_string(), entry),
            None => self.months.remove(&month.to_string()),
        };
    }

    /// The months the index records.
    pub fn month_list(&self) -> Vec<YearMonth> {
        self.months.keys().filter_map(|m| parse_month(m)).collect()
    }
}

fn parse_month(text: &str) -> Option<YearMonth> {
    let (year, month) = text.split_once('-')?;
    let month = YearMonth { year: year.parse().ok()?, month: month.parse().ok()? };
    (1..=12).contains(&month.month).then_some(month)
}

/// Whether the month file recorded as `entry` stands for the bronze days `now` (what bronze
/// says of the month's days; a day it does not mention is not compared, so a ledger that lost
/// entries never shrinks a month) and the file whose sha256 is `file_sha256` (`None`: gone).
pub fn judge(
    entry: Option<&MonthEntry>,
    now: &BTreeMap<Date, DayNow>,
    file_sha256: Option<&str>,
) -> Verdict {
    let Some(entry) = entry else {
        // Nothing recorded: missing if bronze holds a day object, else nothing to build.
        let holds = now.values().any(|d| matches!(d, DayNow::Object(_)));
        return if holds { Verdict::Missing } else { Verdict::Current };
    };
    if entry.silver_version != SILVER_VERSION {
        return Verdict::Stale;
    }
    let differs = now.iter().any(|(day, state)| match state {
        DayNow::Object(Some(sha)) => entry.bronze.get(day) != Some(sha),
        DayNow::Object(None) => !entry.bronze.contains_key(day),
        DayNow::Empty => entry.bronze.contains_key(day),
    });
    if differs {
        return Verdict::Stale;
    }
    if file_sha256 != Some(entry.file_sha256.as_str()) {
        return Verdict::Damaged;
    }
    Verdict::Current
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn entry(days: &[(Date, &str)]) -> MonthEntry {
        MonthEntry {
            silver_version: SILVER_VERSION,
            bronze: days.iter().map(|(d, s)| (*d, s.to_string())).collect(),
            file_sha256: "f".into(),
            rows: 1,
        }
    }

    /// A month is current only when every day bronze mentions matches and the file is the one
    /// written; a day only silver knows (a ledger that lost it) is no reason to rebuild.
    #[test]
    fn a_month_is_judged_against_bronze_and_its_file() {
        let (d1, d2) = (date(2026, 11, 1), date(2026, 11, 2));
        let built = entry(&[(d1, "a"), (d2, "b")]);
        let now = |days: &[(Date, DayNow)]| days.iter().cloned().collect::<BTreeMap<_, _>>();
        let same = now(&[(d1, DayNow::Object(Some("a".into())))]);
        assert_eq!(judge(Some(&built), &same, Some("f")), Verdict::Current);
        assert_eq!(judge(None, &same, Some("f")), Verdict::Missing);
        let nothing = now(&[(d1, DayNow::Empty)]);
        assert_eq!(judge(None, &nothing, None), Verdict::Current);
        assert_eq!(judge(Some(&built), &same, Some("g")), Verdict::Damaged);
        assert_eq!(judge(Some(&built), &same, None), Verdict::Damaged);
        let changed = now(&[(d1, DayNow::Object(Some("z".into())))]);
        assert_eq!(judge(Some(&built), &changed, Some("f")), Verdict::Stale);
        let emptied = now(&[(d2, DayNow::Empty)]);
        assert_eq!(judge(Some(&built), &emptied, Some("f")), Verdict::Stale);
        let listed = now(&[(d2, DayNow::Object(None))]);
        assert_eq!(judge(Some(&built), &listed, Some("f")), Verdict::Current);
        let new_day = now(&[(date(2026, 11, 3), DayNow::Object(None))]);
        assert_eq!(judge(Some(&built), &new_day, Some("f")), Verdict::Stale);
        let old = MonthEntry { silver_version: SILVER_VERSION + 1, ..built.clone() };
        assert_eq!(judge(Some(&old), &same, Some("f")), Verdict::Stale);
    }

    /// An index reads back as written; a foreign or cut-off one is an error, not an empty
    /// index that would trust nothing silently.
    #[test]
    fn an_index_reads_back_and_a_damaged_one_is_refused() {
        let mut index = TypeIndex::default();
        let month = YearMonth { year: 2026, month: 11 };
        index.set(month, Some(entry(&[(date(2026, 11, 1), "a")])));
        let bytes = index.to_bytes();
        let back = TypeIndex::parse(&bytes).unwrap();
        assert_eq!(back.month(month), index.month(month));
        assert_eq!(back.month_list(), [month]);
        assert!(TypeIndex::parse(&bytes[..bytes.len() / 2]).is_err());
        assert!(TypeIndex::parse(b"{\"format\":9,\"months\":{}}").is_err());
    }
}
