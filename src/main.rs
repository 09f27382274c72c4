//! The `oura-sync` binary: parse, set up logging, run, and turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use oura_sync::cli::Cli;
use oura_sync::error::exit_code;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let screen = oura_sync::logging::init(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
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
