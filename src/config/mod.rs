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
mod lake;
#[cfg(test)]
mod notify_settings_tests;
mod serve;
mod sources;
pub mod table;
#[cfg(test)]
mod tests;
mod values;
mod webhooks;
mod window;

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
use crate::auth::store::StoreUri;
use crate::aws::{AwsConfig, ChecksumPolicy};
use crate::cli::{
    AthenaArgs, Cli, Command, DashboardArgs, DoctorArgs, McpArgs, MigrateArgs, SilverArgs,
    StatusArgs, SyncArgs,
};
use crate::datatype::DataType;
use crate::error::UserError;
use crate::lock::RunLock;
use crate::notify::{NotifyConfig, NotifyOn, parse_channels};
use crate::oura::ClientOptions;
use crate::oura::pacer::OURA_LIMIT;
use crate::pipeline::{RunTrigger, SyncJob};
use crate::secret::Secret;
use crate::store::LakeLock;
use crate::store::byte_store::Encryption;
use crate::store::layout::{self, Layout, by_name};
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
    /// Where the login is kept: `OURA_TOKEN_STORE`, else the tokens file.
    pub token_store: StoreUri,
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
    Athena(AthenaConfig),
    Migrate(MigrateConfig),
    Repair(LakeWork),
    Tokens(MoveConfig),
    Serve(Box<ServeConfig>),
    Webhooks(WebhooksConfig),
}

/// `tokens move`: from where (`None`: the configured store) to where.
#[derive(Debug)]
pub struct MoveConfig {
    pub from: Option<StoreUri>,
    pub to: StoreUri,
    /// Replace another login already at `to`.
    pub force: bool,
}

/// `migrate` and `repair`: the lake they rework, as a sync would open it.
#[derive(Debug)]
pub struct LakeWork {
    pub lake: LakeConfig,
    /// Where the silver tables are, rebuilt for what changed; `None` when silver is off.
    pub silver: Option<SilverPlace>,
    /// `OURA_TIMEZONE` (or the system's), and whether it was set.
    pub timezone: TimeZone,
    pub timezone_explicit: bool,
    pub lock_timeout: Duration,
    /// The local lake's own lock.
    pub lake_lock: Option<LakeLock>,
}

/// `migrate`: the lake, and the one value it moves to.
#[derive(Debug)]
pub struct MigrateConfig {
    pub work: LakeWork,
    pub target: MigrateTarget,
}

/// What `migrate` changes.
#[derive(Debug, Clone)]
pub enum MigrateTarget {
    /// `--timezone`: an IANA name that jiff knows.
    Timezone(TimeZone),
    /// `--layout`.
    Layout(std::sync::Arc<dyn crate::store::Layout>),
}

/// `athena`: the lake and silver the statements point at, and the bronze tables' database.
#[derive(Debug)]
pub struct AthenaConfig {
    pub lake: LakeConfig,
    pub silver: Option<SilverPlace>,
    pub database: String,
}

