//! The command line as typed (CONTRACT §1): clap definitions only, no I/O and no defaults from
//! the environment; [`crate::config`] turns these into checked settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::datatype::DataType;
use crate::usage::after_help;

/// The heading of the options every command takes, listed after the command's own.
const GLOBAL: &str = "Global options";

/// Keep your Oura Ring data in your own data lake.
#[derive(Debug, Parser)]
#[command(
    name = "oura-sync",
    version = env!("OURA_SYNC_VERSION"),
    about,
    propagate_version = true,
    after_help = after_help("")
)]
pub struct Cli {
    /// Settings file (KEY=value lines); a missing default `.env.oura` is not an error.
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub env_file: Option<PathBuf>,

    /// More log output on stderr (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(
        short,
        long,
        global = true,
        action = clap::ArgAction::Count,
        conflicts_with = "quiet",
        help_heading = GLOBAL
    )]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in to Oura once (OAuth in a browser) and write the tokens file. Needs your Oura
    /// app's OURA_CLIENT_ID and OURA_CLIENT_SECRET (README: Logging in to Oura).
    #[command(after_help = after_help("auth"))]
    Auth(AuthArgs),
    /// Refresh the access token now and print its new expiry.
    #[command(after_help = after_help("refresh"))]
    Refresh,
    /// Fetch a window of days of every data type into the lake.
    #[command(after_help = sync_after_help())]
    Sync(SyncArgs),
    /// Show the last runs and, per data type, the last day synced.
    #[command(after_help = after_help("status"))]
    Status(StatusArgs),
    /// Rebuild the silver tables (typed Parquet) from the bronze lake; no Oura request.
    #[command(after_help = after_help("silver"))]
    Silver(SilverArgs),
    /// Re-file the lake's objects exactly under a new time zone or layout, and record it;
    /// resumable (a killed migration finishes when run again).
    #[command(after_help = after_help("migrate"))]
    Migrate(MigrateArgs),
    /// Rebuild the ledger's day entries from the lake's own objects (and the silver tables
    /// of what changed); never drops an object's entry.
    #[command(after_help = after_help("repair"))]
    Repair(RepairArgs),
    /// Write a self-contained HTML dashboard of the last days from the lake.
    #[command(after_help = after_help("dashboard"))]
    Dashboard(DashboardArgs),
    /// Answer an assistant's questions about the lake: a Model Context Protocol server on
    /// stdin/stdout (reads the lake only; never calls Oura, needs no login).
    #[command(after_help = after_help("mcp"))]
    Mcp(McpArgs),
    /// Check every setting, the login, Oura, the destination, the time zone, the clock and
    /// the notification channels, without syncing (one probe object is written into the lake
    /// and removed, to prove it takes writes).
    #[command(after_help = after_help("doctor"))]
    Doctor(DoctorArgs),
    /// Print the Athena statements (CREATE DATABASE, CREATE TABLE) for the configured S3 lake:
    /// bronze, silver, and bio-lakehouse's tables, ready to run.
    #[command(after_help = after_help("athena"))]
    Athena(AthenaArgs),
    /// Manage where the login is kept: `tokens move --to URI` moves it into another token
    /// store (README: Where the login is kept).
    #[command(after_help = after_help("tokens"))]
    Tokens(TokensArgs),
    /// Receive Oura's webhook calls over HTTP (answering on any path, behind a reverse proxy
    /// or tunnel) and apply each delivery to its day of the lake (README: Webhooks).
    #[command(after_help = after_help("serve"))]
    Serve(ServeArgs),
    /// Manage Oura webhook subscriptions with the app's OURA_CLIENT_ID/OURA_CLIENT_SECRET:
    /// subscribe every synced type to a callback URL, list, renew, delete (README: Webhooks).
    #[command(after_help = after_help("webhooks"))]
    Webhooks(WebhooksArgs),
    /// Print a shell completion script on stdout (see the README to install it).
    #[command(after_help = after_help("completions"))]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout, or write one page per command into a directory.
    #[command(after_help = after_help("man"))]
    Man(ManArgs),
}

/// The text after `sync --help`: the data types, the examples, the exit codes.
fn sync_after_help() -> String {
    let types: Vec<&str> = DataType::ALL.iter().map(|t| t.name()).collect();
    format!("Data types (--types, OURA_TYPES): {}\n\n{}", types.join(", "), after_help("sync"))
}

/// Offers `names` to shell completion (and nothing else, such as file names) while taking any
/// text: the value is checked later by the settings, with the project's own error message.
fn completes(names: impl IntoIterator<Item = &'static str>) -> PossibleValuesOnly {
    PossibleValuesOnly(names.into_iter().collect())
}

/// A value parser that accepts any string and lists possible values for completion only.
#[derive(Clone, Debug)]
pub struct PossibleValuesOnly(Vec<&'static str>);

impl clap::builder::TypedValueParser for PossibleValuesOnly {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().map(|name| clap::builder::PossibleValue::new(*name))))
    }
}

/// The data types' names, for completing `--types`.
fn type_names() -> PossibleValuesOnly {
    completes(DataType::ALL.iter().map(|t| t.name()))
}

