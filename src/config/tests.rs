//! The resolution of every command's configuration: precedence, provenance, typed parts and
//! the usage errors of bad settings.

use clap::Parser;
use jiff::civil::date;

use super::*;
use crate::error::{EXIT_USAGE, exit_code};

const TODAY: Date = date(2026, 11, 24);

/// Setting name and value pairs, as the environment or the env file holds them.
type Pairs<'a> = &'a [(&'a str, &'a str)];

/// The window of `args`, with `--days` given as `days` and `file` as the env file.
fn window(
    args: &WindowArgs<'_>,
    days: Option<&str>,
    file: &[(&str, &str)],
) -> anyhow::Result<Window> {
    let env = EnvSnapshot::from_pairs(&[], file);
    let mut sources = Sources::new(&env);
    sources.flag("OURA_DAYS", "--days", days);
    resolve_window(args, &sources, TODAY)
}

fn types(flag: Option<&str>, file: &[(&str, &str)]) -> anyhow::Result<Vec<DataType>> {
    let env = EnvSnapshot::from_pairs(&[], file);
    let mut sources = Sources::new(&env);
    sources.flag("OURA_TYPES", "--types", flag);
    resolve_types(&sources)
}

/// The configuration of `argv` (after `oura-sync`) with `file` as the env file, at noon
/// UTC on [`TODAY`].
fn resolve(argv: &[&str], file: &[(&str, &str)]) -> anyhow::Result<Config> {
    let cli =
        Cli::try_parse_from(std::iter::once("oura-sync").chain(argv.iter().copied())).unwrap();
    let env = EnvSnapshot::from_pairs(&[("OURA_TIMEZONE", "UTC")], file);
    Config::resolve(&cli, &env, "2026-11-24T12:00:00Z".parse().unwrap())
}

fn sync_of(config: &Config) -> &SyncConfig {
    match &config.command {
        CommandConfig::Sync(sync) => sync,
        other => panic!("not a sync: {other:?}"),
    }
}

#[test]
fn the_default_window_is_seven_days_ending_today() {
    let w = window(&WindowArgs::default(), None, &[]).unwrap();
    assert_eq!((w.start, w.end), (date(2026, 11, 18), TODAY));
}

#[test]
fn flag_beats_env_file_for_days() {
    let file = [("OURA_DAYS", "3")];
    let w = window(&WindowArgs::default(), None, &file).unwrap();
    assert_eq!(w.len_days(), 3);
    let args = WindowArgs { date: Some("2026-11-01"), ..Default::default() };
    let w = window(&args, Some("10"), &file).unwrap();
    assert_eq!((w.start, w.end), (date(2026, 10, 23), date(2026, 11, 1)));
}

#[test]
fn from_to_gives_an_explicit_window() {
    let args =
        WindowArgs { from: Some("2022-01-01"), to: Some("2026-11-23"), ..Default::default() };
    let w = window(&args, None, &[]).unwrap();
    assert_eq!((w.start, w.end), (date(2022, 1, 1), date(2026, 11, 23)));
    let args = WindowArgs { from: Some("2026-11-01"), ..Default::default() };
    assert_eq!(window(&args, None, &[]).unwrap().end, TODAY);
}

#[test]
fn bad_windows_are_usage_errors_with_a_fix() {
    let cases = [
        (WindowArgs { date: Some("2026-13-01"), ..Default::default() }, None, "is not a date"),
        (WindowArgs { date: Some("20261101"), ..Default::default() }, None, "YYYY-MM-DD"),
        (WindowArgs { date: Some("2026-11-25"), ..Default::default() }, None, "after today"),
        (
            WindowArgs { from: Some("2026-11-10"), to: Some("2026-11-01"), ..Default::default() },
            None,
            "is after --to",
        ),
        (WindowArgs::default(), Some("0"), "from 1 to 3660"),
        (WindowArgs::default(), Some("3661"), "from 1 to 3660"),
        (WindowArgs::default(), Some("x"), "from 1 to 3660"),
    ];
    for (args, days, wanted) in cases {
        let err = window(&args, days, &[]).unwrap_err();
        assert_eq!(exit_code(&err), EXIT_USAGE);
        assert!(err.to_string().contains(wanted), "{err}");
        assert!(!err.to_string().contains('\n'));
    }
    let err = window(&WindowArgs::default(), None, &[("OURA_DAYS", "-1")]).unwrap_err();
    assert!(err.to_string().starts_with("OURA_DAYS"));
    let err = window(&WindowArgs::default(), Some("0"), &[]).unwrap_err();
    assert!(err.to_string().starts_with("--days"), "{err}");
}

