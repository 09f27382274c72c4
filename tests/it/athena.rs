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
