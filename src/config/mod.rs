//! The configuration: the flags, the environment and the env file resolved once, checked,
//! and turned into the typed parts that the commands hand to the backends, before anything is
//! fetched or written. Nothing below `commands/` reads a setting by name.
//!
//! Precedence, for every setting: command-line flag > environment variable > env file
//! (`--env-file`, default `.env.oura`) > built-in default (CONTRACT §1-2). An empty value
//! counts as unset. Every setting is a row of [`table::SETTINGS`]; [`Config::provenance`]
//! says where each one's value came from.
//!
//! Adding a setting: a row in [`table::SETTINGS`] (name, default, secret or not), a field in
//! the typed part that uses it, and the line in [`Config::resolve`] (or the part's resolver
//! below) that fills the field from [`Sources`].

pub mod example;
#[cfg(test)]
mod notify_settings_tests;
mod sources;
pub mod table;
#[cfg(test)]
mod tests;

use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

pub use sources::{DEFAULT_ENV_FILE, EnvSnapshot, Provenance, Resolved, Source, Sources};

use crate::auth::login::LoginOptions;
use crate::auth::oauth::{OAuthApp, OAuthConfig};
use crate::aws::{AwsConfig, ChecksumPolicy};
use crate::cli::{
    Cli, Command, DashboardArgs, DoctorArgs, McpArgs, SilverArgs, StatusArgs, SyncArgs,
};
use crate::datatype::DataType;
use crate::error::UserError;
use crate::lock::RunLock;
use crate::notify::{NotifyConfig, NotifyOn, parse_channels};
use crate::ops::sync::{LakeLock, SyncOptions};
use crate::oura::ClientOptions;
use crate::oura::pacer::OURA_LIMIT;
use crate::secret::Secret;
use crate::store::layout::{self, Layout, by_name};
use crate::store::s3::Encryption;
use crate::window::Window;

/// Default window length in days (`OURA_DAYS`).
pub const DEFAULT_DAYS: u32 = 7;
/// The longest `--days` window.
pub const MAX_DAYS: u32 = 3660;
/// The silver folder inside a local lake (the `_` keeps engines reading bronze from it).
pub const SILVER_DIR: &str = "_silver";
/// The first day `silver` looks at without `--from` (Oura's API has nothing older).
pub const SILVER_EARLIEST: Date = Date::constant(2013, 1, 1);
/// The longest wait a seconds setting takes (a day).
const MAX_WAIT_SECONDS: u64 = 86_400;
/// The longest deadline `OURA_HTTP_TIMEOUT` takes (10 minutes).
const MAX_HTTP_TIMEOUT_SECONDS: u64 = 600;
/// The first backoff delay of the Oura client; doubles each retry.
const BACKOFF_BASE: Duration = Duration::from_millis(500);

/// The whole configuration of one command.
#[derive(Debug)]
pub struct Config {
    /// `OURA_TOKENS_FILE`; the sync lock lives beside it.
    pub tokens_file: PathBuf,
    /// `OURA_ACCESS_TOKEN`: a bare token, used when there is no tokens file.
    pub access_token: Option<Secret>,
    /// The Oura app, for logins and refreshes (not checked: only `auth` and `refresh` need it).
    pub oauth: OAuthConfig,
    /// What the AWS clients take beyond the SDK's default chain.
    pub aws: AwsConfig,
    /// The parts only this command uses.
    pub command: CommandConfig,
    provenance: Vec<Provenance>,
}

/// The checked parts of each command.
#[derive(Debug)]
pub enum CommandConfig {
    Auth(AuthConfig),
    Refresh(OAuthApp),
    Sync(Box<SyncConfig>),
    Status(StatusConfig),
    Silver(SilverCommandConfig),
    Dashboard(DashboardConfig),
    Mcp(McpConfig),
    Doctor(Box<DoctorConfig>),
}

/// `doctor`: everything a sync would use, to check without syncing.
#[derive(Debug)]
pub struct DoctorConfig {
    /// The types a sync would fetch (`OURA_TYPES`), whose scopes the login must grant.
    pub types: Vec<DataType>,
    /// `OURA_TIMEZONE` (or the system's), and the name it was given by, if any.
    pub timezone: TimeZone,
    pub timezone_name: Option<String>,
    pub lake: LakeConfig,
    /// `OURA_API_BASE`.
    pub api_base: String,
    pub notify: NotifyConfig,
    pub json: bool,
    pub send_test: bool,
}

