//! Logs and progress go to stderr (stdout is for the summary or the JSON report), at a level
//! set by `-q` (errors only, and no progress bar), the default, `-v` (debug) or `-vv` (trace);
//! `RUST_LOG` overrides all of them. The default is quiet at a terminal (the bar and warnings:
//! a person watching wants to see how far it is and what went wrong, not each step) and info
//! elsewhere (a cron job's or a service's log keeps every step).
//!
//! Colour follows the usual conventions: on at a terminal, off when piped, off whenever
//! `NO_COLOR` is set (to anything but empty), and on even when piped with `CLICOLOR_FORCE`
//! (set, not `0`); `NO_COLOR` wins over `CLICOLOR_FORCE`. The AWS SDK's own warnings (a
//! missing instance-metadata service, with a debug dump) stay hidden unless `-v`.

use std::io::{IsTerminal, Write};

use tracing_subscriber::EnvFilter;

use crate::runtime::{ProgressSink, RunProgress};

/// The terminal's stderr as the logger and the progress bars share it: log lines are written
/// around the bars, never through them. Made once by [`init`] and handed to whoever draws a
/// bar; a bar is drawn only when stderr is a terminal.
#[derive(Clone)]
pub struct Screen {
    bars: indicatif::MultiProgress,
}

impl Screen {
    /// The screen of stderr; with `quiet` (`-q`: errors only) it draws no bar.
    fn new(quiet: bool) -> Self {
        let target = if quiet {
            indicatif::ProgressDrawTarget::hidden()
        } else {
            indicatif::ProgressDrawTarget::stderr()
        };
        Self { bars: indicatif::MultiProgress::with_draw_target(target) }
    }

    /// Takes every bar off the screen (before an abrupt exit, so no stale frame is left).
    pub fn clear(&self) {
        let _ = self.bars.clear();
    }
}

/// Writes a log line to stderr, hiding the progress bars while it does.
struct StderrAroundProgress(Screen);

impl Write for StderrAroundProgress {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.bars.suspend(|| std::io::stderr().write_all(buf)).map(|()| buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Installs the stderr logger and returns the screen it shares with progress bars.
pub fn init(verbose: u8, quiet: bool) -> Screen {
    let screen = Screen::new(quiet);
    let terminal = std::io::stderr().is_terminal();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_filter(verbose, quiet, terminal)));
    let writer = screen.clone();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(move || StderrAroundProgress(writer.clone()))
        .with_ansi(stderr_color())
        .with_target(false)
        .try_init();
    screen
}

/// A bar per run of the type-days fetched (a day of one type: a 7-day sync of 18 types is 126)
/// on stderr, drawn only when stderr is a terminal and not with `-q`. It has no colour (so
/// `NO_COLOR` has nothing to take away), says "planning" until the first days are known
/// rather than `0/0`, and shows its rate with one decimal.
impl ProgressSink for Screen {
    fn start(&self, _run_id: &str) -> Box<dyn RunProgress> {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {days} · {rate} · {eta} left",
            )
            .expect("the template is valid")
            .with_key("days", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = match state.len() {
                    None | Some(0) => write!(w, "planning"),
                    Some(len) => write!(w, "{}/{len} type-days", state.pos()),
                };
            })
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1} type-days/s", state.per_sec());
                },
            ),
        );
        Box::new(TerminalBar(self.bars.add(bar)))
    }
}

/// One run's bar; taken off the screen when the run drops it.
struct TerminalBar(indicatif::ProgressBar);

impl RunProgress for TerminalBar {
    fn add_days(&self, days: u64) {
        self.0.inc_length(days);
    }

    fn days_done(&self, days: u64) {
        self.0.inc(days);
    }
}

impl Drop for TerminalBar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// The log filter when `RUST_LOG` is not set; `terminal`: stderr is one.
fn default_filter(verbose: u8, quiet: bool, terminal: bool) -> String {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) if terminal => "warn",
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

    /// The AWS SDK's warnings need `-v`; `-q` is errors only wherever stderr goes.
    #[test]
    fn the_sdk_is_quiet_unless_verbose() {
        assert!(default_filter(0, false, false).contains("aws_config=error"));
        assert!(default_filter(0, false, false).ends_with("oura_sync=info"));
        assert_eq!(default_filter(1, false, true), "warn,oura_sync=debug");
        assert!(default_filter(0, true, false).ends_with("oura_sync=error"));
        assert!(default_filter(0, true, true).ends_with("oura_sync=error"));
    }

    /// At a terminal the default shows warnings and errors (beside the bar); info lines need
    /// `-v` there, while a log file (stderr not a terminal) keeps them.
    #[test]
    fn a_terminal_gets_warnings_and_a_log_file_gets_info() {
        assert!(default_filter(0, false, true).ends_with("oura_sync=warn"));
        assert!(default_filter(0, false, false).ends_with("oura_sync=info"));
        assert!(default_filter(1, false, true).ends_with("oura_sync=debug"));
    }
}
