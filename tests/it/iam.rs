//! The IAM policy files under scripts/, proved at the wire: a private moto server with IAM
//! enforcement on, users whose only rights are those files, and a real sync into S3, the
//! DynamoDB ledger and S3 silver with each user's keys.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::*;

/// A moto server of this test's own (enforcing IAM would deny every other test's requests on
/// the shared one); stopped on drop.
struct PrivateMoto {
    child: Child,
    endpoint: String,
}

impl PrivateMoto {
    fn start() -> Self {
        let python = std::env::var("OURA_TEST_PYTHON").expect(
            "OURA_TEST_PYTHON is not set: run the tests with scripts/test.sh (it installs moto)",
        );
        let server = std::path::Path::new(&python).with_file_name("moto_server");
        let mut child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // werkzeug says " * Running on http://127.0.0.1:PORT" on stderr.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let endpoint = loop {
            let line = lines.next().expect("moto_server exited while starting").unwrap();
            if let Some(at) = line.find("http://127.0.0.1:") {
                break line[at..].trim().to_owned();
            }
        };
        // Keep reading its log so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, endpoint }
    }
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private moto with the buckets, the ledger table and one IAM user per set of policy
/// files (tests/python/iam_moto.py), enforcing IAM; the users' keys.
fn moto_with_policy_users() -> (PrivateMoto, serde_json::Value) {
    let moto = PrivateMoto::start();
    let python = std::env::var("OURA_TEST_PYTHON").unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let setup = Command::new(&python)
        .arg(root.join("tests/python/iam_moto.py"))
        .arg(&moto.endpoint)
        .arg(root.join("scripts"))
        .output()
        .unwrap();
    assert!(setup.status.success(), "{}", String::from_utf8_lossy(&setup.stderr));
    (moto, serde_json::from_slice(&setup.stdout).unwrap())
}

/// A sync into S3 with the DynamoDB ledger and S3 silver succeeds with only the rights
/// `scripts/iam-policy.json` and `scripts/iam-policy-silver.json` grant, and so does `status`
/// (moto enforcing IAM: nothing else is allowed, S3 down to the bucket and prefix). With the
/// lake policy alone, a sync with S3 silver stops at its checks with exit 2, naming the silver
/// policy file (it said "create it" for a bucket that exists), and one with silver off passes.
#[test]
fn the_iam_policy_files_grant_exactly_what_a_sync_needs() {
    let (moto, keys) = moto_with_policy_users();

    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-22", "2026-11-23"]);
    let run = |user: &str, silver: bool, args: &[&str]| {
        let mut cmd = env.cmd();
        cmd.env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("AWS_ACCESS_KEY_ID", keys[user]["id"].as_str().unwrap())
            .env("AWS_SECRET_ACCESS_KEY", keys[user]["secret"].as_str().unwrap())
            .env("AWS_REGION", "us-east-1")
            .env("OURA_DESTINATION", "s3://lake-iam/oura")
            .env("OURA_DYNAMODB_TABLE", "ledger-iam");
        if silver {
            cmd.env("OURA_SILVER_DESTINATION", "s3://silver-iam/silver/oura");
        }
        cmd.args(args).output().unwrap()
    };

    let out = run("lake_and_silver", true, &["sync", "2026-11-23", "--days", "2", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["silver"]["status"], "ok", "{report}");
    assert!(report["silver"]["months_written"].as_u64().unwrap() > 0, "{report}");
    let out = run("lake_and_silver", true, &["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = run("lake_only", true, &["sync", "2026-11-23", "--days", "2"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("scripts/iam-policy-silver.json"), "{}", stderr(&out));
    let out = run("lake_only", false, &["sync", "2026-11-23", "--days", "2", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The login's policy files grant what its store needs and no more: with the lake policy and
/// `scripts/iam-policy-login-secretsmanager.json`, `tokens move` creates the secret and a
/// sync and `status` read the login from it; with `scripts/iam-policy-login-dynamodb.json`,
/// the same with the login in the ledger's table; with the lake policy alone, the move is
/// refused (exit 2) naming the permission, and the tokens file keeps the login.
#[test]
fn the_login_policy_files_grant_what_each_token_store_needs() {
    let (moto, keys) = moto_with_policy_users();
    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-22", "2026-11-23"]);
    let login = serde_json::json!({
        "access_token": TOKEN, "refresh_token": "ref-SECRET-9d2e",
        "expires_at": (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(12)).to_string(),
    });
    let run = |user: &str, store: Option<&str>, args: &[&str]| {
        let mut cmd = env.cmd();
        cmd.env_remove("OURA_ACCESS_TOKEN")
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("AWS_ACCESS_KEY_ID", keys[user]["id"].as_str().unwrap())
            .env("AWS_SECRET_ACCESS_KEY", keys[user]["secret"].as_str().unwrap())
            .env("AWS_REGION", "us-east-1")
            .env("OURA_DESTINATION", "s3://lake-iam/oura")
            .env("OURA_DYNAMODB_TABLE", "ledger-iam");
        if let Some(store) = store {
            cmd.env("OURA_TOKEN_STORE", store);
        }
        cmd.args(args).output().unwrap()
    };
    let tokens = env.dir.path().join(".oura-tokens.json");
    for (user, store) in [
        ("login_in_secret", "secretsmanager://oura-login-iam"),
        ("login_in_table", "dynamodb://ledger-iam"),
    ] {
        std::fs::write(&tokens, login.to_string()).unwrap();
        let out = run(user, None, &["tokens", "move", "--to", store]);
        assert_eq!(out.status.code(), Some(0), "{user}: {}", stderr(&out));
        let out = run(user, Some(store), &["sync", "2026-11-23", "--days", "2", "--force"]);
        assert_eq!(out.status.code(), Some(0), "{user}: {}", stderr(&out));
        let out = run(user, Some(store), &["status"]);
        assert_eq!(out.status.code(), Some(0), "{user}: {}", stderr(&out));
    }
    std::fs::write(&tokens, login.to_string()).unwrap();
    let out = run("lake_only", None, &["tokens", "move", "--to", "secretsmanager://other"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("secretsmanager:GetSecretValue"), "{}", stderr(&out));
    let kept: serde_json::Value = serde_json::from_slice(&std::fs::read(&tokens).unwrap()).unwrap();
    assert_eq!(kept["refresh_token"], "ref-SECRET-9d2e");
}