/// `auth`: the app and how to run the login.
#[derive(Debug)]
pub struct AuthConfig {
    pub app: OAuthApp,
    pub login: LoginOptions,
}

/// `sync`: what to fetch, where it goes, how to fetch it, whom to tell, how long to wait for
/// another run.
#[derive(Debug)]
pub struct SyncConfig {
    pub options: SyncOptions,
    pub lake: LakeConfig,
    pub client: ClientOptions,
    /// `None` with `--no-notify`.
    pub notify: Option<NotifyConfig>,
    /// `OURA_LOCK_TIMEOUT`.
    pub lock_timeout: Duration,
    /// Where the silver tables go; `None` when silver is off (or a dry run).
    pub silver: Option<SilverPlace>,
}

/// `status`: the lake whose ledger to read, its silver, and how to print.
#[derive(Debug)]
pub struct StatusConfig {
    pub lake: LakeConfig,
    pub silver: Option<SilverPlace>,
    pub json: bool,
}

/// `silver`: which months of which types to rebuild, from which lake, into which silver.
#[derive(Debug)]
pub struct SilverCommandConfig {
    pub lake: LakeConfig,
    pub silver: SilverPlace,
    pub window: Window,
    pub types: Vec<DataType>,
    pub json: bool,
    pub lock_timeout: Duration,
    /// The local lake's own lock, which a sync of the same lake holds whatever its tokens file.
    pub lake_lock: Option<LakeLock>,
}

/// Where the silver tables live (`OURA_SILVER_DESTINATION`, `--silver-dest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SilverPlace {
    Local(PathBuf),
    /// Encrypted as the lake's `OURA_S3_SSE` says.
    S3 {
        bucket: String,
        prefix: String,
        encryption: Encryption,
    },
}
/// `dashboard`: the window shown, its time zone, the lake to read, and the file to write.
#[derive(Debug)]
pub struct DashboardConfig {
    pub window: Window,
    /// `OURA_TIMEZONE` (or the system's): the days and clock times of the page.
    pub timezone: TimeZone,
    pub lake: LakeConfig,
    /// `--out`, default `oura-dashboard.html`.
    pub out: PathBuf,
    /// `--open`: open the written file in the system browser.
    pub open: bool,
    /// When the page is made (its footer says so).
    pub now: Timestamp,
    /// The silver tables, read where they are current (bronze otherwise); `None` when off.
    pub silver: Option<SilverPlace>,
}

/// `mcp`: the lake to serve, its silver, and the time zone of its days.
#[derive(Debug)]
pub struct McpConfig {
    pub lake: LakeConfig,
    pub silver: Option<SilverPlace>,
    /// `OURA_TIMEZONE` (or the system's): "today", and the clock times of the answers.
    pub timezone: TimeZone,
}

/// The file `dashboard` writes when `--out` is not given.
pub const DEFAULT_DASHBOARD_OUT: &str = "oura-dashboard.html";
/// The days `dashboard` shows when `--days` is not given.
pub const DEFAULT_DASHBOARD_DAYS: u32 = 90;

/// The lake: where it is, with its ledger and encryption, and how its objects are laid out.
#[derive(Debug, Clone)]
pub struct LakeConfig {
    pub place: LakePlace,
    /// `OURA_LAYOUT`/`--layout` (default `hive-ndjson`).
    pub layout: Arc<dyn Layout>,
}

/// Where the lake and its ledger are. `ledger_table` is `OURA_DYNAMODB_TABLE`, the DynamoDB
/// ledger; a local lake without one keeps its ledger beside it, and an S3 lake always has one
/// (its ledger could live nowhere but on this machine, and the lake and its catalogue would
/// drift apart as soon as a second machine or a fresh checkout synced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LakePlace {
    Local { root: PathBuf, ledger_table: Option<String> },
    S3 { bucket: String, prefix: String, encryption: Encryption, ledger_table: String },
}

impl LakePlace {
    /// The destination as a user writes it (`./oura-lake`, `s3://bucket/prefix`).
    pub fn destination(&self) -> Destination {
        match self {
            LakePlace::Local { root, .. } => Destination::Local(root.clone()),
            LakePlace::S3 { bucket, prefix, .. } => {
                Destination::S3 { bucket: bucket.clone(), prefix: prefix.clone() }
            }
        }
    }
}

