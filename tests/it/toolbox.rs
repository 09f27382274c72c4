//! The conventions of the Unix toolbox, through the binary: completions and man pages,
//! `--version`, help that lists types and exit codes, colour under a pseudo-terminal
//! (`NO_COLOR`, `CLICOLOR_FORCE`), the built-in time-zone database, failing fast offline,
//! proxies, the `--json` schemas, `examples/fake_oura`, and the rough edges of the CLI.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::common::*;
use crate::fake_oura::Fault;

const WEEK: [&str; 3] = ["2026-11-21", "2026-11-22", "2026-11-23"];

/// True if `text` holds an ANSI colour (SGR) sequence such as `ESC[32m`; cursor movements of
/// the progress bar (`ESC[2K`) do not count.
fn has_colour(text: &str) -> bool {
    text.split('\x1b').skip(1).any(|rest| {
        let rest = rest.strip_prefix('[').unwrap_or("");
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ';'));
        end.is_some_and(|i| i > 0 && rest[i..].starts_with('m'))
    })
}

/// Runs `oura-sync ARGS` with its stderr on a pseudo-terminal (through util-linux `script`)
/// and stdout to a file; returns what the terminal showed.
fn on_a_terminal(env: &TestEnv, extra_env: &[(&str, &str)], args: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_oura-sync");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("'{bin}' {args} >stdout.txt"), "/dev/null"])
        .current_dir(env.dir.path())
        .stdin(Stdio::null())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("OURA_API_BASE", &env.oura.base_url)
        .env("OURA_TIMEZONE", "UTC")
        .env("OURA_ACCESS_TOKEN", TOKEN);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("util-linux `script` runs (apt-get install bsdutils)");
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Logs are coloured at a terminal, and not when NO_COLOR is set; CLICOLOR_FORCE colours them
/// even through a pipe, unless NO_COLOR is set too. (`-v`: at a terminal the info lines show
/// only with it.)
#[test]
fn colour_follows_no_color_and_clicolor_force() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let sync = "-v sync 2026-11-23 --days 3 --types daily_sleep --no-notify";
    let plain = on_a_terminal(&env, &[], sync);
    assert!(plain.contains("Sync finished"), "{plain}");
    assert!(has_colour(&plain), "no colour at a terminal: {plain:?}");
    let no_color = on_a_terminal(&env, &[("NO_COLOR", "1")], sync);
    assert!(no_color.contains("Sync finished"), "{no_color}");
    assert!(!has_colour(&no_color), "colour despite NO_COLOR: {no_color:?}");

    let args = ["sync", "2026-11-23", "--days", "3", "--types", "daily_sleep"];
    let forced = env.cmd().env("CLICOLOR_FORCE", "1").args(args).output().unwrap();
    assert!(has_colour(&stderr(&forced)), "{}", stderr(&forced));
    let both =
        env.cmd().env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1").args(args).output().unwrap();
    assert!(!has_colour(&stderr(&both)), "{}", stderr(&both));
    let piped = env.run(&args);
    assert!(!has_colour(&stderr(&piped)), "{}", stderr(&piped));
}

