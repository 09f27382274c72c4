//! `oura-sync completions SHELL` and `oura-sync man`: the shell completion scripts and the
//! man pages, generated from the command-line definition, the usage table (examples, exit
//! codes) and the settings table (ENVIRONMENT).

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use roff::{Roff, bold, italic, roman};

use crate::cli::Cli;
use crate::config::table::{GROUPS, SETTINGS};
use crate::usage::usage;

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    // Into a buffer first: clap_complete panics when its writer fails (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "oura-sync", &mut script);
    crate::stdout::print_with(|out| out.write_all(&script))?;
    Ok(0)
}

/// Prints the man page (roff) on stdout, or, with `dir`, writes `oura-sync.1` and one page per
/// subcommand (`oura-sync-sync.1`, …) into it.
pub fn man(dir: Option<&Path>) -> anyhow::Result<u8> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    match dir {
        None => {
            let text = page(&command, "")?;
            crate::stdout::print_with(|out| out.write_all(&text))?;
        }
        Some(dir) => write_pages(&command, dir)
            .with_context(|| format!("cannot write the man pages into {}", dir.display()))?,
    }
    Ok(0)
}

fn write_pages(command: &clap::Command, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("oura-sync.1"), page(command, "")?)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_display_name().unwrap_or_else(|| sub.get_name());
        std::fs::write(dir.join(format!("{name}.1")), page(sub, sub.get_name())?)?;
    }
    Ok(())
}

/// One man page: clap's sections (name, synopsis, description, options, subcommands), then
/// EXAMPLES and EXIT STATUS from the usage table, ENVIRONMENT (the main page) or SEE ALSO
/// (a command's page), and the version.
pub fn page(command: &clap::Command, name: &str) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if command.has_subcommands() {
        man.render_subcommands_section(&mut out)?;
    }
    let mut roff = Roff::new();
    usage_sections(&mut roff, name);
    if name.is_empty() {
        environment_section(&mut roff);
    } else {
        roff.control("SH", ["SEE ALSO"]);
        roff.text([bold("oura-sync"), roman("(1), for the settings (ENVIRONMENT) and the files.")]);
    }
    roff.to_writer(&mut out)?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

fn usage_sections(roff: &mut Roff, name: &str) {
    let usage = usage(name);
    if !usage.examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        for (line, what) in usage.examples {
            roff.control("TP", []);
            roff.text([bold(*line)]);
            roff.text([roman(*what)]);
        }
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in usage.exit_codes {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(*meaning)]);
    }
}

/// Every setting of the table under its group, with its default (or "none") and whether it
/// is a secret; the same rows `.env.oura.example` is made from.
fn environment_section(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    roff.text([roman(
        "Every setting is an environment variable or a NAME=value line of the env file \
         (--env-file, default .env.oura in the working directory). Precedence: flag > \
         environment > env file > default. An empty value counts as unset.",
    )]);
    for setting in SETTINGS {
        if let Some(group) = GROUPS.iter().find(|g| g.first == setting.name) {
            roff.control("SS", [group.title]);
        }
        roff.control("TP", []);
        roff.text([bold(setting.name)]);
        let default = match setting.default {
            Some(value) => format!(" Default: {value}."),
            None if setting.secret => " Secret: never printed.".to_owned(),
            None => " Default: none.".to_owned(),
        };
        roff.text([roman(format!("{}{default}", setting.help))]);
    }
    roff.control("SH", ["FILES"]);
    for (file, what) in [
        (".env.oura", "the settings file read by default"),
        (".oura-tokens.json", "the login (OURA_TOKENS_FILE), mode 0600"),
        ("./oura-lake", "the local lake (OURA_DESTINATION)"),
    ] {
        roff.control("TP", []);
        roff.text([italic(file)]);
        roff.text([roman(what)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn main_page() -> String {
        let mut command = Cli::command().disable_help_subcommand(true);
        command.build();
        String::from_utf8(page(&command, "").unwrap()).unwrap()
    }

    /// The main man page has an ENVIRONMENT section naming every setting of the table with its
    /// default, and an EXIT STATUS with the contract's four codes.
    #[test]
    fn the_man_page_lists_every_setting_and_the_exit_status() {
        let text = main_page();
        let env = &text[text.find(".SH ENVIRONMENT").expect("ENVIRONMENT")..];
        for setting in SETTINGS {
            // roff escapes `-` as `\-`; names have underscores only.
            assert!(env.contains(&format!("\\fB{}\\fR", setting.name)), "{}", setting.name);
            if let Some(default) = setting.default {
                let escaped = default.replace('-', "\\-");
                assert!(env.contains(&format!("Default: {escaped}.")), "{}", setting.name);
            }
        }
        let exit = &text[text.find(".SH \"EXIT STATUS\"").expect("EXIT STATUS")..];
        for code in ["0", "1", "2", "3"] {
            assert!(exit.contains(&format!(".TP\n\\fB{code}\\fR")), "{code}");
        }
    }

    /// Each command's own page has its examples and exit status.
    #[test]
    fn each_command_page_has_examples_and_exit_status() {
        let mut command = Cli::command().disable_help_subcommand(true);
        command.build();
        for sub in command.get_subcommands() {
            let text = String::from_utf8(page(sub, sub.get_name()).unwrap()).unwrap();
            assert!(text.contains(".SH EXAMPLES"), "{}", sub.get_name());
            assert!(text.contains(".SH \"EXIT STATUS\""), "{}", sub.get_name());
        }
    }
}
