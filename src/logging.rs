//! Logs and progress go to stderr (stdout is for the summary or the JSON report), at a level
//! set by `-q` (errors only), the default (info), `-v` (debug) or `-vv` (trace); `RUST_LOG`
//! overrides all of them.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// The progress bar on screen, if any: log lines are written around it, not through it.
static PROGRESS: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Sets (or clears) the progress bar that log lines must not tear.
pub fn set_progress(bar: Option<indicatif::ProgressBar>) {
    *PROGRESS.lock().unwrap_or_else(|e| e.into_inner()) = bar;
}

/// Writes a log line to stderr, hiding the progress bar while it does.
struct StderrAroundProgress;

impl Write for StderrAroundProgress {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = PROGRESS.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match bar {
            Some(bar) => bar.suspend(|| std::io::stderr().write_all(buf)).map(|()| buf.len()),
            None => std::io::stderr().write_all(buf).map(|()| buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

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
        .with_writer(|| StderrAroundProgress)
        // Colour only for a person at a terminal, never in a cron log file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
