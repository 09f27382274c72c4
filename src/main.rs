//! The `oura-sync` binary: parse, set up logging, run, and turn the outcome into an exit code;
//! or, started by Lambda, serve invocations ([`oura_sync::commands::lambda`]).

use std::process::ExitCode;

use clap::Parser;
use oura_sync::cli::Cli;
use oura_sync::error::exit_code;

fn main() -> ExitCode {
    // Lambda starts a custom runtime's bootstrap with no arguments and this variable set.
    #[cfg(feature = "aws")]
    if oura_sync::commands::lambda::requested() {
        oura_sync::logging::init(0, false);
        return match async_runtime() {
            Some(runtime) => ExitCode::from(runtime.block_on(oura_sync::commands::lambda::serve())),
            None => ExitCode::from(1),
        };
    }
    let cli = Cli::parse();
    let screen = oura_sync::logging::init(cli.verbose, cli.quiet);
    let Some(runtime) = async_runtime() else { return ExitCode::from(1) };
    match runtime.block_on(oura_sync::run(cli, &screen)) {
        Ok(code) => ExitCode::from(code),
        // A reader that closed the pipe early (`| head`) wanted no more: not an error.
        Err(err) if oura_sync::stdout::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole chain of causes on one line.
            eprintln!("error: {err:#}");
            ExitCode::from(exit_code(&err))
        }
    }
}

/// Threads for blocking work (file reads and writes, fsyncs, file locks). Tokio's default
/// (512) let a backfill start a thread for each of its many small file reads at once (over a
/// hundred on a 10-year window), and glibc gives each thread its own malloc arena whose freed
/// memory stays with the process: the peak memory grew with the window. File work on a local
/// disk is short, so a few threads keep up; more requests only queue.
const BLOCKING_THREADS: usize = 8;

/// The async runtime, or `None` after saying why there is none.
fn async_runtime() -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .map_err(|e| eprintln!("error: cannot start the async runtime: {e}"))
        .ok()
}