/// The layouts' names, for completing `--layout`.
fn layout_names() -> PossibleValuesOnly {
    completes(crate::store::layout::NAMES.iter().copied())
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,

    /// Also send a test message on every notification channel of OURA_NOTIFY.
    #[arg(long)]
    pub send_test: bool,

    #[command(flatten)]
    pub lake: LakeArgs,
}

/// `serve`: where to listen, and the lake the deliveries go into.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on (a loopback address behind a reverse proxy).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: String,

    /// Where the lake is: a directory or s3://bucket/prefix (default OURA_DESTINATION).
    #[arg(long, value_name = "URI")]
    pub dest: Option<String>,
}

/// The lake a command looks at: the three place flags of `status`, `mcp`, `doctor` and
/// `athena` (each `None` when not given: the settings decide).
#[derive(Debug, Args)]
pub struct LakeArgs {
    /// Where the lake is: a directory or s3://bucket/prefix (default OURA_DESTINATION).
    #[arg(long, value_name = "URI")]
    pub dest: Option<String>,

    /// How the lake's objects are laid out (default OURA_LAYOUT).
    #[arg(long, value_name = "NAME", value_parser = layout_names(), hide_possible_values = true)]
    pub layout: Option<String>,

    /// Where the silver tables are (default OURA_SILVER_DESTINATION, else <lake>/_silver).
    #[arg(long, value_name = "URI")]
    pub silver_dest: Option<String>,
}

/// `athena`: which lake the statements are for, and the database they make.
#[derive(Debug, Args)]
pub struct AthenaArgs {
    #[command(flatten)]
    pub lake: LakeArgs,

    /// The database of the bronze tables (default oura); silver's is NAME_silver.
    #[arg(long, value_name = "NAME")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct TokensArgs {
    #[command(subcommand)]
    pub action: TokensAction,
}

#[derive(Debug, Subcommand)]
pub enum TokensAction {
    /// Move the login into another store; the source keeps no usable refresh token.
    #[command(after_help = after_help("tokens"))]
    Move(MoveArgs),
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    /// Where to: secretsmanager://SECRET_ID, dynamodb://TABLE or file://PATH.
    #[arg(long, value_name = "URI")]
    pub to: String,

    /// Where from (default: OURA_TOKEN_STORE, else the tokens file).
    #[arg(long, value_name = "URI")]
    pub from: Option<String>,

    /// Replace another login already stored at --to.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write oura-sync.1 and a page per subcommand (oura-sync-sync.1, …) into DIR instead.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct AuthArgs {
    /// Do not try to open a browser; open the printed URL yourself (or elsewhere, then paste
    /// the redirected address here).
    #[arg(long)]
    pub no_browser: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The window's last day (YYYY-MM-DD); defaults to today in OURA_TIMEZONE.
    #[arg(value_name = "DATE", conflicts_with = "from")]
    pub date: Option<String>,

    /// How many days the window holds, ending on DATE (1..=3660; default OURA_DAYS or 7).
    #[arg(long, value_name = "N", conflicts_with = "from")]
    pub days: Option<String>,

    /// First day of an explicit window (a backfill); the window ends on --to or today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,

    /// Last day of an explicit window (with --from).
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with = "date", requires = "from")]
    pub to: Option<String>,

    /// Comma-separated data types (default OURA_TYPES or all).
    #[arg(long, value_name = "T1,T2", value_parser = type_names(), hide_possible_values = true)]
    pub types: Option<String>,

    /// Where the lake is: a local directory or s3://bucket/prefix (default OURA_DESTINATION).
    #[arg(long, value_name = "URI")]
    pub dest: Option<String>,

    /// How the lake's objects are laid out: hive-ndjson or bio-lakehouse (default OURA_LAYOUT).
    #[arg(long, value_name = "NAME", value_parser = layout_names(), hide_possible_values = true)]
    pub layout: Option<String>,

    /// Fetch and report, but write nothing anywhere.
    #[arg(long)]
    pub dry_run: bool,

    /// Read Oura's sandbox (synthetic data, no login needed).
    #[arg(long)]
    pub sandbox: bool,

    /// Print the run report as JSON instead of the summary.
    #[arg(long)]
    pub json: bool,

    /// Send no notification for this run, whatever OURA_NOTIFY says.
    #[arg(long)]
    pub no_notify: bool,

    /// With --from: fetch again the days the ledger already holds (a resumed backfill skips them).
    #[arg(long, requires = "from")]
    pub force: bool,

    /// Requests in flight at once, 1..=64 (default OURA_CONCURRENCY or 16).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<String>,

    /// Where the silver tables go: a directory or s3://bucket/prefix (default
    /// OURA_SILVER_DESTINATION, else <lake>/_silver for a local lake).
    #[arg(long, value_name = "URI")]
    pub silver_dest: Option<String>,
}

#[derive(Debug, Args)]
pub struct SilverArgs {
    /// First day to rebuild (YYYY-MM-DD; its whole month is rebuilt); default: the lake's first.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,