impl Config {
    /// Resolves the command line `cli` against the environment and env file in `env`, at
    /// `now` (which, in `OURA_TIMEZONE`, decides "today"). Pure: reads nothing else. Every
    /// setting the command uses is checked here; the first problem is a usage error (exit 2)
    /// saying what to fix.
    pub fn resolve(cli: &Cli, env: &EnvSnapshot, now: Timestamp) -> anyhow::Result<Self> {
        let mut sources = Sources::new(env);
        match &cli.command {
            Command::Sync(args) => {
                sources.flag("OURA_DAYS", "--days", args.days.as_deref());
                sources.flag("OURA_TYPES", "--types", args.types.as_deref());
                sources.flag("OURA_DESTINATION", "--dest", args.dest.as_deref());
                sources.flag("OURA_LAYOUT", "--layout", args.layout.as_deref());
                sources.flag("OURA_CONCURRENCY", "--concurrency", args.concurrency.as_deref());
                sources.flag(
                    "OURA_SILVER_DESTINATION",
                    "--silver-dest",
                    args.silver_dest.as_deref(),
                );
            }
            Command::Status(args) => {
                sources.flag("OURA_DESTINATION", "--dest", args.dest.as_deref());
                sources.flag("OURA_LAYOUT", "--layout", args.layout.as_deref());
                sources.flag(
                    "OURA_SILVER_DESTINATION",
                    "--silver-dest",
                    args.silver_dest.as_deref(),
                );
            }
            Command::Silver(args) => {
                sources.flag("OURA_TYPES", "--types", args.types.as_deref());
                sources.flag("OURA_DESTINATION", "--dest", args.dest.as_deref());
                sources.flag(
                    "OURA_SILVER_DESTINATION",
                    "--silver-dest",
                    args.silver_dest.as_deref(),
                );
            }
            Command::Dashboard(args) => {
                sources.flag("OURA_DESTINATION", "--dest", args.dest.as_deref())
            }
            Command::Mcp(args) => {
                sources.flag("OURA_DESTINATION", "--dest", args.dest.as_deref());
                sources.flag("OURA_LAYOUT", "--layout", args.layout.as_deref());
                sources.flag(
                    "OURA_SILVER_DESTINATION",
                    "--silver-dest",
                    args.silver_dest.as_deref(),
                );
            }
            Command::Auth(_)
            | Command::Refresh
            | Command::Doctor(_)
            | Command::Completions(_)
            | Command::Man(_) => {}
        }
        let oauth = oauth_config(&sources);
        let command = match &cli.command {
            Command::Auth(args) => CommandConfig::Auth(AuthConfig {
                app: OAuthApp::new(&oauth)?,
                login: LoginOptions {
                    open_browser: !args.no_browser,
                    timeout: seconds(&sources, "OURA_AUTH_TIMEOUT", 1)?,
                },
            }),
            Command::Refresh => CommandConfig::Refresh(OAuthApp::new(&oauth)?),
            Command::Sync(args) => CommandConfig::Sync(Box::new(sync_config(args, &sources, now)?)),
            Command::Status(args) => CommandConfig::Status(status_config(args, &sources)?),
            Command::Silver(args) => CommandConfig::Silver(silver_command(args, &sources, now)?),
            Command::Dashboard(args) => {
                CommandConfig::Dashboard(dashboard_config(args, &sources, now)?)
            }
            Command::Mcp(args) => CommandConfig::Mcp(mcp_config(args, &sources)?),
            Command::Doctor(args) => {
                CommandConfig::Doctor(Box::new(doctor_config(args, &sources)?))
            }
            Command::Completions(_) | Command::Man(_) => {
                anyhow::bail!("completions and man pages need no configuration")
            }
        };
        Ok(Self {
            tokens_file: PathBuf::from(sources.value("OURA_TOKENS_FILE").unwrap_or_default()),
            access_token: sources.value("OURA_ACCESS_TOKEN").map(Secret::new),
            oauth,
            aws: aws_config(&sources)?,
            command,
            provenance: sources.provenance(),
        })
    }

    /// Every setting, where its value came from, and its value for display (secrets
    /// redacted), in the order of [`table::SETTINGS`].
    pub fn provenance(&self) -> &[Provenance] {
        &self.provenance
    }
}

