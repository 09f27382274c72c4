//! Logs and progress go to stderr (stdout is for the summary or the JSON report), at a level
//! set by `-q` (errors only), the default (info), `-v` (debug) or `-vv` (trace); `RUST_LOG`
//! overrides all of them.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the stderr logger.
pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    // Other crates' chatter stays at warn unless asked for by RUST_LOG.
    let default = format!("warn,oura_sync={level}");
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal, never in a cron log file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
