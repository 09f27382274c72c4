//! The schedule scripts in `scripts/`: what `install-cron.sh` leaves in a crontab (through a
//! fake `crontab` program) and what `openclaw-job.sh --run` hands to OpenClaw (through a fake
//! `openclaw`), and the systemd unit that `install-systemd.sh` writes.

use std::path::Path;
use std::process::Command;

fn script(name: &str) -> String {
    format!("{}/scripts/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A PATH whose first directory holds a fake `crontab` keeping the table in `dir/tab`.
fn fake_crontab(dir: &Path) -> String {
    let tab = dir.join("tab");
    executable(
        &dir.join("crontab"),
        &format!(
            "#!/bin/sh\ncase $1 in\n  -l) [ -f '{0}' ] && exec cat '{0}'; echo 'no crontab' >&2; exit 1 ;;\n  -) exec cat > '{0}' ;;\nesac\nexit 2\n",
            tab.display()
        ),
    );
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
}

fn install_cron(dir: &Path, path: &str, args: &[&str]) -> String {
    let out = Command::new("sh")
        .arg(script("install-cron.sh"))
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("CRON_TZ")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(dir.join("tab")).unwrap_or_default()
}

/// `install-cron.sh` keeps the user's other lines, installs one block (09:00 New York by
/// default, output appended to a log), replaces it on a second run instead of adding
/// another, honours `CRON_TZ`-style `--tz` and `--time`, and `--remove` takes it out again.
#[test]
fn install_cron_is_idempotent_and_keeps_other_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = fake_crontab(dir.path());
    std::fs::write(dir.path().join("tab"), "MAILTO=me\n5 4 * * * /bin/backup\n").unwrap();
    let bin = "/opt/oura sync/oura-sync";

    let tab = install_cron(dir.path(), &path, &["--bin", bin]);
    let tab2 = install_cron(dir.path(), &path, &["--bin", bin]);
    assert_eq!(tab, tab2);
    assert_eq!(tab.matches("# BEGIN oura-sync daily").count(), 1);
    assert!(tab.starts_with("MAILTO=me\n5 4 * * * /bin/backup\n"), "{tab}");
    let line = tab.lines().find(|l| l.contains("oura-sync' sync")).unwrap();
    assert!(line.starts_with("0 * * * * "), "{line}");
    assert!(line.contains(r#"[ "$(TZ='America/New_York' date +\%H)" = "09" ]"#), "{line}");
    assert!(line.contains("'/opt/oura sync/oura-sync' sync >> '"), "{line}");
    assert!(line.ends_with("/oura-sync.log' 2>&1"), "{line}");

    let tab = install_cron(
        dir.path(),
        &path,
        &["--bin", bin, "--time", "07:05", "--tz", "Europe/Berlin", "--args", "--days 3"],
    );
    assert_eq!(tab.matches("# BEGIN oura-sync daily").count(), 1);
    let line = tab.lines().find(|l| l.contains("oura-sync' sync")).unwrap();
    assert!(line.starts_with("5 * * * * "), "{line}");
    assert!(line.contains(r#"TZ='Europe/Berlin' date +\%H)" = "07" ]"#), "{line}");
    assert!(line.contains("sync --days 3 >>"), "{line}");

    let tab = install_cron(dir.path(), &path, &["--remove"]);
    assert_eq!(tab, "MAILTO=me\n5 4 * * * /bin/backup\n");
}

/// `openclaw-job.sh --run` calls OpenClaw with the daily command job: the cron expression,
/// time zone, the binary as a JSON argument vector with `--no-notify`, and an announcement
/// to WhatsApp for the recipient read from `.env.oura`.
#[test]
fn openclaw_job_creates_a_command_automation() {
    let dir = tempfile::tempdir().unwrap();
    let argv = dir.path().join("argv");
    let openclaw = dir.path().join("openclaw");
    executable(
        &openclaw,
        &format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > '{}'\n",
            argv.display()
        ),
    );
    std::fs::write(dir.path().join(".env.oura"), "OURA_DAYS=3\nWHATSAPP_TO=\"+15551234567\"\n")
        .unwrap();
    let out = Command::new("sh")
        .arg(script("openclaw-job.sh"))
        .args(["--bin", "/usr/local/bin/oura-sync", "--run"])
        .current_dir(dir.path())
        .env("OPENCLAW_BIN", &openclaw)
        .env_remove("WHATSAPP_TO")
        .env_remove("CRON_TZ")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let args: Vec<String> = std::fs::read_to_string(&argv)
        .unwrap()
        .split_terminator('\0')
        .map(str::to_string)
        .collect();
    let workdir = dir.path().canonicalize().unwrap();
    let workdir = workdir.to_str().unwrap();
    assert_eq!(
        args,
        [
            "automations",
            "create",
            "0 9 * * *",
            "--name",
            "oura-sync daily",
            "--tz",
            "America/New_York",
            "--command-argv",
            r#"["/usr/local/bin/oura-sync","sync","--no-notify"]"#,
            "--command-cwd",
            workdir,
            "--timeout-seconds",
            "1800",
            "--announce",
            "--channel",
            "whatsapp",
            "--to",
            "+15551234567",
        ]
    );
}

/// `install-systemd.sh` points ExecStart at the `oura-sync` found on PATH (wherever it is
/// installed, spaces and all) and WorkingDirectory at the current directory, installs the
/// timer beside it, and says what to run when no binary is found.
#[test]
fn install_systemd_finds_the_binary_on_path() {
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = dir.path().join("my bin");
    std::fs::create_dir(&bin_dir).unwrap();
    executable(&bin_dir.join("oura-sync"), "#!/bin/sh\n");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let config = dir.path().join("config");
    let path = format!("{}:/usr/bin:/bin", bin_dir.display());
    let out = Command::new("sh")
        .arg(script("install-systemd.sh"))
        .current_dir(&work)
        .env("PATH", &path)
        .env("XDG_CONFIG_HOME", &config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let unit = std::fs::read_to_string(config.join("systemd/user/oura-sync.service")).unwrap();
    let exec = format!("ExecStart=\"{}\" sync", bin_dir.join("oura-sync").display());
    assert!(unit.lines().any(|l| l == exec), "{unit}");
    assert!(unit.lines().any(|l| l == format!("WorkingDirectory={}", work.display())), "{unit}");
    let timer = std::fs::read_to_string(config.join("systemd/user/oura-sync.timer")).unwrap();
    assert!(timer.lines().any(|l| l == "OnCalendar=*-*-* 09:00:00 America/New_York"), "{timer}");

    let out = Command::new("sh")
        .arg(script("install-systemd.sh"))
        .current_dir(&work)
        .env("PATH", "/usr/bin:/bin")
        .env("XDG_CONFIG_HOME", &config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cargo install --path ."));
}

/// `install-systemd.sh --time --tz` sets the timer's hour and zone as `install-cron.sh` does
/// (and refuses a bad time or an unknown zone with exit 2); the service survives a boot
/// without network: a failed run is retried within the morning (`Restart=on-failure` with a
/// delay and a start limit), but not a bad setting or a lost login (exit 2 and 3); and
/// `systemd-analyze verify`, where present, accepts both units.
#[test]
fn install_systemd_takes_time_and_zone_and_retries_a_failed_run() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("oura-sync");
    executable(&bin, "#!/bin/sh\n");
    let config = dir.path().join("config");
    let install = |extra: &[&str]| {
        Command::new("sh")
            .arg(script("install-systemd.sh"))
            .args(["--bin", bin.to_str().unwrap(), "--workdir", dir.path().to_str().unwrap()])
            .args(extra)
            .env("XDG_CONFIG_HOME", &config)
            .output()
            .unwrap()
    };
    let out = install(&["--time", "07:30", "--tz", "Europe/Berlin"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let units = config.join("systemd/user");
    let timer = std::fs::read_to_string(units.join("oura-sync.timer")).unwrap();
    assert!(timer.lines().any(|l| l == "OnCalendar=*-*-* 07:30:00 Europe/Berlin"), "{timer}");
    let service = std::fs::read_to_string(units.join("oura-sync.service")).unwrap();
    for line in ["Restart=on-failure", "RestartSec=15min", "RestartPreventExitStatus=2 3"] {
        assert!(service.lines().any(|l| l == line), "{line}: {service}");
    }
    assert!(!service.contains("\nAfter=network-online.target"), "{service}");

    for bad in [&["--time", "7:30"][..], &["--time", "25:00"], &["--tz", "Mars/Olympus"]] {
        let out = install(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }

    if Command::new("systemd-analyze").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let out = Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(units.join("oura-sync.service"))
            .arg(units.join("oura-sync.timer"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        // Outside a user session verify cannot reach a manager; only the units' own lines count.
        let complaints: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("oura-sync.service:") || l.contains("oura-sync.timer:"))
            .collect();
        assert!(complaints.is_empty(), "{err}");
    }
}