/// The name to quote in an error about `resolved`: the flag when a flag set it.
fn label(name: &'static str, resolved: &Resolved<String>) -> &'static str {
    match resolved.source {
        Source::Flag(flag) => flag,
        _ => name,
    }
}

/// Parses a whole number within `range`; `unit` (such as " of seconds") goes into the error.
pub fn parse_number(
    what: &str,
    text: &str,
    range: RangeInclusive<u64>,
    unit: &str,
) -> anyhow::Result<u64> {
    text.trim().parse::<u64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
        UserError::usage(format!(
            "{what} `{text}` must be a whole number{unit} from {} to {}",
            range.start(),
            range.end()
        ))
    })
}

/// The number setting `name` (it has a default) within `range`.
fn number(
    sources: &Sources<'_>,
    name: &'static str,
    range: RangeInclusive<u64>,
    unit: &str,
) -> anyhow::Result<u64> {
    let resolved = sources.get(name).expect("number settings have a default");
    parse_number(label(name, &resolved), &resolved.value, range, unit)
}

/// A duration setting in whole seconds, from `min` to a day.
fn seconds(sources: &Sources<'_>, name: &'static str, min: u64) -> anyhow::Result<Duration> {
    number(sources, name, min..=MAX_WAIT_SECONDS, " of seconds").map(Duration::from_secs)
}

/// `OURA_TIMEZONE`, or the system's zone.
fn timezone(sources: &Sources<'_>) -> anyhow::Result<TimeZone> {
    match sources.value("OURA_TIMEZONE") {
        Some(name) => TimeZone::get(&name).map_err(|_| {
            UserError::usage(format!(
                "OURA_TIMEZONE `{name}` is not a known IANA time zone; use a name such as America/New_York"
            ))
        }),
        None => Ok(TimeZone::system()),
    }
}

fn sync_config(
    args: &SyncArgs,
    sources: &Sources<'_>,
    now: Timestamp,
) -> anyhow::Result<SyncConfig> {
    let timezone = timezone(sources)?;
    let today = now.to_zoned_datetime(timezone.clone()).date();
    let window_args = WindowArgs {
        date: args.date.as_deref(),
        from: args.from.as_deref(),
        to: args.to.as_deref(),
    };
    let window = resolve_window(&window_args, sources, today)?;
    let types = resolve_types(sources)?;
    let lake = lake_config(sources)?;
    let concurrency = number(sources, "OURA_CONCURRENCY", 1..=64, "")? as usize;
    let rate_limit = number(sources, "OURA_RATE_LIMIT", 1..=OURA_LIMIT as u64, "")? as usize;
    let notify = if args.no_notify { None } else { Some(notify_from(sources)?) };
    let attempt_timeout =
        number(sources, "OURA_HTTP_TIMEOUT", 1..=MAX_HTTP_TIMEOUT_SECONDS, " of seconds")?;
    let lock_timeout = seconds(sources, "OURA_LOCK_TIMEOUT", 0)?;
    let silver = silver_place(sources, &lake.place)?;
    let silver = if args.dry_run { None } else { silver };
    // A dry run writes nothing, so it takes no lock of the lake.
    let lake_lock = if args.dry_run { None } else { lake_lock(&lake.place, lock_timeout) };
    Ok(SyncConfig {
        options: SyncOptions {
            window,
            types,
            timezone,
            dry_run: args.dry_run,
            sandbox: args.sandbox,
            json: args.json,
            // A backfill started again goes on where it stopped; a rolling window always
            // refetches.
            resume: args.from.is_some() && !args.force,
            // More pieces than requests, so pieces writing their days do not hold up the next
            // fetches; not many more, as each piece in flight holds up to ~1 MB of records.
            units_in_flight: concurrency + concurrency / 2,
            lake_lock,
            dashboard_in_lake: on_off(sources, "OURA_DASHBOARD_IN_LAKE")?,
        },
        lake,
        client: ClientOptions {
            api_base: api_base(sources),
            sandbox: args.sandbox,
            concurrency,
            backoff_base: BACKOFF_BASE,
            rate_limit,
            attempt_timeout: Duration::from_secs(attempt_timeout),
        },
        notify,
        lock_timeout,
        silver,
    })
}

fn doctor_config(args: &DoctorArgs, sources: &Sources<'_>) -> anyhow::Result<DoctorConfig> {
    Ok(DoctorConfig {
        types: resolve_types(sources)?,
        timezone: timezone(sources)?,
        timezone_name: sources.value("OURA_TIMEZONE"),
        lake: lake_config(sources)?,
        api_base: api_base(sources),
        notify: notify_from(sources)?,
        json: args.json,
        send_test: args.send_test,
    })
}