#[test]
fn types_come_from_the_flag_then_the_settings() {
    let file = [("OURA_TYPES", "daily_sleep")];
    assert_eq!(types(None, &file).unwrap(), vec![DataType::DailySleep]);
    assert_eq!(types(Some("heartrate"), &file).unwrap(), vec![DataType::Heartrate]);
    assert_eq!(types(None, &[]).unwrap().len(), 19);
    let err = types(Some("sleep,steps"), &file).unwrap_err();
    assert_eq!(exit_code(&err), EXIT_USAGE);
    assert!(err.to_string().starts_with("--types: unknown data type `steps`"));
}

#[test]
fn destinations_parse() {
    assert_eq!(
        Destination::parse("s3://bio-lake/oura/").unwrap(),
        Destination::S3 { bucket: "bio-lake".into(), prefix: "oura".into() }
    );
    assert_eq!(Destination::parse("./x").unwrap(), Destination::Local("./x".into()));
    assert!(Destination::parse("s3:///x").is_err());
    assert!(Destination::parse("gs://b/p").is_err());
}

/// For every setting of the table: a flag (where one exists) beats the environment, the
/// environment beats the env file, the env file beats the default, and an empty value
/// counts as unset.
#[test]
fn every_setting_follows_the_precedence() {
    let flags = [
        ("OURA_DAYS", "--days"),
        ("OURA_TYPES", "--types"),
        ("OURA_DESTINATION", "--dest"),
        ("OURA_CONCURRENCY", "--concurrency"),
        ("OURA_SILVER_DESTINATION", "--silver-dest"),
    ];
    for setting in table::SETTINGS {
        let name = setting.name;
        let default_source = match setting.default {
            Some(_) => Source::Default,
            None => Source::Unset,
        };
        let cases: [(Pairs, Pairs, Option<&str>, &str, Source); 5] = [
            (&[], &[], None, setting.default.unwrap_or(""), default_source),
            (&[], &[(name, "file")], None, "file", Source::EnvFile),
            (&[(name, "env")], &[(name, "file")], None, "env", Source::Environment),
            (&[(name, "")], &[(name, "file")], None, "file", Source::EnvFile),
            (&[(name, "env")], &[(name, "file")], Some("flag"), "flag", Source::Flag("--x")),
        ];
        for (process, file, flag_value, wanted, source) in cases {
            let env = EnvSnapshot::from_pairs(process, file);
            let mut sources = Sources::new(&env);
            let flag = flags.iter().find(|(n, _)| *n == name).map(|(_, f)| *f);
            let source = match (source, flag) {
                (Source::Flag(_), Some(flag)) => Source::Flag(flag),
                // A setting without a flag: the environment still wins.
                (Source::Flag(_), None) => Source::Environment,
                (other, _) => other,
            };
            let wanted = if flag.is_none() && flag_value.is_some() { "env" } else { wanted };
            if let Some(flag) = flag {
                sources.flag(name, flag, flag_value);
            }
            let got = sources.get(name);
            assert_eq!(got.as_ref().map(|r| r.source).unwrap_or(Source::Unset), source, "{name}");
            assert_eq!(got.map(|r| r.value).unwrap_or_default(), wanted, "{name}");
        }
    }
}

#[test]
fn provenance_names_every_setting_and_redacts_secrets() {
    let config = resolve(
        &["sync", "--days", "3"],
        &[("OURA_ACCESS_TOKEN", "tok-SECRET"), ("OURA_NOTIFY_ON", "failure")],
    )
    .unwrap();
    let all = config.provenance();
    assert_eq!(all.len(), table::SETTINGS.len());
    let of = |name: &str| all.iter().find(|p| p.name == name).unwrap().clone();
    assert_eq!(of("OURA_DAYS").source, Source::Flag("--days"));
    assert_eq!(of("OURA_DAYS").display.as_deref(), Some("3"));
    assert_eq!(of("OURA_ACCESS_TOKEN").source, Source::EnvFile);
    assert_eq!(of("OURA_ACCESS_TOKEN").display.as_deref(), Some("(redacted)"));
    assert_eq!(of("OURA_TIMEZONE").source, Source::Environment);
    assert_eq!(of("OURA_CONCURRENCY").source, Source::Default);
    assert_eq!(of("OURA_DYNAMODB_TABLE").source, Source::Unset);
    assert!(!format!("{all:?}").contains("tok-SECRET"));
    assert!(!format!("{config:?}").contains("tok-SECRET"));
}