/// `doctor`: everything a sync would use, to check without syncing. Unlike every other
/// command's, it resolves even when settings are invalid: each one is a line of `problems`
/// (the doctor reports them all in one run), and what it would have given is left out or
/// falls back to the default.
#[derive(Debug)]
pub struct DoctorConfig {
    /// The types a sync would fetch (`OURA_TYPES`; all when invalid), whose scopes the login
    /// must grant.
    pub types: Vec<DataType>,
    /// `OURA_TIMEZONE` (or the system's, also when invalid), and the name it was given by.
    pub timezone: TimeZone,
    pub timezone_name: Option<String>,
    /// `None` when the lake's settings are invalid.
    pub lake: Option<LakeConfig>,
    /// `OURA_API_BASE`.
    pub api_base: String,
    /// `None` when the notification settings are invalid.
    pub notify: Option<NotifyConfig>,
    pub json: bool,
    pub send_test: bool,
    /// Every invalid setting, one line each, as the command that uses it would refuse it.
    pub problems: Vec<String>,
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
    pub job: SyncJob,
    /// `OURA_TIMEZONE` (or the system's): decides the days.
    pub timezone: TimeZone,
    /// True when `OURA_TIMEZONE` is set: a lake recorded with another zone refuses the run;
    /// unset, the lake's recorded zone is used ([`crate::lake_identity`]).
    pub timezone_explicit: bool,
    /// How the window's end was given: `None` when a day was named (DATE or `--to`), else
    /// whether the start was (`--from`): the end is "today", which the lake's zone decides.
    pub ends_today: Option<bool>,
    /// Print the JSON report instead of the summary.
    pub json: bool,
    pub lake: LakeConfig,
    /// The lake's own lock, when it has one and the run writes (`None` for a dry run).
    pub lake_lock: Option<LakeLock>,
    pub client: ClientOptions,
    /// `OURA_RATE_LIMIT`: requests allowed in any 5 minutes (see [`crate::oura::pacer`]).
    pub rate_limit: usize,
    /// `None` with `--no-notify`.
    pub notify: Option<NotifyConfig>,
    /// `OURA_LOCK_TIMEOUT`.
    pub lock_timeout: Duration,
    /// Where the silver tables go; `None` when silver is off (or a dry run).
    pub silver: Option<SilverPlace>,
    /// Webhooks fully configured: the run renews the recorded subscriptions that expire
    /// soon (`None` for a dry run or the sandbox).
    pub webhooks: Option<crate::webhooks::WebhookSettings>,
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

/// `dashboard`: the window shown, its time zone, the lake to read, and the file to write.
#[derive(Debug)]
pub struct DashboardConfig {
    pub window: Window,
    /// `OURA_TIMEZONE` (or the system's): the days and clock times of the page.
    pub timezone: TimeZone,
    /// True when `OURA_TIMEZONE` is set; unset, the lake's recorded zone is used.
    pub timezone_explicit: bool,
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
    /// True when `OURA_TIMEZONE` is set; unset, the lake's recorded zone is used.
    pub timezone_explicit: bool,
}

/// The file `dashboard` writes when `--out` is not given.
pub const DEFAULT_DASHBOARD_OUT: &str = "oura-dashboard.html";
/// The days `dashboard` shows when `--days` is not given.
pub const DEFAULT_DASHBOARD_DAYS: u32 = 90;

pub use crate::store::place::{LakeConfig, LakePlace, SilverPlace};
pub use lake::{Destination, silver_place};
use lake::{lake_config, lake_lock};
pub use serve::{ServeConfig, receiver_settings};
use values::{api_base, aws_config, label, notify_from, number, oauth_config, seconds, timezone};
pub use values::{aws_settings, notify_config, parse_number};
pub use webhooks::{WebhooksConfig, WebhooksWork, webhook_settings};
pub use window::{WindowArgs, parse_date, resolve_types, resolve_window};

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
                sources.flag("OURA_CONCURRENCY", "--concurrency", args.concurrency.as_deref());
                let (dest, layout) = (args.dest.as_deref(), args.layout.as_deref());
                sources.lake_flags(dest, layout, args.silver_dest.as_deref());
            }
            Command::Silver(args) => {
                sources.flag("OURA_TYPES", "--types", args.types.as_deref());
                sources.lake_flags(args.dest.as_deref(), None, args.silver_dest.as_deref());
            }
            Command::Dashboard(args) => {
                sources.flag("OURA_DESTINATION", "--dest", args.dest.as_deref())
            }
            Command::Status(StatusArgs { lake, .. })
            | Command::Mcp(McpArgs { lake })
            | Command::Athena(AthenaArgs { lake, .. })
            | Command::Doctor(DoctorArgs { lake, .. }) => {
                let (dest, layout) = (lake.dest.as_deref(), lake.layout.as_deref());
                sources.lake_flags(dest, layout, lake.silver_dest.as_deref());
            }
            Command::Migrate(args) => {
                sources.lake_flags(args.dest.as_deref(), None, None);
            }
            Command::Repair(args) => {
                sources.lake_flags(args.dest.as_deref(), None, None);
            }
            Command::Serve(args) => {
                sources.flag("OURA_DESTINATION", "--dest", args.dest.as_deref())
            }
            Command::Webhooks(args) => webhooks::webhooks_flags(args, &mut sources),
            Command::Auth(_)
            | Command::Refresh
            | Command::Tokens(_)
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
            Command::Doctor(args) => CommandConfig::Doctor(Box::new(doctor_config(args, &sources))),
            Command::Athena(args) => CommandConfig::Athena(athena_config(args, &sources)?),
            Command::Migrate(args) => CommandConfig::Migrate(migrate_config(args, &sources)?),
            Command::Repair(_) => CommandConfig::Repair(lake_work(&sources)?),
            Command::Serve(args) => {
                CommandConfig::Serve(Box::new(serve::serve_config(args, &sources, now)?))
            }
            Command::Tokens(args) => {
                let crate::cli::TokensAction::Move(args) = &args.action;
                CommandConfig::Tokens(MoveConfig {
                    from: args.from.as_deref().map(|t| StoreUri::parse(t, "--from")).transpose()?,
                    to: StoreUri::parse(&args.to, "--to")?,
                    force: args.force,
                })
            }
            Command::Webhooks(args) => {
                CommandConfig::Webhooks(webhooks::webhooks_config(args, &sources)?)
            }
            Command::Completions(_) | Command::Man(_) => {
                anyhow::bail!("completions and man pages need no configuration")
            }
        };
        let mut command = command;
        let aws = match (aws_config(&sources), &mut command) {
            (Ok(aws), _) => aws,
            // The doctor lists it with the others and checks what it can without it.
            (Err(e), CommandConfig::Doctor(doctor)) => {
                doctor.problems.push(format!("{e:#}"));
                AwsConfig::default()
            }
            (Err(e), _) => return Err(e),
        };
        let tokens_file = PathBuf::from(sources.value("OURA_TOKENS_FILE").unwrap_or_default());
        let token_store = match (token_store(&sources, &tokens_file), &mut command) {
            (Ok(store), _) => store,
            // The doctor lists it with the others and checks the tokens file instead.
            (Err(e), CommandConfig::Doctor(doctor)) => {
                doctor.problems.push(format!("{e:#}"));
                StoreUri::File(tokens_file.clone())
            }
            (Err(e), _) => return Err(e),
        };
        Ok(Self {
            token_store,
            tokens_file,
            access_token: sources.value("OURA_ACCESS_TOKEN").map(Secret::new),
            oauth,
            aws,
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

/// `OURA_TOKEN_STORE` when set (never together with `OURA_TOKENS_FILE`), else the tokens file.
fn token_store(sources: &Sources<'_>, tokens_file: &std::path::Path) -> anyhow::Result<StoreUri> {
    let Some(store) = sources.get("OURA_TOKEN_STORE") else {
        return Ok(StoreUri::File(tokens_file.to_path_buf()));
    };
    if let Some(file) = sources.get("OURA_TOKENS_FILE").filter(|f| f.source != Source::Default) {
        return Err(UserError::usage(format!(
            "OURA_TOKEN_STORE (from the {}) and OURA_TOKENS_FILE (from the {}) are both set; the login is kept in \
             one place: unset one of them",
            store.source, file.source
        )));
    }
    let uri = StoreUri::parse(&store.value, "OURA_TOKEN_STORE")?;
    if !matches!(uri, StoreUri::File(_)) {
        crate::features::Feature::Aws.require("Secrets Manager or DynamoDB")?;
    }
    Ok(uri)
}

pub(crate) fn sync_config(
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
        job: SyncJob {
            window,
            types,
            dry_run: args.dry_run,
            sandbox: args.sandbox,
            // A backfill started again goes on where it stopped; a rolling window always
            // refetches.
            resume: args.from.is_some() && !args.force,
            // More pieces than requests, so pieces writing their days do not hold up the next
            // fetches; not many more, as each piece in flight holds up to ~1 MB of records.
            units_in_flight: concurrency + concurrency / 2,
            dashboard_in_lake: values::on_off(sources, "OURA_DASHBOARD_IN_LAKE")?,
            trigger: RunTrigger::Poll,
            gone: Vec::new(),
        },
        timezone,
        timezone_explicit: sources.value("OURA_TIMEZONE").is_some(),
        ends_today: (args.date.is_none() && args.to.is_none()).then_some(args.from.is_some()),
        json: args.json,
        lake,
        lake_lock,
        client: ClientOptions {
            api_base: api_base(sources),
            concurrency,
            backoff_base: BACKOFF_BASE,
            attempt_timeout: Duration::from_secs(attempt_timeout),
        },
        rate_limit,
        notify,
        lock_timeout,
        silver,
        webhooks: webhook_settings(sources).filter(|_| !args.dry_run && !args.sandbox),
    })
}

