//! oura-sync keeps a person's Oura Ring data in their own data lake.
//!
//! The crate map, from the edge in:
//! - [`cli`]: the command line as typed; [`config`]: the flags, environment and env file
//!   resolved once into typed parts (used by [`commands`] alone).
//! - [`commands`]: one module per subcommand, glue only (the only place that handles signals
//!   or ends the process); [`ops`]: the operations they run.
//! - [`runtime`]: what the syncs of a process share (HTTP client, rate budget, cancellation,
//!   progress); [`account`]: one person's login, lake, recipients and time zone.
//! - [`pipeline`]: the sync engine: fetch every type, file records by day, write, record;
//!   [`pieces`]: series windows cut into pieces sized from Oura's pages.
//! - [`oura`]: the Oura API v2 client (pagination, retries, the end-date traps).
//! - [`auth`]: where bearer tokens come from.
//! - [`aws`]: the S3 and DynamoDB clients, built once from the SDK's default chain;
//!   [`features`]: the optional parts of the build (`aws`, `parquet`) and their refusals.
//! - [`store`]: the lake ([`store::ObjectStore`]); [`ledger`]: the run and day catalogue
//!   ([`ledger::Ledger`]).
//! - [`notify`]: the message after every run (WhatsApp and others); [`lock`]: one sync at a
//!   time.
//! - [`doctor`]: the checks of `oura-sync doctor`; [`logging`]: stderr logs, colour, the
//!   progress bar.
//! - [`report`]: the run report and summary; [`window`]: days, windows and time zones;
//!   [`datatype`]: the 19 data types; [`scope`]: OAuth scope names; [`error`]: exit codes;
//!   [`secret`]: redacted strings; [`scrub`]: outside text cleaned of secrets and escapes;
//!   [`fsutil`]: atomic writes; [`http_body`]: bodies read with a size cap; [`text`]:
//!   one-line messages and cause chains; [`tls`]: the roots every HTTPS client trusts.
//! - [`silver`]: the typed Parquet tables built from the lake after each sync.
//! - [`commands::lambda`]: the same binary as a Lambda custom runtime (`AWS_LAMBDA_RUNTIME_API` set).
//! - [`mcp`]: `oura-sync mcp`, the lake served to an assistant over the Model Context Protocol.
//! - [`webhooks`]: Oura webhooks (which types have them, subscriptions).

pub mod account;
pub mod auth;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dashboard;
pub mod datatype;
pub mod doctor;
pub mod error;
pub mod features;
pub mod fsutil;
pub mod health;
pub mod http_body;
pub mod lake_identity;
pub mod ledger;
pub mod lock;
pub mod logging;
pub mod mcp;
pub mod notify;
pub mod ops;
pub mod oura;
pub mod pieces;
pub mod pipeline;
pub mod provenance;
pub mod report;
pub mod runtime;
pub mod scope;
pub mod scrub;
pub mod secret;
pub mod silver;
pub mod stdout;
pub mod store;
pub mod text;
pub mod tls;
pub mod usage;
pub mod webhooks;
pub mod window;

use cli::{Cli, Command};
use config::{CommandConfig, Config, EnvSnapshot};

/// Runs a parsed command line and returns the process exit code (CONTRACT §6): the
/// environment and env file read once, resolved, then the command. `screen` is the stderr
/// the logger shares with progress bars ([`logging::init`]).
pub async fn run(cli: Cli, screen: &logging::Screen) -> anyhow::Result<u8> {
    // These two read no setting, so a broken env file cannot stop them.
    match &cli.command {
        Command::Completions(args) => return commands::help::completions(args.shell),
        Command::Man(args) => return commands::help::man(args.dir.as_deref()),
        _ => {}
    }
    let resolved = EnvSnapshot::capture(cli.env_file.as_deref())
        .and_then(|env| Config::resolve(&cli, &env, jiff::Timestamp::now()));
    let config = match (resolved, &cli.command) {
        (Ok(config), _) => config,
        // The doctor reports an invalid setting as its failed check, in its own form.
        (Err(e), Command::Doctor(args)) => return commands::doctor::unresolved(&e, args.json),
        (Err(e), _) => return Err(e),
    };
    match &config.command {
        CommandConfig::Auth(auth) => commands::auth::exec(&config, auth).await,
        CommandConfig::Refresh(app) => commands::refresh::exec(&config, app).await,
        CommandConfig::Sync(sync) => commands::sync::exec(&config, sync, screen).await,
        CommandConfig::Status(status) => commands::status::exec(&config, status).await,
        #[cfg(feature = "parquet")]
        CommandConfig::Silver(silver) => commands::silver::exec(&config, silver).await,
        #[cfg(not(feature = "parquet"))]
        CommandConfig::Silver(_) => Err(features::Feature::Parquet.missing("silver (Parquet)")),
        CommandConfig::Dashboard(dashboard) => commands::dashboard::exec(&config, dashboard).await,
        CommandConfig::Mcp(mcp) => commands::mcp::exec(&config, mcp).await,
        CommandConfig::Doctor(doctor) => commands::doctor::exec(&config, doctor).await,
        CommandConfig::Migrate(migrate) => commands::migrate::exec(&config, migrate).await,
        CommandConfig::Repair(repair) => commands::repair::exec(&config, repair).await,
        CommandConfig::Athena(athena) => commands::athena::exec(athena),
        CommandConfig::Tokens(moving) => commands::tokens::exec(&config, moving).await,
        CommandConfig::Serve(serve) => commands::serve::exec(&config, serve, screen).await,
        CommandConfig::Webhooks(webhooks) => commands::webhooks::exec(&config, webhooks).await,
    }
}