#[test]
fn a_sync_resolves_into_typed_parts() {
    let config = resolve(
        &["sync", "--from", "2026-01-01", "--concurrency", "4", "--no-notify"],
        &[
            ("OURA_DESTINATION", "s3://lake/oura/"),
            ("OURA_DYNAMODB_TABLE", "ledger"),
            ("OURA_S3_SSE", "aws:kms"),
            ("OURA_LOCK_TIMEOUT", "0"),
            ("OURA_API_BASE", "http://127.0.0.1:9/"),
            ("AWS_ENDPOINT_URL", "http://h:1"),
            ("AWS_ENDPOINT_URL_S3", "http://h:2"),
        ],
    )
    .unwrap();
    let sync = sync_of(&config);
    assert_eq!(sync.job.window, Window::new(date(2026, 1, 1), TODAY));
    assert!(sync.job.resume);
    assert_eq!((sync.client.concurrency, sync.job.units_in_flight), (4, 6));
    assert_eq!(sync.client.api_base, "http://127.0.0.1:9");
    assert_eq!(sync.rate_limit, crate::oura::pacer::DEFAULT_LIMIT);
    assert!(sync.notify.is_none());
    assert_eq!(sync.lock_timeout, Duration::ZERO);
    assert_eq!(sync.lake.place.destination().to_string(), "s3://lake/oura");
    assert_eq!(
        sync.lake.place,
        LakePlace::S3 {
            bucket: "lake".into(),
            prefix: "oura".into(),
            encryption: Encryption::Kms { key_id: None },
            ledger_table: "ledger".into(),
        }
    );
    // The per-service endpoint beats the global one.
    assert_eq!(config.aws.s3_endpoint.as_deref(), Some("http://h:2"));
    assert_eq!(config.aws.dynamodb_endpoint.as_deref(), Some("http://h:1"));
    assert_eq!(config.tokens_file, PathBuf::from(table::DEFAULT_TOKENS_FILE));
}

/// The request deadline and the lake's own lock are resolved with the sync: a local lake's
/// lock lives in its ledger directory and waits `OURA_LOCK_TIMEOUT`; a dry run and an S3 lake
/// take none.
#[test]
fn a_sync_resolves_its_deadline_and_lake_lock() {
    let file =
        [("OURA_DESTINATION", "lake-dir"), ("OURA_HTTP_TIMEOUT", "7"), ("OURA_LOCK_TIMEOUT", "9")];
    let config = resolve(&["sync", "--no-notify"], &file).unwrap();
    let sync = sync_of(&config);
    assert_eq!(sync.client.attempt_timeout, Duration::from_secs(7));
    assert_eq!(
        sync.lake_lock,
        Some(LakeLock {
            path: PathBuf::from("lake-dir/_ledger/.oura-sync.lock"),
            wait: Duration::from_secs(9),
        })
    );
    let dry = resolve(&["sync", "--dry-run", "--no-notify"], &file).unwrap();
    assert_eq!(sync_of(&dry).lake_lock, None);
    let default = resolve(&["sync", "--no-notify"], &[]).unwrap();
    assert_eq!(sync_of(&default).client.attempt_timeout, crate::oura::DEFAULT_ATTEMPT_TIMEOUT);
    let s3 = [("OURA_DESTINATION", "s3://lake/oura"), ("OURA_DYNAMODB_TABLE", "ledger")];
    assert_eq!(sync_of(&resolve(&["sync", "--no-notify"], &s3).unwrap()).lake_lock, None);
}

