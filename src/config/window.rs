//! The days and types a command covers: `--date`/`--from`/`--to`, `OURA_DAYS`, `OURA_TYPES`.

use super::*;
use crate::window::OURA_EPOCH;

/// Parses a `YYYY-MM-DD` argument; a day before Oura's data can begin is refused too.
pub fn parse_date(what: &str, text: &str) -> anyhow::Result<Date> {
    let valid = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    let day = text.parse::<Date>().ok().filter(|_| valid).ok_or_else(|| {
        UserError::usage(format!("{what} `{text}` is not a date; write it as YYYY-MM-DD"))
    })?;
    not_before_oura(what, day)?;
    Ok(day)
}

/// Refuses a day before [`OURA_EPOCH`]: no ring recorded anything then.
fn not_before_oura(what: &str, day: Date) -> anyhow::Result<()> {
    if day < OURA_EPOCH {
        return Err(UserError::usage(format!(
            "{what} {day} is before {OURA_EPOCH}, and Oura has no data that old (the first ring \
             shipped in 2015); give a later day"
        )));
    }
    Ok(())
}

/// The window arguments of `sync` that are not settings.
#[derive(Debug, Default, Clone)]
pub struct WindowArgs<'a> {
    pub date: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// Resolves the window: `--from [--to]`, or `OURA_DAYS` (`--days`) days ending on DATE (or
/// `--to`); the end defaults to `today` and may not be after it.
pub fn resolve_window(
    args: &WindowArgs<'_>,
    sources: &Sources<'_>,
    today: Date,
) -> anyhow::Result<Window> {
    let end_arg = args.date.map(|d| ("DATE", d)).or(args.to.map(|d| ("--to", d)));
    let end = match end_arg {
        Some((what, text)) => parse_date(what, text)?,
        None => today,
    };
    if end > today {
        let what = end_arg.map_or("DATE", |(w, _)| w);
        return Err(UserError::usage(format!(
            "{what} {end} is after today ({today} in OURA_TIMEZONE); Oura has no data for the future"
        )));
    }
    if let Some(from) = args.from {
        let start = parse_date("--from", from)?;
        if start > end {
            return Err(UserError::usage(format!(
                "--from {start} is after --to {end}; give the earlier day first"
            )));
        }
        return Ok(Window::new(start, end));
    }
    let days = number(sources, "OURA_DAYS", 1..=u64::from(MAX_DAYS), " of days")?;
    let window = Window::ending_on(end, days as u32);
    not_before_oura(
        &format!("the window's first day ({days} days ending on {end})"),
        window.start,
    )?;
    Ok(window)
}

/// Resolves the data types: `OURA_TYPES` (`--types`), else all.
pub fn resolve_types(sources: &Sources<'_>) -> anyhow::Result<Vec<DataType>> {
    let Some(resolved) = sources.get("OURA_TYPES") else {
        return Ok(DataType::ALL.to_vec());
    };
    let what = label("OURA_TYPES", &resolved);
    let types = DataType::parse_list(&resolved.value)
        .map_err(|e| UserError::usage(format!("{what}: {e}")))?;
    if types.is_empty() {
        return Err(UserError::usage(format!("{what} names no data type; leave it unset for all")));
    }
    Ok(types)
}