/// The doctor's configuration: every setting a sync (or `auth`) would check, each problem
/// kept as a line instead of stopping at the first.
fn doctor_config(args: &DoctorArgs, sources: &Sources<'_>) -> DoctorConfig {
    let mut problems = Vec::new();
    let mut note = |result: anyhow::Result<()>| {
        if let Err(e) = result {
            problems.push(format!("{e:#}"));
        }
    };
    let mut types = DataType::ALL.to_vec();
    note(resolve_types(sources).map(|t| types = t));
    let mut zone = TimeZone::system();
    note(timezone(sources).map(|z| zone = z));
    let mut lake = None;
    note(lake_config(sources).map(|l| lake = Some(l)));
    if let Some(lake) = &lake {
        note(silver_place(sources, &lake.place).map(drop));
    }
    let mut notify = None;
    note(notify_from(sources).map(|n| notify = Some(n)));
    // What a sync or a login would refuse besides.
    note(number(sources, "OURA_DAYS", 1..=u64::from(MAX_DAYS), " of days").map(drop));
    note(number(sources, "OURA_CONCURRENCY", 1..=64, "").map(drop));
    note(number(sources, "OURA_RATE_LIMIT", 1..=OURA_LIMIT as u64, "").map(drop));
    note(
        number(sources, "OURA_HTTP_TIMEOUT", 1..=MAX_HTTP_TIMEOUT_SECONDS, " of seconds").map(drop),
    );
    note(seconds(sources, "OURA_LOCK_TIMEOUT", 0).map(drop));
    note(seconds(sources, "OURA_AUTH_TIMEOUT", 1).map(drop));
    note(webhooks::half_configured(sources));
    DoctorConfig {
        types,
        timezone: zone,
        timezone_name: sources.value("OURA_TIMEZONE"),
        lake,
        api_base: api_base(sources),
        notify,
        json: args.json,
        send_test: args.send_test,
        problems,
    }
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
        timezone_explicit: sources.value("OURA_TIMEZONE").is_some(),
        silver,
        lake,
        out: args.out.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DASHBOARD_OUT)),
        open: args.open,
        now,
    })
}