    /// Last day to rebuild (its whole month is rebuilt); default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<String>,

    /// Comma-separated data types (default OURA_TYPES or all).
    #[arg(long, value_name = "T1,T2", value_parser = type_names(), hide_possible_values = true)]
    pub types: Option<String>,

    /// Where the bronze lake is (default OURA_DESTINATION).
    #[arg(long, value_name = "URI")]
    pub dest: Option<String>,

    /// Where the silver tables go (default OURA_SILVER_DESTINATION, else <lake>/_silver).
    #[arg(long, value_name = "URI")]
    pub silver_dest: Option<String>,

    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `migrate`: one new value, the zone or the layout.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["timezone", "layout"])))]
pub struct MigrateArgs {
    /// The IANA time zone to file the lake's days in from now on.
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,

    /// The layout to lay the lake's objects out in from now on.
    #[arg(long, value_name = "NAME", value_parser = layout_names(), hide_possible_values = true)]
    pub layout: Option<String>,

    /// Where the lake is (default OURA_DESTINATION).
    #[arg(long, value_name = "URI")]
    pub dest: Option<String>,
}

/// `repair`: which lake.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// Where the lake is (default OURA_DESTINATION).
    #[arg(long, value_name = "URI")]
    pub dest: Option<String>,
}

#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// How many days the dashboard shows, ending on --end (1..=3660; default 90).
    #[arg(long, value_name = "N")]
    pub days: Option<String>,

    /// The last day shown (YYYY-MM-DD); defaults to today in OURA_TIMEZONE.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub end: Option<String>,

    /// The HTML file to write (default oura-dashboard.html), replaced atomically.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,

    /// Open the written file in the system browser.
    #[arg(long)]
    pub open: bool,

    /// Where the lake is (default OURA_DESTINATION).
    #[arg(long, value_name = "URI")]
    pub dest: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub lake: LakeArgs,

    /// Print the status as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `mcp`: which lake to serve (the same lake options as `status`).
#[derive(Debug, Args)]
pub struct McpArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
}

/// `webhooks`: one of the subscription actions.
#[derive(Debug, Args)]
pub struct WebhooksArgs {
    #[command(subcommand)]
    pub action: WebhooksAction,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksAction {
    /// Subscribe every synced type that has webhooks (create, update and delete events) to
    /// URL, making only what is missing; the receiver at URL must already answer Oura's check.
    #[command(after_help = after_help("webhooks"))]
    Subscribe(SubscribeArgs),
    /// List the app's subscriptions with their expiry, and the types that lack one.
    #[command(after_help = after_help("webhooks"))]
    List(ListArgs),
    /// Renew the subscriptions that expire within N days (default 7).
    #[command(after_help = after_help("webhooks"))]
    Renew(RenewArgs),
    /// Delete subscriptions: by id, every one with a callback URL, or all of the app's.
    #[command(after_help = after_help("webhooks"))]
    Delete(DeleteArgs),
}

/// What every `webhooks` action takes: where the subscriptions are recorded, and the form.
#[derive(Debug, Args)]
pub struct WebhooksOutput {
    /// The lake whose ledger records the subscriptions (default OURA_DESTINATION).
    #[arg(long, value_name = "URI")]
    pub dest: Option<String>,

    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SubscribeArgs {
    /// The callback URL Oura posts deliveries to (https://…, where `oura-sync serve` or the
    /// Lambda Function URL answers).
    #[arg(long, value_name = "URL")]
    pub url: String,

    /// Comma-separated data types (default OURA_TYPES or all; those without webhooks are
    /// left out).
    #[arg(long, value_name = "T1,T2", value_parser = type_names(), hide_possible_values = true)]
    pub types: Option<String>,

    #[command(flatten)]
    pub output: WebhooksOutput,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The data types whose missing subscriptions to point out (default OURA_TYPES or all).
    #[arg(long, value_name = "T1,T2", value_parser = type_names(), hide_possible_values = true)]
    pub types: Option<String>,

    #[command(flatten)]
    pub output: WebhooksOutput,
}

#[derive(Debug, Args)]
pub struct RenewArgs {
    /// Renew those expiring within N days (0..=365; default 7).
    #[arg(long, visible_alias = "within", value_name = "N")]
    pub within_days: Option<String>,

    #[command(flatten)]
    pub output: WebhooksOutput,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["ids", "url", "all"])))]
pub struct DeleteArgs {
    /// The ids of the subscriptions to delete (as `webhooks list` shows them).
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,

    /// Delete every subscription whose callback is URL.
    #[arg(long, value_name = "URL", conflicts_with_all = ["ids", "all"])]
    pub url: Option<String>,

    /// Delete every subscription of the app.
    #[arg(long, conflicts_with = "ids")]
    pub all: bool,

    #[command(flatten)]
    pub output: WebhooksOutput,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sync_help_lists_every_type_and_the_exit_codes() {
        let help = sync_after_help();
        for t in DataType::ALL {
            assert!(help.contains(t.name()), "{t}");
        }
        assert!(help.contains("3  a new login is needed"));
    }
}
