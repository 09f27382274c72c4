//! Settings: the env file, the environment and the flags merged once, checked, and turned into
//! typed values before anything is fetched.
//!
//! Precedence, for every setting: command-line flag > environment variable > env file
//! (`--env-file`, default `.env.oura`) > built-in default (CONTRACT §1-2). An empty value
//! counts as unset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::datatype::DataType;
use crate::error::UserError;
use crate::secret::Secret;
use crate::window::Window;

/// The env file read when `--env-file` is not given.
pub const DEFAULT_ENV_FILE: &str = ".env.oura";
/// Default `OURA_API_BASE`.
pub const DEFAULT_API_BASE: &str = "https://api.ouraring.com";
/// Default `OURA_TOKENS_FILE`.
pub const DEFAULT_TOKENS_FILE: &str = ".oura-tokens.json";
/// Default `OURA_DESTINATION`.
pub const DEFAULT_DESTINATION: &str = "./oura-lake";
/// Default window length in days.
pub const DEFAULT_DAYS: u32 = 7;
/// The longest `--days` window.
pub const MAX_DAYS: u32 = 3660;

/// The settings of the environment and the env file, before flags.
#[derive(Debug, Default, Clone)]
pub struct Settings {
    file: BTreeMap<String, String>,
}

impl Settings {
    /// Reads the env file: `path` when given (it must exist), else `.env.oura` when present.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_ENV_FILE), false),
        };
        if !required && !path.exists() {
            return Ok(Self::default());
        }
        let fail = |why: String| UserError::usage(format!("the env file {} {why}", path.display()));
        if path.is_dir() {
            return Err(fail("is a directory; give --env-file the settings file itself".into()));
        }
        let iter = dotenvy::from_path_iter(&path).map_err(|e| fail(open_failure(&e, required)))?;
        let mut file = BTreeMap::new();
        for item in iter {
            let (key, value) = item.map_err(|e| match e {
                dotenvy::Error::Io(io) => fail(format!("cannot be read: {io}")),
                other => fail(format!(
                    "is malformed ({}); each line must be KEY=value",
                    io_reason(&other)
                )),
            })?;
            file.insert(key, value);
        }
        Ok(Self { file })
    }

    /// Settings from a map alone (tests).
    pub fn from_map(file: BTreeMap<String, String>) -> Self {
        Self { file }
    }

    /// The value of `name`: the environment first, then the env file; empty means unset.
    pub fn get(&self, name: &str) -> Option<String> {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| self.file.get(name).filter(|v| !v.is_empty()).cloned())
    }

    /// Like [`Settings::get`], for a secret.
    pub fn secret(&self, name: &str) -> Option<Secret> {
        self.get(name).map(Secret::new)
    }

    /// `OURA_API_BASE` without a trailing slash.
    pub fn api_base(&self) -> String {
        self.get("OURA_API_BASE")
            .unwrap_or_else(|| DEFAULT_API_BASE.to_string())
            .trim_end_matches('/')
            .to_string()
    }

    /// `OURA_TOKENS_FILE`.
    pub fn tokens_file(&self) -> PathBuf {
        PathBuf::from(self.get("OURA_TOKENS_FILE").unwrap_or_else(|| DEFAULT_TOKENS_FILE.into()))
    }

    /// `OURA_TIMEZONE`, or the system's zone.
    pub fn timezone(&self) -> anyhow::Result<TimeZone> {
        match self.get("OURA_TIMEZONE") {
            Some(name) => TimeZone::get(&name).map_err(|_| {
                UserError::usage(format!(
                    "OURA_TIMEZONE `{name}` is not a known IANA time zone; use a name such as America/New_York"
                ))
            }),
            None => Ok(TimeZone::system()),
        }
    }

    /// The destination: `flag`, else `OURA_DESTINATION`, else `./oura-lake`.
    pub fn destination(&self, flag: Option<&str>) -> anyhow::Result<Destination> {
        let text = flag
            .map(str::to_string)
            .or_else(|| self.get("OURA_DESTINATION"))
            .unwrap_or_else(|| DEFAULT_DESTINATION.to_string());
        Destination::parse(&text)
    }
}

