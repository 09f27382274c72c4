//! `oura-sync completions SHELL` and `oura-sync man`: the shell completion scripts and the
//! man pages, generated from the command-line definition.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::Cli;

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut Cli::command(), "oura-sync", &mut out);
    out.flush()?;
    Ok(0)
}

/// Prints the man page (roff) on stdout, or, with `dir`, writes `oura-sync.1` and one page per
/// subcommand (`oura-sync-sync.1`, …) into it.
pub fn man(dir: Option<&Path>) -> anyhow::Result<u8> {
    let command = Cli::command();
    match dir {
        None => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(command).render(&mut out)?;
            out.flush()?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .and_then(|()| clap_mangen::generate_to(command, dir))
                .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
        }
    }
    Ok(0)
}