fn status_config(args: &StatusArgs, sources: &Sources<'_>) -> anyhow::Result<StatusConfig> {
    let lake = lake_config(sources)?;
    let silver = silver_place(sources, &lake.place)?;
    Ok(StatusConfig { lake, silver, json: args.json })
}

fn athena_config(args: &AthenaArgs, sources: &Sources<'_>) -> anyhow::Result<AthenaConfig> {
    let lake = lake_config(sources)?;
    let silver = silver_place(sources, &lake.place)?;
    let database =
        args.database.clone().unwrap_or_else(|| crate::ops::athena::DEFAULT_DATABASE.into());
    Ok(AthenaConfig { lake, silver, database })
}

fn mcp_config(_args: &McpArgs, sources: &Sources<'_>) -> anyhow::Result<McpConfig> {
    let lake = lake_config(sources)?;
    let silver = silver_place(sources, &lake.place)?;
    Ok(McpConfig {
        lake,
        silver,
        timezone: timezone(sources)?,
        timezone_explicit: sources.value("OURA_TIMEZONE").is_some(),
    })
}

/// The lake a `migrate` or `repair` reworks, with its silver and lock.
fn lake_work(sources: &Sources<'_>) -> anyhow::Result<LakeWork> {
    let lake = lake_config(sources)?;
    let lock_timeout = seconds(sources, "OURA_LOCK_TIMEOUT", 0)?;
    Ok(LakeWork {
        silver: silver_place(sources, &lake.place)?,
        lake_lock: lake_lock(&lake.place, lock_timeout),
        lake,
        timezone: timezone(sources)?,
        timezone_explicit: sources.value("OURA_TIMEZONE").is_some(),
        lock_timeout,
    })
}

fn migrate_config(args: &MigrateArgs, sources: &Sources<'_>) -> anyhow::Result<MigrateConfig> {
    let target = match (&args.timezone, &args.layout) {
        (Some(zone), _) => MigrateTarget::Timezone(TimeZone::get(zone).map_err(|_| {
            UserError::usage(format!(
                "--timezone `{zone}` is not a known IANA time zone; use a name such as \
                 America/New_York"
            ))
        })?),
        (None, Some(name)) => {
            MigrateTarget::Layout(crate::store::layout::by_name(name).ok_or_else(|| {
                UserError::usage(format!(
                    "--layout `{name}` is not a layout; use {}",
                    crate::store::layout::NAMES.join(" or ")
                ))
            })?)
        }
        (None, None) => return Err(UserError::usage("give --timezone ZONE or --layout NAME")),
    };
    Ok(MigrateConfig { work: lake_work(sources)?, target })
}

fn silver_command(
    args: &SilverArgs,
    sources: &Sources<'_>,
    now: Timestamp,
) -> anyhow::Result<SilverCommandConfig> {
    crate::features::Feature::Parquet.require("silver (Parquet)")?;
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
