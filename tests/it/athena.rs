//! The Athena DDL under scripts/athena/, parsed by a real SQL parser (sqlglot's Athena
//! dialect, in the test venv) rather than compared as text: every table parses, and every
//! identifier Athena's Hive DDL parser would refuse unquoted is quoted.

use std::process::Command;

/// Every `*tables*.sql` file parses, and each struct field name and each column that is a
/// reserved DDL word is quoted with backticks (silver's `struct<interval:…,timestamp:…>` was
/// not, and Athena refuses it, while sqlglot alone accepts it).
#[test]
fn every_athena_ddl_file_parses_with_its_identifiers_quoted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("scripts/athena"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains("tables"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    let python = std::env::var("OURA_TEST_PYTHON").expect(
        "OURA_TEST_PYTHON is not set: run the tests with scripts/test.sh (it installs sqlglot)",
    );
    let out = Command::new(python)
        .arg(root.join("tests/python/athena_ddl.py"))
        .args(&files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("tables parsed"), "{text}");
}

/// The Python of the test venv (sqlglot), as `scripts/test.sh` sets it.
fn test_python() -> String {
    std::env::var("OURA_TEST_PYTHON").expect(
        "OURA_TEST_PYTHON is not set: run the tests with scripts/test.sh (it installs sqlglot)",
    )
}

/// `oura-sync athena` for an S3 lake, in both layouts with an S3 silver destination, prints
/// statements with no placeholder left, every location under the configured bucket and prefix,
/// and each statement parses with sqlglot's Athena dialect with its identifiers quoted (checked
/// by the same script as the files); bio-lakehouse's three `bio_silver` tables come with its
/// layout. Before this command the statements existed only as files full of placeholders.
#[test]
fn athena_prints_ready_to_run_statements_for_the_configured_lake() {
    let env = crate::common::TestEnv::new();
    for (layout, tables) in [("hive-ndjson", 2 * 19), ("bio-lakehouse", 2 * 19 + 3)] {
        let out = env
            .cmd()
            .env("OURA_DYNAMODB_TABLE", "oura-ledger")
            .args(["athena", "--dest", "s3://my-lake/oura", "--layout", layout])
            .args(["--silver-dest", "s3://my-silver/tables", "--database", "health"])
            .output()
            .unwrap();
        let text = crate::common::stdout(&out);
        assert!(out.status.success(), "{}", crate::common::stderr(&out));
        for placeholder in ["BUCKET_NAME", "LAKE_PREFIX", "SILVER_PREFIX", "SILVER_BUCKET"] {
            assert!(!text.contains(placeholder), "{layout}: {placeholder} left in\n{text}");
        }
        let locations: Vec<&str> = text.lines().filter(|l| l.starts_with("LOCATION ")).collect();
        assert_eq!(locations.len(), tables, "{layout}\n{text}");
        assert!(
            locations.iter().all(|l| l.starts_with("LOCATION 's3://my-lake/oura/")
                || l.starts_with("LOCATION 's3://my-silver/tables/")),
            "{locations:#?}"
        );
        assert_eq!(text.contains("bio_silver.oura_daily_sleep"), layout == "bio-lakehouse");
        assert!(text.contains("CREATE DATABASE IF NOT EXISTS health;"), "{text}");
        assert!(text.contains("CREATE DATABASE IF NOT EXISTS health_silver;"), "{text}");
        assert!(!text.contains("--"), "no comment in what a loop sends to Athena:\n{text}");

        let file = env.dir.path().join(format!("athena-{layout}.sql"));
        std::fs::write(&file, &text).unwrap();
        let parsed = Command::new(test_python())
            .arg(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/athena_ddl.py"),
            )
            .arg(&file)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&parsed.stdout);
        assert!(parsed.status.success(), "{report}{}", String::from_utf8_lossy(&parsed.stderr));
        assert!(report.starts_with(&format!("{tables} tables parsed")), "{report}");
    }
}

/// Athena reads only S3: for a local lake `athena` is a usage error (exit 2) naming the fix,
/// and prints nothing on stdout.
#[test]
fn athena_refuses_a_local_lake() {
    let env = crate::common::TestEnv::new();
    let out = env.run(&["athena", "--dest", "./oura-lake"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::common::stdout(&out).is_empty());
    assert!(crate::common::stderr(&out).contains("--dest s3://BUCKET/PREFIX"), "{out:?}");
}

/// The README's loop that applies the statements with the AWS CLI, run as printed with
/// `aws` standing in as a shell function that records each query and answers `SUCCEEDED`:
/// it sends every statement `oura-sync athena` prints, one query each, and each parses.
#[test]
fn the_readme_loop_sends_each_statement_as_one_query() {
    let env = crate::common::TestEnv::new();
    let log = env.dir.path().join("queries.sql");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_oura-sync")).parent().unwrap();
    let fake_aws = r#"aws() { case "$2" in
  start-query-execution) while [ $# -gt 0 ]; do [ "$1" = --query-string ] && printf '%s;\n' "$2" >>"$QUERY_LOG"; shift; done; echo "q-$RANDOM";;
  get-query-execution) echo SUCCEEDED;;
  *) echo "unexpected aws $*" >&2; return 1;;
esac; }
"#;
    let script = fake_aws.to_string() + &crate::readme::block("athena-loop");
    let mut bash = Command::new("bash");
    bash.arg("-c").arg(&script).current_dir(env.dir.path());
    bash.env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()));
    bash.env("QUERY_LOG", &log);
    for name in crate::common::inherited_settings() {
        bash.env_remove(name);
    }
    bash.env("OURA_DESTINATION", "s3://my-lake/oura")
        .env("OURA_DYNAMODB_TABLE", "oura-ledger")
        .env("OURA_SILVER_DESTINATION", "s3://my-lake/silver")
        .env("OURA_LAYOUT", "bio-lakehouse");
    let ran = bash.output().unwrap();
    let said = String::from_utf8_lossy(&ran.stdout);
    assert!(ran.status.success(), "{said}{}", String::from_utf8_lossy(&ran.stderr));
    let queries = std::fs::read_to_string(&log).unwrap();
    // 3 databases, 19 line tables and 19 views, 19 typed silver tables, 3 bio_silver tables.
    assert_eq!(queries.matches(';').count(), 3 + 19 * 2 + 19 + 3, "{queries}");
    assert_eq!(said.lines().filter(|l| l.ends_with(" SUCCEEDED")).count(), 3 + 19 * 2 + 19 + 3);
    let parsed = Command::new(test_python())
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/athena_ddl.py"))
        .arg(&log)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&parsed.stdout);
    assert!(parsed.status.success(), "{report}{}", String::from_utf8_lossy(&parsed.stderr));
    assert!(report.starts_with(&format!("{} tables parsed", 19 * 2 + 3)), "{report}");
}