/// Why the env file could not be opened, and what to do about it.
fn open_failure(e: &dotenvy::Error, explicit: bool) -> String {
    match e {
        dotenvy::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            "does not exist; check the path given to --env-file".to_string()
        }
        dotenvy::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            "is not readable by this user; fix its owner or mode (chmod 600 is enough)".to_string()
        }
        other if explicit => {
            format!("cannot be read ({}); check the path given to --env-file", io_reason(other))
        }
        other => format!("cannot be read ({})", io_reason(other)),
    }
}

fn io_reason(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::Io(io) => io.to_string(),
        // dotenvy's parse error quotes the line, which may hold a secret: give only the position.
        dotenvy::Error::LineParse(_, index) => format!("cannot parse at character {index}"),
        _ => "cannot parse it".to_string(),
    }
}

/// Where the lake is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A local directory.
    Local(PathBuf),
    /// `s3://bucket/prefix`.
    S3 { bucket: String, prefix: String },
}

impl Destination {
    /// Parses `s3://bucket[/prefix]` or a local path.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(UserError::usage(format!(
                    "destination `{text}` has no bucket; write s3://BUCKET/PREFIX"
                )));
            }
            return Ok(Destination::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
            });
        }
        if text.contains("://") {
            return Err(UserError::usage(format!(
                "destination `{text}` is neither a local directory nor s3://BUCKET/PREFIX"
            )));
        }
        Ok(Destination::Local(PathBuf::from(text)))
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::Local(path) => write!(f, "{}", path.display()),
            Destination::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Destination::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// Parses a `YYYY-MM-DD` argument.
pub fn parse_date(what: &str, text: &str) -> anyhow::Result<Date> {
    let valid = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    text.parse::<Date>().ok().filter(|_| valid).ok_or_else(|| {
        UserError::usage(format!("{what} `{text}` is not a date; write it as YYYY-MM-DD"))
    })
}

/// Parses a window length (`--days`, `OURA_DAYS`).
pub fn parse_days(what: &str, text: &str) -> anyhow::Result<u32> {
    text.trim().parse::<u32>().ok().filter(|d| (1..=MAX_DAYS).contains(d)).ok_or_else(|| {
        UserError::usage(format!(
            "{what} `{text}` must be a whole number of days from 1 to {MAX_DAYS}"
        ))
    })
}

/// The window arguments of `sync`, as typed.
#[derive(Debug, Default, Clone)]
pub struct WindowArgs<'a> {
    pub date: Option<&'a str>,
    pub days: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// Resolves the window: `--from [--to]`, or `--days` days ending on DATE (or `--to`); the end
/// defaults to `today` and may not be after it.
pub fn resolve_window(
    args: &WindowArgs<'_>,
    settings: &Settings,
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
    let days = match args.days {
        Some(text) => parse_days("--days", text)?,
        None => match settings.get("OURA_DAYS") {
            Some(text) => parse_days("OURA_DAYS", &text)?,
            None => DEFAULT_DAYS,
        },
    };
    Ok(Window::ending_on(end, days))
}

