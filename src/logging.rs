//! Logs and progress go to stderr (stdout is for the summary or the JSON report), at a level
//! set by `-q` (errors only), the default (info), `-v` (debug) or `-vv` (trace); `RUST_LOG`
//! overrides all of them.
//!
//! Colour follows the usual conventions: on at a terminal, off when piped, off whenever
//! `NO_COLOR` is set (to anything but empty), and on even when piped with `CLICOLOR_FORCE`
//! (set, not `0`); `NO_COLOR` wins over `CLICOLOR_FORCE`. The AWS SDK's own warnings (a
//! missing instance-metadata service, with a debug dump) stay hidden unless `-v`.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// The progress bar on screen, if any: log lines are written around it, not through it.
static PROGRESS: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Sets (or clears) the progress bar that log lines must not tear.
pub fn set_progress(bar: Option<indicatif::ProgressBar>) {
    *PROGRESS.lock().unwrap_or_else(|e| e.into_inner()) = bar;
}

/// Clears the progress bar from the screen and forgets it (before an abrupt exit, so no stale
/// frame is left on the terminal).
pub fn clear_progress() {
    if let Some(bar) = PROGRESS.lock().unwrap_or_else(|e| e.into_inner()).take() {
        bar.finish_and_clear();
    }
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
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_filter(verbose, quiet)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| StderrAroundProgress)
        .with_ansi(stderr_color())
        .with_target(false)
        .try_init();
}

/// The log filter when `RUST_LOG` is not set.
fn default_filter(verbose: u8, quiet: bool) -> String {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    // Other crates' chatter stays at warn; the AWS SDK's at error, as its warnings carry debug
    // dumps of what it tried (the user sees the one-line cause from oura-sync instead).
    if verbose == 0 {
        format!(
            "warn,aws_config=error,aws_smithy_runtime=error,aws_runtime=error,oura_sync={level}"
        )
    } else {
        format!("warn,oura_sync={level}")
    }
}

/// Whether stderr gets colour, from the environment and whether it is a terminal.
pub fn stderr_color() -> bool {
    use_color(
        std::env::var_os("NO_COLOR"),
        std::env::var_os("CLICOLOR_FORCE"),
        std::io::stderr().is_terminal(),
    )
}

/// The colour decision (see the module doc), as a pure function.
fn use_color(
    no_color: Option<std::ffi::OsString>,
    clicolor_force: Option<std::ffi::OsString>,
    terminal: bool,
) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if clicolor_force.is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    terminal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_beats_clicolor_force_which_beats_the_terminal() {
        let set = |v: &str| Some(std::ffi::OsString::from(v));
        assert!(use_color(None, None, true));
        assert!(!use_color(None, None, false));
        assert!(!use_color(set("1"), None, true));
        assert!(!use_color(set("1"), set("1"), false));
        assert!(use_color(set(""), None, true), "an empty NO_COLOR counts as unset");
        assert!(use_color(None, set("1"), false));
        assert!(!use_color(None, set("0"), false));
    }

    #[test]
    fn the_sdk_is_quiet_unless_verbose() {
        assert!(default_filter(0, false).contains("aws_config=error"));
        assert!(default_filter(0, false).ends_with("oura_sync=info"));
        assert_eq!(default_filter(1, false), "warn,oura_sync=debug");
        assert!(default_filter(0, true).ends_with("oura_sync=error"));
    }
}
