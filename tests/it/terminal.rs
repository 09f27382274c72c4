//! What a person at a terminal sees, under a real pseudo-terminal (`script -qec CMD
//! /dev/null`, util-linux): the progress bar and warnings by default, info lines only with
//! `-v`, nothing but errors with `-q`, and the summary as plain text.

use std::process::Command;

use crate::common::{TestEnv, inherited_settings, seed_every_type};
use crate::fake_oura::Fault;

/// The last week, as the default sync fetches it.
fn last_week() -> Vec<String> {
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    (0..7)
        .map(|back| today.checked_sub(jiff::Span::new().days(back)).unwrap().to_string())
        .collect()
}

/// Runs `oura-sync ARGS` under a pseudo-terminal in `env`'s directory (stdout and stderr
/// both the terminal) and returns everything the terminal was sent.
fn at_a_terminal(env: &TestEnv, args: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_oura-sync");
    let mut script = Command::new("script");
    script.arg("-qec").arg(format!("{bin} {args}")).arg("/dev/null");
    script.current_dir(env.dir.path());
    for name in inherited_settings() {
        script.env_remove(name);
    }
    script.env_remove("RUST_LOG").env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    script
        .env("OURA_API_BASE", &env.oura.base_url)
        .env("OURA_TIMEZONE", "UTC")
        .env("OURA_ACCESS_TOKEN", crate::common::TOKEN)
        .env("TERM", "xterm");
    let out = script.output().expect("util-linux `script` runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A week's sync at a terminal: the bar counts type-days (it said "7040 days" for a 414-day
/// backfill of 17 types), a retried answer is a warning, no INFO line is shown (22 of them
/// surrounded the bar before), and the summary has no WhatsApp stars; `-v` brings the INFO
/// lines back; `-q` shows neither the bar nor any log line, only the summary on stdout.
#[test]
fn a_terminal_shows_the_bar_and_warnings_and_plain_text() {
    let env = TestEnv::new();
    let days = last_week();
    seed_every_type(&env.oura, &days.iter().map(String::as_str).collect::<Vec<_>>());
    // One 500 on a type: a retry, which is a warning the person should see.
    env.oura.fault("daily_sleep", [Fault::Status(500)]);
    let shown = at_a_terminal(&env, "sync");
    assert!(shown.contains("type-days"), "no bar drawn:\n{shown}");
    assert!(!shown.contains("INFO"), "info lines at a terminal:\n{shown}");
    assert!(shown.contains("WARN"), "the retry's warning is hidden:\n{shown}");
    assert!(shown.contains("✅ Oura sync success "), "{shown}");
    assert!(!shown.contains("*Oura sync"), "WhatsApp markup at a terminal:\n{shown}");

    let verbose = at_a_terminal(&env, "-v sync");
    assert!(verbose.contains("INFO"), "-v shows the info lines:\n{verbose}");

    env.oura.fault("daily_sleep", [Fault::Status(500)]);
    let quiet = at_a_terminal(&env, "-q sync");
    assert!(!quiet.contains("type-days"), "-q drew a bar:\n{quiet}");
    assert!(!quiet.contains("WARN") && !quiet.contains("INFO"), "{quiet}");
    assert!(quiet.trim_start().starts_with("✅ Oura sync success "), "{quiet}");
}

/// Through a pipe (a cron job, an OpenClaw job) the summary keeps the message's markup, the
/// very text the notification carried, and the log keeps its info lines.
#[test]
fn a_pipe_gets_the_message_text_and_the_info_lines() {
    let env = TestEnv::new();
    let days = last_week();
    seed_every_type(&env.oura, &days.iter().map(String::as_str).collect::<Vec<_>>());
    let out = env.cmd().env_remove("RUST_LOG").arg("sync").output().unwrap();
    assert!(out.status.success());
    assert!(crate::common::stdout(&out).starts_with("✅ *Oura sync success* "));
    assert!(crate::common::stderr(&out).contains("INFO"));
}
