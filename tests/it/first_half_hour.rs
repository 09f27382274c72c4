//! What a new user meets in the first half hour, from a fresh clone: the README's offline try
//! runs as pasted, with no port to copy and no warning; nothing is written where a command
//! promises to write nothing; a lake that does not exist is exit 2 for every reading command.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::{TestEnv, inherited_settings, stderr, stdout};

/// The names of every block the README marks to be run, each with the test that runs it; a
/// new marked block needs its test (and a line here).
#[test]
fn every_marked_readme_block_has_its_test() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let marked: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("<!-- readme-test: ")?.strip_suffix(" -->"))
        .collect();
    // try-offline: the_readme_try_block_runs_as_pasted; athena-loop: athena.rs.
    assert_eq!(marked, ["try-offline", "athena-loop"]);
}

/// Every path of the checkout outside `target/` that git does not track (ignored ones too).
fn untracked_outside_target(root: &Path) -> BTreeSet<String> {
    let out = Command::new("git")
        .args(["status", "--porcelain", "--ignored", "--untracked-files=all"])
        .current_dir(root)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("??") || l.starts_with("!!"))
        .map(|l| l[3..].to_string())
        .filter(|p| !p.starts_with("target/"))
        .collect()
}

/// The README's "Try it offline" block, run as printed from the checkout: it builds, starts
/// the fake, waits for it (no port to copy; the old block hard-coded one and synced before the
/// fake had compiled), syncs with no warning (the old generic data gave 34 "field is not in
/// the silver schema" warnings), `status` names the login the sync used (it said "Login: none
/// … run `oura-sync auth`"), and it leaves nothing outside `target/` (it left `try-lake/` and
/// `oura-dashboard.html` in the checkout).
#[test]
fn the_readme_try_block_runs_as_pasted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let before = untracked_outside_target(root);
    let mut bash = Command::new("bash");
    bash.arg("-c").arg(crate::readme::block("try-offline")).current_dir(root);
    for name in inherited_settings() {
        bash.env_remove(name);
    }
    // The binaries this suite has built (try.sh would otherwise rebuild and relink them in
    // the dev profile while other tests run them).
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_oura-sync")).parent().unwrap();
    let out = bash.env("DAYS", "20").env("TRY_BIN_DIR", bin_dir).output().unwrap();
    let (said, logged) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "{said}\n{logged}");
    assert!(said.contains("✅ *Oura sync success*"), "{said}");
    assert!(said.contains("Login: OURA_ACCESS_TOKEN"), "{said}");
    assert!(!said.contains("Login: none"), "{said}");
    assert!(!logged.contains("WARN") && !logged.contains("ERROR"), "{logged}");
    assert!(said.contains("month files updated"), "silver was built: {said}");
    assert!(root.join("target/try/oura-dashboard.html").is_file());
    assert!(root.join("target/try/lake/_silver/sleep").is_dir());
    assert_eq!(untracked_outside_target(root), before, "the try wrote outside target/");
}

/// Every file and directory under `dir`, relative.
fn tree(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            found.insert(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found
}

/// `sync --dry-run` fetches and reports and writes nothing anywhere: no lake, no ledger, and
/// no `./.oura-sync.lock` in the working directory (it took the login's run lock).
#[test]
fn a_dry_run_writes_nothing_anywhere() {
    let env = TestEnv::new();
    crate::common::seed_every_type(&env.oura, &["2026-11-20"]);
    let out = env.run(&["sync", "2026-11-20", "--days", "1", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("dry run"), "{}", stdout(&out));
    assert!(env.oura.request_count() > 0, "it fetched");
    assert_eq!(tree(env.dir.path()), BTreeSet::new(), "a dry run wrote");
}

/// A lake named with `--dest` that does not exist is exit 2 with one line for every command
/// that reads a lake (`dashboard` said "no synced data", `mcp` served an empty lake), and no
/// folder is made.
#[test]
fn a_lake_that_does_not_exist_is_exit_2_for_every_reading_command() {
    let env = TestEnv::new();
    for command in ["status", "silver", "dashboard", "mcp"] {
        let out = env.cmd().args([command, "--dest", "typo-lake"]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("there is no lake at typo-lake"), "{command}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{command}: {err}");
        assert!(stdout(&out).is_empty(), "{command}");
    }
    assert_eq!(tree(env.dir.path()), BTreeSet::new());
}

/// `status` after runs made with a login that is not set now (a bare OURA_ACCESS_TOKEN in the
/// sync's environment only) says the runs had theirs, rather than just "Login: none".
#[test]
fn status_after_a_sync_with_another_login_says_so() {
    let env = TestEnv::new();
    crate::common::seed_every_type(&env.oura, &["2026-11-20"]);
    let synced = env.run(&["sync", "2026-11-20", "--days", "1", "--no-notify"]);
    assert_eq!(synced.status.code(), Some(0), "{}", stderr(&synced));
    let out = env.cmd().env_remove("OURA_ACCESS_TOKEN").arg("status").output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("Login: none here"), "{text}");
    assert!(text.contains("the runs below had theirs"), "{text}");
}