/// The dashboard's window: `--days` days (default 90; not `OURA_DAYS`, which is the sync's)
/// ending on `--end` (default today in `OURA_TIMEZONE`, and not after it).
fn dashboard_config(
    args: &DashboardArgs,
    sources: &Sources<'_>,
    now: Timestamp,
) -> anyhow::Result<DashboardConfig> {
    let timezone = timezone(sources)?;
    let today = now.to_zoned_datetime(timezone.clone()).date();
    let end = match &args.end {
        Some(text) => parse_date("--end", text)?,
        None => today,
    };
    if end > today {
        return Err(UserError::usage(format!(
            "--end {end} is after today ({today} in OURA_TIMEZONE); give a day up to today"
        )));
    }
    let days = match &args.days {
        Some(text) => parse_number("--days", text, 1..=u64::from(MAX_DAYS), " of days")? as u32,
        None => DEFAULT_DASHBOARD_DAYS,
    };
    let lake = lake_config(sources)?;
    let silver = silver_place(sources, &lake.place)?;
    Ok(DashboardConfig {
        window: Window::ending_on(end, days),
        timezone,
        silver,
        lake,
        out: args.out.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DASHBOARD_OUT)),
        open: args.open,
        now,
    })
}

/// The lock of the lake at `place`, for a command that writes it: one writer per lake, as a
/// local lake has a lock of its own whatever tokens file a run uses. An S3 lake needs none:
/// its DynamoDB ledger keeps each day as its own item, so concurrent writers lose no entry.
fn lake_lock(place: &LakePlace, wait: Duration) -> Option<LakeLock> {
    match place {
        LakePlace::Local { root, .. } => {
            Some(LakeLock { path: RunLock::path_for_lake(root), wait })
        }
        LakePlace::S3 { .. } => None,
    }
}

fn status_config(args: &StatusArgs, sources: &Sources<'_>) -> anyhow::Result<StatusConfig> {
    let lake = lake_config(sources)?;
    let silver = silver_place(sources, &lake.place)?;
    Ok(StatusConfig { lake, silver, json: args.json })
}

fn mcp_config(_args: &McpArgs, sources: &Sources<'_>) -> anyhow::Result<McpConfig> {
    let lake = lake_config(sources)?;
    let silver = silver_place(sources, &lake.place)?;
    Ok(McpConfig { lake, silver, timezone: timezone(sources)? })
}

fn silver_command(
    args: &SilverArgs,
    sources: &Sources<'_>,
    now: Timestamp,
) -> anyhow::Result<SilverCommandConfig> {
    let today = now.to_zoned_datetime(timezone(sources)?).date();
    let start = args.from.as_deref().map(|d| parse_date("--from", d)).transpose()?;
    let end = args.to.as_deref().map(|d| parse_date("--to", d)).transpose()?.unwrap_or(today);
    let start = start.unwrap_or(SILVER_EARLIEST);
    if start > end {
        return Err(UserError::usage(format!(
            "--from {start} is after --to {end}; give the earlier day first"
        )));
    }
    let lake = lake_config(sources)?;
    let Some(silver) = silver_place(sources, &lake.place)? else {
        return Err(UserError::usage(
            "silver is off (OURA_SILVER=off, or an S3 lake without OURA_SILVER_DESTINATION); \
             set OURA_SILVER_DESTINATION or pass --silver-dest",
        ));
    };
    let lock_timeout = seconds(sources, "OURA_LOCK_TIMEOUT", 0)?;
    Ok(SilverCommandConfig {
        lake_lock: lake_lock(&lake.place, lock_timeout),
        lake,
        silver,
        window: Window::new(start, end),
        types: resolve_types(sources)?,
        json: args.json,
        lock_timeout,
    })
}