/// An IANA zone resolves on a host without a time-zone database (a minimal container): the
/// database is built in, so TZDIR pointing at an empty directory changes nothing.
#[test]
fn time_zones_resolve_without_a_system_database() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let empty = tempfile::tempdir().unwrap();
    let out = env
        .cmd()
        .env("TZDIR", empty.path())
        .env("OURA_TIMEZONE", "America/New_York")
        .args(["sync", "2026-11-23", "--days", "3", "--types", "heartrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A sample at 00:00 UTC belongs to the day before in New York.
    let day = env.lake_file("heartrate", "2026-11-22").unwrap();
    assert!(day.contains("2026-11-23T00:00:00+00:00"), "{day}");
    let out = env
        .cmd()
        .env("TZDIR", empty.path())
        .env("OURA_TIMEZONE", "Mars/Olympus")
        .args(["sync"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a known IANA time zone"), "{}", stderr(&out));
}

/// A port where nothing listens.
fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Offline (nothing answers at OURA_API_BASE), a sync stops asking after a few attempts of
/// the first requests: exit 1, one line naming the host and the network/proxy hint, a short
/// log, the run recorded in the ledger with the same cause.
#[test]
fn offline_a_sync_fails_fast_with_one_line_and_a_network_hint() {
    let env = TestEnv::new();
    let port = dead_port();
    let out = env
        .cmd()
        .env("OURA_API_BASE", format!("http://127.0.0.1:{port}"))
        .args(["sync", "2026-11-23", "--json", "--no-notify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let error = report["error"].as_str().unwrap();
    assert!(error.starts_with("cannot reach 127.0.0.1: cannot connect"), "{error}");
    assert!(error.ends_with("check the network or proxy (HTTPS_PROXY, NO_PROXY)"), "{error}");
    assert_eq!(report["types"]["daily_sleep"]["error"], error);
    // 19 types in 31 pieces, 16 requests at once: before, six attempts of every piece.
    let requests = report["requests"].as_u64().unwrap();
    assert!(requests <= 64, "{requests} requests");
    let log = stderr(&out);
    assert!(!log.contains(TOKEN) && !stdout(&out).contains(TOKEN));
    assert!(log.lines().count() <= 6, "{log}");
    assert_eq!(log.matches("cannot reach 127.0.0.1").count(), 1, "{log}");
    let runs = env.ledger_runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["failures"][0]["error"], error);
}

/// A forward proxy for http:// URLs: reads the request head, connects to the host:port of
/// its absolute URL, and relays both ways (the servers route absolute-form targets like any
/// other). Returns its URL and the `host:port` of every connection it relayed.
pub fn start_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let relayed = Arc::new(Mutex::new(Vec::new()));
    let seen = relayed.clone();
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n") && client.read(&mut byte).ok() == Some(1) {
                    head.push(byte[0]);
                }
                let line = String::from_utf8_lossy(&head).into_owned();
                let target = line.split(' ').nth(1).unwrap_or_default();
                let authority = target.trim_start_matches("http://").split('/').next().unwrap();
                seen.lock().unwrap().push(authority.to_string());
                let Ok(mut upstream) = TcpStream::connect(authority) else { return };
                upstream.write_all(&head).unwrap();
                let (mut from_client, mut to_upstream) =
                    (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                std::thread::spawn(move || std::io::copy(&mut from_client, &mut to_upstream));
                let _ = std::io::copy(&mut upstream, &mut client);
            });
        }
    });
    (url, relayed)
}

/// Oura requests go through the proxy in HTTP_PROXY/HTTPS_PROXY, and not for the hosts in
/// NO_PROXY.
#[test]
fn oura_requests_honour_the_proxy_settings() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let (proxy, relayed) = start_proxy();
    let oura = env.oura.base_url.trim_start_matches("http://").to_string();
    let forwarded = || relayed.lock().unwrap().iter().filter(|a| **a == oura).count();
    let args = ["sync", "2026-11-23", "--days", "3", "--types", "daily_sleep"];
    let out =
        env.cmd().env("HTTP_PROXY", &proxy).env_remove("NO_PROXY").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(forwarded() >= 1, "the proxy saw no connection");
    let before = forwarded();
    let out = env
        .cmd()
        .env("HTTP_PROXY", &proxy)
        .env("NO_PROXY", "127.0.0.1")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(forwarded(), before, "NO_PROXY was ignored");
}

/// The Python of the test tools, which has jsonschema (installed by scripts/test.sh).
fn schema_python() -> String {
    std::env::var("OURA_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("OURA_TEST_PYTHON is not set: run the tests with scripts/test.sh (it installs jsonschema)")
    })
}

/// Validates `document` against `docs/<schema>` with a stock validator as a user would run it
/// (python-jsonschema's `validate`, no registry, nothing fetched); panics with its findings.
/// The schemas are self-contained, so no reference has to be resolved from elsewhere.
pub fn assert_matches_schema(document: &[u8], schema: &str) {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let script = r#"
import json, pathlib, sys
import jsonschema
schema = json.loads((pathlib.Path(sys.argv[1]) / sys.argv[2]).read_text())
validator = jsonschema.validators.validator_for(schema)
validator.check_schema(schema)
errors = list(validator(schema).iter_errors(json.load(sys.stdin)))
for e in errors:
    print("/".join(map(str, e.absolute_path)), e.message)
sys.exit(1 if errors else 0)
"#;
    let mut child = Command::new(schema_python())
        .args(["-c", script, docs.to_str().unwrap(), schema])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(document).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{schema}: {}{}", stdout(&out), stderr(&out));
}

