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

/// The async runtime, or `None` after saying why there is none.
fn async_runtime() -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new()
        .map_err(|e| eprintln!("error: cannot start the async runtime: {e}"))
        .ok()
}