/// An on/off setting (`on`, `true`, `1`, `yes`; `off`, `false`, `0`, `no`); off when unset.
fn on_off(sources: &Sources<'_>, name: &'static str) -> anyhow::Result<bool> {
    match sources.value(name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if ["on", "true", "1", "yes"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["off", "false", "0", "no"].contains(&v.as_str()) => Ok(false),
        Some(v) => Err(UserError::usage(format!("{name} `{v}` must be on or off"))),
    }
}

/// Where silver goes, or `None` when it is off: `OURA_SILVER_DESTINATION` (`--silver-dest`),
/// else `<lake>/_silver` for a local lake; an S3 lake has no default (off unless set).
/// `OURA_SILVER=off` turns it off unless `--silver-dest` names a place. An S3 silver is
/// encrypted as `OURA_S3_SSE` says.
pub fn silver_place(
    sources: &Sources<'_>,
    lake: &LakePlace,
) -> anyhow::Result<Option<SilverPlace>> {
    let switch = match sources.value("OURA_SILVER").map(|v| v.to_ascii_lowercase()) {
        None => None,
        Some(v) if ["on", "true", "1", "yes"].contains(&v.as_str()) => Some(true),
        Some(v) if ["off", "false", "0", "no"].contains(&v.as_str()) => Some(false),
        Some(v) => return Err(UserError::usage(format!("OURA_SILVER `{v}` must be on or off"))),
    };
    let named = sources.get("OURA_SILVER_DESTINATION");
    let from_flag = named.as_ref().is_some_and(|r| matches!(r.source, Source::Flag(_)));
    if switch == Some(false) && !from_flag {
        return Ok(None);
    }
    let named = named.map(|r| r.value);
    let destination = match (named, lake) {
        (Some(text), _) => Destination::parse(&text)?,
        (None, LakePlace::Local { root, .. }) => Destination::Local(root.join(SILVER_DIR)),
        (None, LakePlace::S3 { .. }) if switch == Some(true) => {
            return Err(UserError::usage(
                "OURA_SILVER is on but an S3 lake has no default silver destination; set \
                 OURA_SILVER_DESTINATION (a directory or s3://BUCKET/PREFIX)",
            ));
        }
        (None, LakePlace::S3 { .. }) => return Ok(None),
    };
    let place = match destination {
        Destination::Local(root) => SilverPlace::Local(root),
        Destination::S3 { bucket, prefix } => SilverPlace::S3 {
            bucket,
            prefix,
            encryption: Encryption::parse(
                sources.value("OURA_S3_SSE").as_deref(),
                sources.value("OURA_S3_KMS_KEY_ID"),
            )?,
        },
    };
    // With the bio-lakehouse layout the typed tables move under a folder of their own.
    Ok(Some(crate::silver::bio::typed_place(place, layout_of(sources)?.name())))
}

/// The lake of `OURA_DESTINATION`/`--dest` (when neither is set but bio-lakehouse's
/// `BRONZE_BUCKET` is, `s3://$BRONZE_BUCKET/oura`, where its `oura-sync.sh` wrote), laid out
/// by `OURA_LAYOUT`/`--layout`; an S3 lake needs `OURA_DYNAMODB_TABLE` (see [`LakePlace`]).
fn lake_config(sources: &Sources<'_>) -> anyhow::Result<LakeConfig> {
    let destination = sources.get("OURA_DESTINATION").expect("OURA_DESTINATION has a default");
    let destination = match (destination.source, sources.value("BRONZE_BUCKET")) {
        (Source::Default, Some(bucket)) => Destination::S3 { bucket, prefix: "oura".into() },
        _ => Destination::parse(&destination.value)?,
    };
    let layout = layout_of(sources)?;
    let ledger_table = sources.value("OURA_DYNAMODB_TABLE");
    let place = match destination {
        Destination::Local(root) => LakePlace::Local { root, ledger_table },
        Destination::S3 { bucket, prefix } => {
            let encryption = Encryption::parse(
                sources.value("OURA_S3_SSE").as_deref(),
                sources.value("OURA_S3_KMS_KEY_ID"),
            )?;
            let Some(ledger_table) = ledger_table else {
                return Err(UserError::usage(format!(
                    "destination {} needs OURA_DYNAMODB_TABLE, the DynamoDB ledger of an S3 \
                     lake; create the table with scripts/aws-bootstrap.sh and set \
                     OURA_DYNAMODB_TABLE",
                    Destination::S3 { bucket, prefix }
                )));
            };
            LakePlace::S3 { bucket, prefix, encryption, ledger_table }
        }
    };
    Ok(LakeConfig { place, layout })
}

/// The layout `OURA_LAYOUT`/`--layout` names.
fn layout_of(sources: &Sources<'_>) -> anyhow::Result<Arc<dyn Layout>> {
    let resolved = sources.get("OURA_LAYOUT").expect("OURA_LAYOUT has a default");
    by_name(resolved.value.trim()).ok_or_else(|| {
        UserError::usage(format!(
            "{} `{}` is not a layout; use {}",
            label("OURA_LAYOUT", &resolved),
            resolved.value,
            layout::NAMES.join(" or ")
        ))
    })
}

/// `OURA_API_BASE` without a trailing slash.
fn api_base(sources: &Sources<'_>) -> String {
    sources.value("OURA_API_BASE").unwrap_or_default().trim_end_matches('/').to_string()
}

fn oauth_config(sources: &Sources<'_>) -> OAuthConfig {
    let text = |name| sources.value(name).unwrap_or_default();
    OAuthConfig {
        client_id: sources.value("OURA_CLIENT_ID"),
        client_secret: sources.value("OURA_CLIENT_SECRET").map(Secret::new),
        authorize_url: text("OURA_AUTHORIZE_URL"),
        token_url: text("OURA_TOKEN_URL"),
        fallback_token_url: text("OURA_TOKEN_FALLBACK_URL"),
        redirect_uri: text("OURA_REDIRECT_URI"),
        scopes: text("OURA_SCOPES"),
    }
}

/// The AWS settings of `env` alone, as every command resolves them.
pub fn aws_settings(env: &EnvSnapshot) -> anyhow::Result<AwsConfig> {
    aws_config(&Sources::new(env))
}

/// The per-service endpoint beats `AWS_ENDPOINT_URL`.
fn aws_config(sources: &Sources<'_>) -> anyhow::Result<AwsConfig> {
    let global = sources.value("AWS_ENDPOINT_URL");
    Ok(AwsConfig {
        region: sources.value("AWS_REGION"),
        profile: sources.value("AWS_PROFILE"),
        s3_endpoint: sources.value("AWS_ENDPOINT_URL_S3").or_else(|| global.clone()),
        dynamodb_endpoint: sources.value("AWS_ENDPOINT_URL_DYNAMODB").or(global),
        checksums: sources
            .value("AWS_REQUEST_CHECKSUM_CALCULATION")
            .map(|text| ChecksumPolicy::parse(&text))
            .transpose()?,
    })
}

/// The notification settings of `env` alone (no flags), as `sync` resolves them.
pub fn notify_config(env: &EnvSnapshot) -> anyhow::Result<NotifyConfig> {
    notify_from(&Sources::new(env))
}

fn notify_from(sources: &Sources<'_>) -> anyhow::Result<NotifyConfig> {
    let text = |name| sources.value(name).unwrap_or_default();
    let on = NotifyOn::parse(&text("OURA_NOTIFY_ON"))?;
    let timeout = number(sources, "OURA_NOTIFY_TIMEOUT", 1..=600, " of seconds")?;
    Ok(NotifyConfig {
        channels: parse_channels(&text("OURA_NOTIFY"))?,
        on,
        timeout: Duration::from_secs(timeout),
        to: sources.value("WHATSAPP_TO"),
        whatsapp: crate::notify::whatsapp::WhatsAppConfig {
            access_token: sources.value("WHATSAPP_ACCESS_TOKEN").map(Secret::new),
            phone_number_id: sources.value("WHATSAPP_PHONE_NUMBER_ID"),
            api_base: text("WHATSAPP_API_BASE"),
            api_version: text("WHATSAPP_API_VERSION"),
            template: sources.value("WHATSAPP_TEMPLATE"),
            template_lang: text("WHATSAPP_TEMPLATE_LANG"),
        },
        twilio: crate::notify::twilio::TwilioConfig {
            account_sid: sources.value("TWILIO_ACCOUNT_SID"),
            auth_token: sources.value("TWILIO_AUTH_TOKEN").map(Secret::new),
            whatsapp_from: sources.value("TWILIO_WHATSAPP_FROM"),
            content_sid: sources.value("TWILIO_CONTENT_SID"),
            api_base: text("TWILIO_API_BASE"),
        },
        callmebot: crate::notify::callmebot::CallMeBotConfig {
            api_key: sources.value("CALLMEBOT_APIKEY").map(Secret::new),
            api_base: text("CALLMEBOT_API_BASE"),
        },
        openclaw: crate::notify::openclaw::OpenClawConfig { bin: text("OPENCLAW_BIN") },
        webhook: crate::notify::webhook::WebhookConfig {
            url: sources.value("NOTIFY_WEBHOOK_URL").map(Secret::new),
            token: sources.value("NOTIFY_WEBHOOK_TOKEN").map(Secret::new),
        },
    })
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
    Ok(Window::ending_on(end, days as u32))
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