#[test]
fn bad_settings_are_usage_errors_naming_the_setting() {
    let cases: [(&[&str], Pairs, &str); 9] = [
        (
            &["sync"],
            &[("OURA_CONCURRENCY", "65")],
            "OURA_CONCURRENCY `65` must be a whole number from 1 to 64",
        ),
        (&["sync", "--concurrency", "0"], &[], "--concurrency `0`"),
        (&["sync"], &[("OURA_RATE_LIMIT", "5001")], "OURA_RATE_LIMIT"),
        (
            &["sync"],
            &[("OURA_LOCK_TIMEOUT", "soon")],
            "OURA_LOCK_TIMEOUT `soon` must be a whole number of seconds",
        ),
        (
            &["sync"],
            &[("OURA_HTTP_TIMEOUT", "0")],
            "OURA_HTTP_TIMEOUT `0` must be a whole number of seconds from 1 to 600",
        ),
        (&["sync"], &[("OURA_DESTINATION", "s3://lake")], "needs OURA_DYNAMODB_TABLE"),
        (&["status"], &[("OURA_DESTINATION", "s3://lake"), ("OURA_S3_SSE", "none")], "OURA_S3_SSE"),
        (
            &["auth"],
            &[("OURA_CLIENT_ID", "id"), ("OURA_CLIENT_SECRET", "s"), ("OURA_AUTH_TIMEOUT", "0")],
            "OURA_AUTH_TIMEOUT",
        ),
        (&["refresh"], &[], "not set"),
    ];
    for (argv, file, wanted) in cases {
        let err = resolve(argv, file).unwrap_err();
        assert_eq!(exit_code(&err), EXIT_USAGE, "{argv:?}: {err}");
        assert!(err.to_string().contains(wanted), "{argv:?}: {err}");
    }
    // A command reads only its own settings: a bad sync setting does not stop `status`.
    assert!(resolve(&["status"], &[("OURA_CONCURRENCY", "0")]).is_ok());
}

#[test]
fn numbers_are_checked_against_their_range() {
    assert_eq!(parse_number("N", " 12 ", 1..=64, "").unwrap(), 12);
    for bad in ["0", "65", "-1", "1.5", ""] {
        let err = parse_number("N", bad, 1..=64, " of things").unwrap_err();
        assert_eq!(exit_code(&err), EXIT_USAGE);
        assert_eq!(
            err.to_string(),
            format!("N `{bad}` must be a whole number of things from 1 to 64")
        );
    }
}

fn status_lake(argv: &[&str], file: Pairs<'_>) -> anyhow::Result<LakeConfig> {
    match resolve(argv, file)?.command {
        CommandConfig::Status(status) => Ok(status.lake),
        CommandConfig::Sync(sync) => Ok(sync.lake),
        other => panic!("no lake: {other:?}"),
    }
}

#[test]
fn the_layout_comes_from_oura_layout_or_the_flag() {
    assert_eq!(status_lake(&["status"], &[]).unwrap().layout.name(), "hive-ndjson");
    let bio = [("OURA_LAYOUT", "bio-lakehouse")];
    assert_eq!(status_lake(&["status"], &bio).unwrap().layout.name(), "bio-lakehouse");
    assert_eq!(status_lake(&["sync"], &bio).unwrap().layout.name(), "bio-lakehouse");
    let flag = ["sync", "--layout", "hive-ndjson"];
    assert_eq!(status_lake(&flag, &bio).unwrap().layout.name(), "hive-ndjson");
    for (argv, file, named) in [
        (&["sync"][..], &[("OURA_LAYOUT", "parquet")][..], "OURA_LAYOUT `parquet`"),
        (&["status", "--layout", "bio"][..], &[][..], "--layout `bio`"),
    ] {
        let err = status_lake(argv, file).unwrap_err();
        assert_eq!(exit_code(&err), EXIT_USAGE);
        let text = err.to_string();
        assert!(text.contains(named) && text.contains("hive-ndjson or bio-lakehouse"), "{text}");
    }
}

#[test]
fn bronze_bucket_is_the_destination_only_when_none_is_given() {
    let table = ("OURA_DYNAMODB_TABLE", "bio_ingestion_log");
    let lake = status_lake(&["sync"], &[("BRONZE_BUCKET", "bio-lakehouse-bronze-1"), table]);
    assert_eq!(lake.unwrap().place.destination().to_string(), "s3://bio-lakehouse-bronze-1/oura");
    let both = [("BRONZE_BUCKET", "b"), ("OURA_DESTINATION", "s3://other/x"), table];
    let lake = status_lake(&["status"], &both).unwrap();
    assert_eq!(lake.place.destination().to_string(), "s3://other/x");
    let lake = status_lake(&["sync", "--dest", "./here"], &[("BRONZE_BUCKET", "b")]).unwrap();
    assert_eq!(lake.place.destination().to_string(), "./here");
    // Like any S3 lake, it needs its table.
    let err = status_lake(&["sync"], &[("BRONZE_BUCKET", "b")]).unwrap_err();
    assert!(err.to_string().contains("needs OURA_DYNAMODB_TABLE"), "{err}");
}

