//! The login kept in AWS (issue 22): `tokens move` from the tokens file into Secrets Manager
//! and DynamoDB (moto), then `auth`, `refresh`, `status`, `doctor` and `sync` with
//! `OURA_TOKEN_STORE`; refreshes racing across processes; the settings that cannot go
//! together; and no secret in any output, even from a Secrets Manager that echoes what it was
//! sent.

use std::sync::{Arc, Mutex};

use crate::auth::{Login, browser_get};
use crate::aws_env;
use crate::common::*;
use crate::recorder::{Recorder, Reply};

/// The login in the secret `id`, read at `AWSCURRENT` as the store reads it.
async fn secret_login(id: &str) -> serde_json::Value {
    let aws = aws_env::clients().await;
    let got = aws
        .secretsmanager
        .get_secret_value()
        .secret_id(id)
        .version_stage("AWSCURRENT")
        .send()
        .await
        .unwrap();
    serde_json::from_str(got.secret_string().unwrap()).unwrap()
}

/// The `tokens` attribute of the login item of the pk/sk table `table`.
async fn item_login(table: &str) -> Option<serde_json::Value> {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    let aws = aws_env::clients().await;
    let got = aws
        .dynamodb
        .get_item()
        .table_name(table)
        .key("pk", S("oura#login".into()))
        .key("sk", S("tokens".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let tokens = got.item?.get("tokens")?.as_s().ok()?.clone();
    Some(serde_json::from_str(&tokens).unwrap())
}

/// The login check of `doctor --json`'s output.
fn login_check(doctor: &str) -> serde_json::Value {
    let report: serde_json::Value = serde_json::from_str(doctor).unwrap();
    report["checks"].as_array().unwrap().iter().find(|c| c["name"] == "login").unwrap().clone()
}

/// The tokens file's login moves into a Secrets Manager secret: the file keeps only a note
/// naming the secret (and a command still pointed at the file says where the login went,
/// exit 3); with `OURA_TOKEN_STORE`, `status` and `doctor` read it, a `sync` refreshes the
/// expiring token once (the old refresh token dead, the new pair at `AWSCURRENT`, the API
/// sent the new token), `refresh` rotates it again, and no output holds a secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_moves_into_secrets_manager_and_every_command_uses_it() {
    let t = Login::new();
    let (access, refresh) = t.logged_in(60);
    let id = aws_env::unique_name("login");
    let uri = format!("secretsmanager://{id}");
    let moved = t.run(&["tokens", "move", "--to", &uri]);
    assert_eq!(moved.status.code(), Some(0), "{}", stderr(&moved));
    assert!(stdout(&moved).contains(&format!("set OURA_TOKEN_STORE={uri}")), "{}", stdout(&moved));
    assert_eq!(t.tokens(), serde_json::json!({ "moved_to": uri }));
    let stored = secret_login(&id).await;
    assert_eq!(stored["access_token"], access);
    assert_eq!(stored["refresh_token"], refresh);

    let stale = t.run(&["sync", "2026-11-23", "--days", "3", "--types", "daily_sleep"]);
    assert_eq!(stale.status.code(), Some(3), "{}", stderr(&stale));
    assert!(stderr(&stale).contains(&uri), "{}", stderr(&stale));

    let with = |args: &[&str]| t.cmd().env("OURA_TOKEN_STORE", &uri).args(args).output().unwrap();
    let status = with(&["status", "--json"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    let report: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(report["tokens_file"], uri);
    let doctor = with(&["doctor", "--json"]);
    let check = login_check(&stdout(&doctor));
    assert_eq!(check["ok"], true, "{check}");
    assert!(check["detail"].as_str().unwrap().contains(&id), "{check}");

    let sync = with(&["sync", "2026-11-23", "--days", "3", "--types", "daily_sleep"]);
    assert_eq!(sync.status.code(), Some(0), "{}", stderr(&sync));
    assert_eq!(t.oauth.refreshes(), 1);
    assert!(!t.oauth.refresh_token_is_live(&refresh));
    let after = secret_login(&id).await;
    assert!(t.oauth.refresh_token_is_live(after["refresh_token"].as_str().unwrap()));
    let sent = t.env.oura.requests_to("daily_sleep")[0].authorization.clone().unwrap();
    assert_eq!(sent, format!("Bearer {}", after["access_token"].as_str().unwrap()));
    assert!(after.get("oura_sync").is_none(), "a lease was left behind: {after}");

    let again = with(&["refresh"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(t.oauth.refreshes(), 2);
    let last = secret_login(&id).await;
    assert!(t.oauth.refresh_token_is_live(last["refresh_token"].as_str().unwrap()));
    let outputs = [&moved, &stale, &status, &doctor, &sync, &again];
    let texts: Vec<String> = outputs.iter().flat_map(|o| [stdout(o), stderr(o)]).collect();
    t.assert_no_secret_in(&texts.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
}

/// `auth` logs in straight into a DynamoDB item (no tokens file is written), `refresh`
/// rotates it there, and `tokens move --from dynamodb://… --to file://…` brings it back: the
/// item keeps no token, and the file holds the live pair.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_logs_in_to_dynamodb_and_the_login_moves_back_to_a_file() {
    let t = Login::new();
    let aws = aws_env::clients().await;
    let table = aws_env::new_table(&aws, "login").await;
    let uri = format!("dynamodb://{table}");
    let mut auth = t.spawn_with(&["auth", "--no-browser"], &[("OURA_TOKEN_STORE", &uri)]);
    let url = auth.wait_for_line(&t.oauth.authorize_url());
    let (status, _, page) = tokio::task::block_in_place(|| browser_get(&url, true));
    assert_eq!(status, 200, "{page}");
    let (code, said, logs) = auth.finish();
    assert_eq!(code, Some(0), "{logs}");
    assert!(said.contains(&uri), "{said}");
    assert!(!t.tokens_path().exists());
    let stored = item_login(&table).await.unwrap();
    assert!(t.oauth.refresh_token_is_live(stored["refresh_token"].as_str().unwrap()));

    let refresh = t.cmd().env("OURA_TOKEN_STORE", &uri).arg("refresh").output().unwrap();
    assert_eq!(refresh.status.code(), Some(0), "{}", stderr(&refresh));
    let rotated = item_login(&table).await.unwrap();
    assert_ne!(rotated["refresh_token"], stored["refresh_token"]);

    let back = t.env.dir.path().join("back.json");
    let to = format!("file://{}", back.display());
    let moved = t.run(&["tokens", "move", "--from", &uri, "--to", &to]);
    assert_eq!(moved.status.code(), Some(0), "{}", stderr(&moved));
    assert_eq!(item_login(&table).await, None, "the item still holds a login");
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&back).unwrap()).unwrap();
    assert_eq!(file["refresh_token"], rotated["refresh_token"]);
    assert!(t.oauth.refresh_token_is_live(file["refresh_token"].as_str().unwrap()));
    let gone = t.cmd().env("OURA_TOKEN_STORE", &uri).arg("refresh").output().unwrap();
    assert_eq!(gone.status.code(), Some(3), "{}", stderr(&gone));
    assert!(stderr(&gone).contains(&to), "{}", stderr(&gone));
    let texts = [said, logs, stdout(&refresh), stderr(&refresh), stdout(&moved), stderr(&moved)];
    t.assert_no_secret_in(&texts.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
}

/// Four processes (two `refresh`, two `sync`) start at once on a login in Secrets Manager
/// whose token is about to expire: all succeed, Oura sees one grant, the old refresh token is
/// presented once, and the secret ends with a live refresh token and no lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_racing_on_a_secret_make_one_grant() {
    let t = Login::new();
    t.oauth.lock().refresh_delay = std::time::Duration::from_millis(300);
    let (_, refresh) = t.logged_in(60);
    let uri = format!("secretsmanager://{}", aws_env::unique_name("race"));
    let moved = t.run(&["tokens", "move", "--to", &uri]);
    assert_eq!(moved.status.code(), Some(0), "{}", stderr(&moved));
    let sync = ["sync", "2026-11-23", "--days", "1", "--types", "daily_sleep"];
    let commands: [&[&str]; 4] = [&["refresh"], &sync, &["refresh"], &sync];
    let outputs: Vec<std::process::Output> = tokio::task::block_in_place(|| {
        std::thread::scope(|s| {
            let running: Vec<_> = commands
                .iter()
                .map(|args| {
                    let mut cmd = t.cmd();
                    cmd.env("OURA_TOKEN_STORE", &uri).env("OURA_LOCK_TIMEOUT", "60").args(*args);
                    s.spawn(move || cmd.output().unwrap())
                })
                .collect();
            running.into_iter().map(|r| r.join().unwrap()).collect()
        })
    });
    for out in &outputs {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    }
    assert_eq!(t.oauth.refreshes(), 1, "{:?}", t.oauth.calls());
    let presented =
        t.oauth.calls().iter().filter(|c| c.refresh_token.as_deref() == Some(&refresh)).count();
    assert_eq!(presented, 1);
    let id = uri.trim_start_matches("secretsmanager://");
    let last = secret_login(id).await;
    assert!(t.oauth.refresh_token_is_live(last["refresh_token"].as_str().unwrap()));
    assert!(last.get("oura_sync").is_none(), "a lease was left behind: {last}");
}

/// `OURA_TOKEN_STORE` with `OURA_TOKENS_FILE` is a usage error naming both (exit 2, nothing
/// written); `ssm://` is refused saying why and what to use instead.
#[test]
fn two_places_for_the_login_and_ssm_are_usage_errors() {
    let env = TestEnv::new();
    let both = env
        .cmd()
        .env("OURA_TOKEN_STORE", "secretsmanager://oura")
        .env("OURA_TOKENS_FILE", "t.json")
        .args(["status"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    let message = stderr(&both);
    assert!(
        message.contains("OURA_TOKEN_STORE") && message.contains("OURA_TOKENS_FILE"),
        "{message}"
    );
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    let ssm = env
        .cmd()
        .env("OURA_TOKEN_STORE", "ssm:///bio-lakehouse/oura")
        .arg("sync")
        .output()
        .unwrap();
    assert_eq!(ssm.status.code(), Some(2), "{}", stderr(&ssm));
    assert!(stderr(&ssm).contains("compare-and-swap"), "{}", stderr(&ssm));
    assert!(stderr(&ssm).contains("secretsmanager://"), "{}", stderr(&ssm));
    assert!(std::fs::read_dir(env.dir.path()).unwrap().next().is_none(), "something was written");
}

/// A Secrets Manager that echoes the request it refuses (the login's tokens among it) never
/// gets them into a message or a log: `tokens move` fails (exit 1) with the tokens redacted,
/// and the tokens file keeps the login.
#[test]
fn an_echoing_secrets_manager_never_gets_a_token_into_a_message() {
    let t = Login::new();
    let (access, refresh) = t.logged_in(3600);
    let stored: Arc<Mutex<Option<String>>> = Arc::default();
    let state = stored.clone();
    let fake = Recorder::start(move |req, _| {
        let body = req.json();
        let target = req.header("x-amz-target").unwrap_or_default().to_string();
        let reply = match target.as_str() {
            "secretsmanager.GetSecretValue" => match state.lock().unwrap().clone() {
                None => Reply::new(
                    400,
                    r#"{"__type":"ResourceNotFoundException","message":"no such secret"}"#,
                ),
                Some(value) => Reply::ok(
                    serde_json::json!({
                        "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:echo-AbCdEf",
                        "Name": "echo", "SecretString": value, "VersionId": "v1",
                        "VersionStages": ["AWSCURRENT"], "CreatedDate": 1767225600,
                    })
                    .to_string(),
                ),
            },
            "secretsmanager.CreateSecret" => {
                *state.lock().unwrap() = body["SecretString"].as_str().map(str::to_string);
                Reply::ok(
                    r#"{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:echo-AbCdEf","Name":"echo","VersionId":"v1"}"#,
                )
            }
            _ => Reply::new(
                400,
                serde_json::json!({
                    "__type": "InvalidRequestException",
                    "message": format!("refused: {}", req.body_text()),
                })
                .to_string(),
            ),
        };
        reply.header("content-type", "application/x-amz-json-1.1")
    });
    let out = t
        .cmd()
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &fake.base)
        .args(["-vv", "tokens", "move", "--to", "secretsmanager://echo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let echoed = fake.requests().iter().any(|r| {
        r.header("x-amz-target") == Some("secretsmanager.PutSecretValue")
            && r.body_text().contains(&refresh)
    });
    assert!(echoed, "the fake never got the tokens, so the test proves nothing");
    assert!(stderr(&out).contains("(redacted)"), "{}", stderr(&out));
    t.assert_no_secret_in(&[&stdout(&out), &stderr(&out)], &[&access, &refresh]);
    assert_eq!(t.tokens()["refresh_token"], refresh);
}