/// Every schema under docs/ has an absolute `$id` and refers to nothing outside itself (so a
/// stock validator needs no registry), and the definitions the status schema shares with the
/// run report are the same.
#[test]
fn schemas_are_self_contained_with_absolute_ids() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(docs.join(name)).unwrap()).unwrap()
    };
    fn refs(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    found.push(r.clone());
                }
                map.values().for_each(|v| refs(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    for name in ["run-report", "status", "doctor", "silver", "webhooks"] {
        let schema = read(&format!("{name}.schema.json"));
        assert_eq!(schema["$id"], format!("urn:oura-sync:schema:{name}"));
        let mut found = Vec::new();
        refs(&schema, &mut found);
        assert!(found.iter().all(|r| r.starts_with("#/")), "{name}: {found:?}");
    }
    let (report, status) = (read("run-report.schema.json"), read("status.schema.json"));
    for shared in ["date", "timestamp", "type_name"] {
        assert_eq!(report["$defs"][shared], status["$defs"][shared], "{shared}");
    }
    let silver = read("silver.schema.json");
    for (field, def) in report["properties"]["silver"]["properties"].as_object().unwrap() {
        assert_eq!(&silver["properties"][field], def, "{field}");
    }
}

/// `silver --json` matches docs/silver.schema.json and carries schema_version 1.
#[test]
fn silver_json_matches_its_schema() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let out = env.run(&["sync", "2026-11-23", "--days", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env.run(&["silver", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_matches_schema(&out.stdout, "silver.schema.json");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert!(report["months_written"].as_u64().unwrap() > 0, "{report}");
}

/// `sync --json` (a success, a partial run with a skip and a failure, a run with no login)
/// and `status --json` match their JSON Schemas under docs/, carry schema_version 1, and key
/// their per-type entries by the type's name alike.
#[test]
fn json_documents_match_their_schemas() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let ok = env.run(&["sync", "2026-11-23", "--days", "3", "--json"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert_matches_schema(&ok.stdout, "run-report.schema.json");
    let report: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(report["schema_version"], 1);

    env.oura.fault("daily_stress", [Fault::Status(400)]);
    env.oura.lock().refused.insert("daily_spo2".into(), 403);
    let partial = env.run(&["sync", "2026-11-23", "--days", "3", "--json"]);
    assert_eq!(partial.status.code(), Some(1), "{}", stderr(&partial));
    assert_matches_schema(&partial.stdout, "run-report.schema.json");

    let no_login =
        env.cmd().env_remove("OURA_ACCESS_TOKEN").args(["sync", "--json"]).output().unwrap();
    assert_eq!(no_login.status.code(), Some(3));
    assert_matches_schema(&no_login.stdout, "run-report.schema.json");

    let status = env.run(&["status", "--json"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    assert_matches_schema(&status.stdout, "status.schema.json");
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["schema_version"], 1);
    let report_types: Vec<_> = report["types"].as_object().unwrap().keys().collect();
    let status_types: Vec<_> = status["types"].as_object().unwrap().keys().collect();
    assert_eq!(report_types, status_types);
}

/// Completions for every shell clap knows, and the man pages (on stdout or one per command
/// in a directory), with no settings needed: a broken env file does not stop them.
#[test]
fn completions_and_man_pages_are_generated() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = env.run(&["--env-file", "missing.env", "completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains("oura-sync") && script.contains("dry-run"), "{shell}");
    }
    let bash = stdout(&env.run(&["completions", "bash"]));
    assert!(bash.contains("complete -F"));
    // --layout and --types complete their names, not file names.
    assert!(bash.contains(r#"compgen -W "hive-ndjson bio-lakehouse""#), "{bash}");
    assert!(bash.contains("daily_readiness daily_sleep"), "{bash}");
    let out = env.run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));

    let man = stdout(&env.run(&["man"]));
    assert!(man.contains(".TH oura-sync 1"), "{man}");
    assert!(man.contains("completions") && man.contains("Oura Ring data"), "{man}");
    let out = env.run(&["man", "--dir", "man1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sync_page = std::fs::read_to_string(env.dir.path().join("man1/oura-sync-sync.1")).unwrap();
    assert!(sync_page.contains("dry\\-run"), "{sync_page}");
    assert!(env.dir.path().join("man1/oura-sync.1").exists());
}

/// `--version` names the git commit when built from a checkout.
#[test]
fn version_names_the_commit() {
    let out = TestEnv::new().run(&["--version"]);
    let version = stdout(&out);
    assert!(version.starts_with(&format!("oura-sync {}", env!("CARGO_PKG_VERSION"))), "{version}");
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    if head.status.success() {
        let commit = String::from_utf8_lossy(&head.stdout).trim().to_string();
        assert!(version.contains(&format!("(commit {commit})")), "{version} vs {commit}");
    } else {
        assert!(!version.contains("commit"), "{version}");
    }
}

/// `sync --help` lists its own options first, the global ones under their own heading after
/// them, then every data type and the exit codes.
#[test]
fn sync_help_lists_types_and_exit_codes_after_its_options() {
    let help = stdout(&TestEnv::new().run(&["sync", "--help"]));
    let own = help.find("--dry-run").unwrap();
    let global = help.find("Global options:").unwrap();
    assert!(own < global && global < help.find("--env-file").unwrap(), "{help}");
    assert!(help.contains("daily_cardiovascular_age") && help.contains("personal_info"));
    assert!(help.contains("Exit codes:\n  0  every type ok"), "{help}");
    assert!(help.contains("3  a new login is needed"), "{help}");
}

/// Every command's `--help` ends with examples of that command and its exit codes.
#[test]
fn every_commands_help_has_examples_and_exit_codes() {
    let env = TestEnv::new();
    for command in
        ["auth", "refresh", "sync", "status", "silver", "dashboard", "doctor", "completions", "man"]
    {
        let help = stdout(&env.run(&[command, "--help"]));
        let examples = help.find("Examples:\n").unwrap_or_else(|| panic!("{command}: {help}"));
        assert!(help[examples..].contains(&format!("  oura-sync {command}")), "{help}");
        assert!(help[examples..].contains("Exit codes:\n  0  "), "{help}");
    }
    let auth = stdout(&env.run(&["auth", "--help"]));
    assert!(auth.contains("OURA_CLIENT_ID and OURA_CLIENT_SECRET"), "{auth}");
}

/// A reader that closes the pipe early (`oura-sync man | head -1`) ends the command quietly
/// with exit 0: no "Broken pipe" line, no panic (completions and status used to panic, man
/// exited 1).
#[test]
fn a_closed_stdout_ends_a_command_quietly_with_0() {
    let env = TestEnv::new();
    for args in [
        &["man"][..],
        &["completions", "bash"],
        &["status"],
        &["status", "--json"],
        &["sync", "--help"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oura-sync"));
        for name in inherited_settings() {
            cmd.env_remove(name);
        }
        let out = cmd
            .current_dir(env.dir.path())
            .env("OURA_TIMEZONE", "UTC")
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}

/// The man page has the ENVIRONMENT section (every setting, from the settings table) and the
/// EXIT STATUS, and `man` itself renders it without a warning; each command's page has its
/// examples and exit status.
#[test]
fn the_man_page_has_environment_and_exit_status() {
    let env = TestEnv::new();
    let man = stdout(&env.run(&["man"]));
    for section in [".SH ENVIRONMENT", ".SH \"EXIT STATUS\"", ".SH EXAMPLES", ".SH FILES"] {
        assert!(man.contains(section), "{section}");
    }
    for name in
        ["OURA_CLIENT_ID", "OURA_RATE_LIMIT", "OURA_SILVER_DESTINATION", "NOTIFY_WEBHOOK_URL"]
    {
        assert!(man.contains(&format!("\\fB{name}\\fR")), "{name}");
    }
    let out = env.run(&["man", "--dir", "man1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doctor = std::fs::read_to_string(env.dir.path().join("man1/oura-sync-doctor.1")).unwrap();
    assert!(doctor.contains(".SH \"EXIT STATUS\"") && doctor.contains("oura\\-sync doctor"));
    // groff, when present, renders the page without complaint.
    let Ok(mut groff) = Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        return;
    };
    groff.stdin.take().unwrap().write_all(man.as_bytes()).unwrap();
    let out = groff.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The rough edges: `--force` or `--to` without `--from` are usage errors; a sync with no
/// login leaves no lock file; `status --dest FILE` says the destination is a file; an env file
/// that is a directory, or missing, is named as such.
#[test]
fn rough_edges_are_usage_errors_that_say_what_is_wrong() {
    let env = TestEnv::new();
    for args in [&["sync", "--force"][..], &["sync", "--to", "2026-11-01"]] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("--from"), "{}", stderr(&out));
    }
    let out =
        env.cmd().env_remove("OURA_ACCESS_TOKEN").args(["sync", "--no-notify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(!env.dir.path().join(".oura-sync.lock").exists(), "a lock file without a login");

    std::fs::write(env.dir.path().join("a-file"), "x").unwrap();
    let out = env.run(&["status", "--dest", "a-file"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a-file is a file, not a directory"), "{}", stderr(&out));

    std::fs::create_dir(env.dir.path().join("settings")).unwrap();
    let out = env.run(&["--env-file", "settings", "status"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("env file settings is a directory"), "{}", stderr(&out));
    let out = env.run(&["--env-file", "nope.env", "status"]);
    assert!(stderr(&out).contains("nope.env does not exist"), "{}", stderr(&out));
}

/// The path of an example built by `cargo test` (beside the test binary's directory).
fn example(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("examples").join(name);
    assert!(path.exists(), "{} is not built: run the tests with scripts/test.sh", path.display());
    path
}

/// `examples/fake_oura` has a working `--help`, refuses a bad flag with exit 2, and by
/// default serves data up to today, which a plain `sync` then finds.
#[test]
fn the_fake_oura_example_serves_up_to_today() {
    let fake = example("fake_oura");
    let help = Command::new(&fake).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("--rate-limit"), "{}", stdout(&help));
    let bad = Command::new(&fake).args(["--rate-limit", "x"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));

    let mut child = Command::new(&fake).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = [0u8; 64];
    let n = child.stdout.as_mut().unwrap().read(&mut line).unwrap();
    let base = String::from_utf8_lossy(&line[..n]).trim().to_string();
    let env = TestEnv::new();
    let out = env
        .cmd()
        .env("OURA_API_BASE", &base)
        .env_remove("OURA_TIMEZONE")
        .args(["sync", "--days", "1", "--types", "daily_sleep", "--json"])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The realistic data leave the ring on its charger one day in twenty: none that day.
    let today = jiff::ZonedDateTime::now().date();
    let expected = if crate::health_seed::ring_off(today) { 0 } else { 1 };
    assert_eq!(report["types"]["daily_sleep"]["records"], expected, "{report}");
}

/// At a terminal the progress bar shows type-days done of all (a day of one type) and a rate
/// with one decimal, never a `0/0` frame, and is gone from the screen when the run ends.
#[test]
fn the_progress_bar_reads_well() {
    let env = TestEnv::new();
    env.oura.lock().delay = std::time::Duration::from_millis(100);
    let screen = on_a_terminal(
        &env,
        &[("NO_COLOR", "1")],
        "sync --from 2026-10-01 --to 2026-11-23 --types heartrate,ring_battery_level --concurrency 4 --no-notify",
    );
    assert!(screen.contains(" type-days · "), "no bar drawn: {screen:?}");
    assert!(!screen.contains("0/0"), "{screen:?}");
    for rate in screen.split(" type-days/s").filter_map(|before| before.rsplit(' ').next()) {
        if let Some((_, decimals)) = rate.split_once('.') {
            assert_eq!(decimals.len(), 1, "rate `{rate}` in {screen:?}");
        }
    }
    assert!(screen.contains(" type-days/s"), "{screen:?}");
    // The last frame is erased (ESC[2K) when the run ends.
    assert!(screen.rfind("\x1b[2K") > screen.rfind(" type-days/s"), "{screen:?}");
}