fn silver_of(argv: &[&str], file: Pairs) -> anyhow::Result<Option<SilverPlace>> {
    Ok(match resolve(argv, file)?.command {
        CommandConfig::Sync(sync) => sync.silver,
        CommandConfig::Status(status) => status.silver,
        CommandConfig::Silver(silver) => Some(silver.silver),
        other => panic!("no silver in {other:?}"),
    })
}

/// Silver is on beside a local lake (`<lake>/_silver`), off for an S3 lake unless
/// `OURA_SILVER_DESTINATION` is set; `OURA_SILVER=off` turns it off unless `--silver-dest`
/// names a place; a dry run writes none; bad values are usage errors.
#[test]
fn silver_is_on_beside_a_local_lake_and_off_for_s3_unless_set() {
    let s3 = [("OURA_DESTINATION", "s3://b/p"), ("OURA_DYNAMODB_TABLE", "t")];
    assert_eq!(
        silver_of(&["sync", "--dest", "lake"], &[]).unwrap(),
        Some(SilverPlace::Local("lake/_silver".into()))
    );
    assert_eq!(silver_of(&["sync"], &s3).unwrap(), None);
    assert_eq!(silver_of(&["sync", "--dry-run"], &[]).unwrap(), None);
    assert_eq!(silver_of(&["status"], &[("OURA_SILVER", "off")]).unwrap(), None);
    assert_eq!(
        silver_of(&["sync", "--silver-dest", "s3://silver/x/"], &[("OURA_SILVER", "off")]).unwrap(),
        Some(SilverPlace::S3 {
            bucket: "silver".into(),
            prefix: "x".into(),
            encryption: Encryption::Aes256
        })
    );
    let set = [("OURA_SILVER_DESTINATION", "/data/silver"), s3[0], s3[1]];
    assert_eq!(
        silver_of(&["sync"], &set).unwrap(),
        Some(SilverPlace::Local("/data/silver".into()))
    );
    let on = [("OURA_SILVER", "on"), s3[0], s3[1]];
    let err = silver_of(&["sync"], &on).unwrap_err();
    assert_eq!(exit_code(&err), EXIT_USAGE);
    assert!(err.to_string().contains("OURA_SILVER_DESTINATION"), "{err}");
    let err = silver_of(&["sync"], &[("OURA_SILVER", "maybe")]).unwrap_err();
    assert_eq!(exit_code(&err), EXIT_USAGE);
    let err = silver_of(&["silver"], &on[..1].iter().chain(&s3).copied().collect::<Vec<_>>())
        .unwrap_err();
    assert_eq!(exit_code(&err), EXIT_USAGE);
    let err =
        silver_of(&["silver", "--from", "2026-11-20", "--to", "2026-11-01"], &[]).unwrap_err();
    assert!(err.to_string().contains("is after --to"), "{err}");
}

/// The login's place: the tokens file by default, `OURA_TOKEN_STORE` when set (from the env
/// file too), never both; a bad or SSM store is a usage error.
#[test]
fn the_token_store_is_the_tokens_file_or_oura_token_store_never_both() {
    let config = resolve(&["status"], &[]).unwrap();
    assert_eq!(config.token_store, StoreUri::File(PathBuf::from(table::DEFAULT_TOKENS_FILE)));
    let store = [("OURA_TOKEN_STORE", "dynamodb://oura-ledger")];
    let config = resolve(&["status"], &store).unwrap();
    assert_eq!(config.token_store, StoreUri::DynamoDb("oura-ledger".into()));
    let both = [("OURA_TOKEN_STORE", "secretsmanager://s"), ("OURA_TOKENS_FILE", "t.json")];
    let err = resolve(&["status"], &both).unwrap_err();
    assert_eq!(exit_code(&err), EXIT_USAGE);
    assert!(err.to_string().contains("OURA_TOKENS_FILE (from the env file)"), "{err}");
    for bad in ["ssm:///p", "vault://x"] {
        let err = resolve(&["status"], &[("OURA_TOKEN_STORE", bad)]).unwrap_err();
        assert_eq!(exit_code(&err), EXIT_USAGE, "{bad}");
        assert!(err.to_string().contains("OURA_TOKEN_STORE"), "{err}");
    }
}