/// Resolves the data types: `flag`, else `OURA_TYPES`, else all.
pub fn resolve_types(flag: Option<&str>, settings: &Settings) -> anyhow::Result<Vec<DataType>> {
    let (what, list) = match flag {
        Some(list) => ("--types", list.to_string()),
        None => match settings.get("OURA_TYPES") {
            Some(list) => ("OURA_TYPES", list),
            None => return Ok(DataType::ALL.to_vec()),
        },
    };
    let types =
        DataType::parse_list(&list).map_err(|e| UserError::usage(format!("{what}: {e}")))?;
    if types.is_empty() {
        return Err(UserError::usage(format!("{what} names no data type; leave it unset for all")));
    }
    Ok(types)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::error::{EXIT_USAGE, exit_code};

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::from_map(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    const TODAY: Date = date(2026, 11, 24);

    #[test]
    fn the_default_window_is_seven_days_ending_today() {
        let w = resolve_window(&WindowArgs::default(), &settings(&[]), TODAY).unwrap();
        assert_eq!((w.start, w.end), (date(2026, 11, 18), TODAY));
    }

    #[test]
    fn flag_beats_env_file_for_days() {
        let s = settings(&[("OURA_DAYS", "3")]);
        let w = resolve_window(&WindowArgs::default(), &s, TODAY).unwrap();
        assert_eq!(w.len_days(), 3);
        let args = WindowArgs { days: Some("10"), date: Some("2026-11-01"), ..Default::default() };
        let w = resolve_window(&args, &s, TODAY).unwrap();
        assert_eq!((w.start, w.end), (date(2026, 10, 23), date(2026, 11, 1)));
    }

    #[test]
    fn from_to_gives_an_explicit_window() {
        let args =
            WindowArgs { from: Some("2022-01-01"), to: Some("2026-11-23"), ..Default::default() };
        let w = resolve_window(&args, &settings(&[]), TODAY).unwrap();
        assert_eq!((w.start, w.end), (date(2022, 1, 1), date(2026, 11, 23)));
        let args = WindowArgs { from: Some("2026-11-01"), ..Default::default() };
        assert_eq!(resolve_window(&args, &settings(&[]), TODAY).unwrap().end, TODAY);
    }

    #[test]
    fn bad_windows_are_usage_errors_with_a_fix() {
        let cases = [
            (WindowArgs { date: Some("2026-13-01"), ..Default::default() }, "is not a date"),
            (WindowArgs { date: Some("20261101"), ..Default::default() }, "YYYY-MM-DD"),
            (WindowArgs { date: Some("2026-11-25"), ..Default::default() }, "after today"),
            (
                WindowArgs {
                    from: Some("2026-11-10"),
                    to: Some("2026-11-01"),
                    ..Default::default()
                },
                "is after --to",
            ),
            (WindowArgs { days: Some("0"), ..Default::default() }, "from 1 to 3660"),
            (WindowArgs { days: Some("3661"), ..Default::default() }, "from 1 to 3660"),
            (WindowArgs { days: Some("x"), ..Default::default() }, "from 1 to 3660"),
        ];
        for (args, wanted) in cases {
            let err = resolve_window(&args, &settings(&[]), TODAY).unwrap_err();
            assert_eq!(exit_code(&err), EXIT_USAGE);
            assert!(err.to_string().contains(wanted), "{err}");
            assert!(!err.to_string().contains('\n'));
        }
        let err = resolve_window(&WindowArgs::default(), &settings(&[("OURA_DAYS", "-1")]), TODAY)
            .unwrap_err();
        assert!(err.to_string().starts_with("OURA_DAYS"));
    }

    #[test]
    fn types_come_from_the_flag_then_the_settings() {
        let s = settings(&[("OURA_TYPES", "daily_sleep")]);
        assert_eq!(resolve_types(None, &s).unwrap(), vec![DataType::DailySleep]);
        assert_eq!(resolve_types(Some("heartrate"), &s).unwrap(), vec![DataType::Heartrate]);
        assert_eq!(resolve_types(None, &settings(&[])).unwrap().len(), 19);
        let err = resolve_types(Some("sleep,steps"), &s).unwrap_err();
        assert_eq!(exit_code(&err), EXIT_USAGE);
        assert!(err.to_string().starts_with("--types: unknown data type `steps`"));
    }

    #[test]
    fn an_unreadable_env_file_says_why_and_what_to_do() {
        let io = |kind| dotenvy::Error::Io(std::io::Error::from(kind));
        let denied = open_failure(&io(std::io::ErrorKind::PermissionDenied), true);
        assert!(denied.starts_with("is not readable by this user; fix its owner or mode"));
        let missing = open_failure(&io(std::io::ErrorKind::NotFound), true);
        assert_eq!(missing, "does not exist; check the path given to --env-file");
        let other = open_failure(&io(std::io::ErrorKind::InvalidData), false);
        assert!(other.starts_with("cannot be read (") && !other.contains("--env-file"), "{other}");
    }

    #[test]
    fn destinations_parse() {
        assert_eq!(
            Destination::parse("s3://bio-lake/oura/").unwrap(),
            Destination::S3 { bucket: "bio-lake".into(), prefix: "oura".into() }
        );
        assert_eq!(Destination::parse("./x").unwrap(), Destination::Local("./x".into()));
        assert!(Destination::parse("s3:///x").is_err());
        assert!(Destination::parse("gs://b/p").is_err());
    }
}
