//! The health view of the lake: records read back through a [`reader::RecordReader`], typed
//! ([`records`]), turned into daily series ([`data`]) by pure functions ([`figures`]), and
//! summed up as the morning [`briefing`]. The dashboard draws the same series.

pub mod briefing;
pub mod calendar;
pub mod data;
pub mod energy;
pub mod figures;
pub mod night;
pub mod reader;
pub mod records;
