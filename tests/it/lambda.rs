//! Lambda mode, at the wire: a local stand-in for the Lambda Runtime API (its documented
//! routes and headers) drives the real binary as Lambda would start it (no arguments,
//! `AWS_LAMBDA_RUNTIME_API` set), against the fake Oura API, with S3 and DynamoDB in moto:
//! every event shape, bad events, a failing type, bad settings at the start, two functions on
//! one rotating login, the stop before the deadline, and nothing written outside `/tmp`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use oura_sync::aws::AwsClients;
use serde_json::{Value, json};

use crate::aws_env;
use crate::common::*;
use crate::fake_oauth::{CLIENT_ID, CLIENT_SECRET, FakeOAuth};
use crate::fake_oura::{FakeOura, Fault, serve_in_background};

const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:oura-sync";
/// Long enough for any run here: the stand-in's deadline is a header, not a kill.
const LONG: Duration = Duration::from_secs(600);
/// How long a test waits for an answer before it fails (a hung function, not a speed claim).
const PATIENCE: Duration = Duration::from_secs(300);

/// What the function answered to one invocation.
#[derive(Debug, Clone)]
enum Answer {
    Response(Value),
    Error { error_type: String, header: Option<String>, body: Value },
}

impl Answer {
    /// The run report of a successful invocation; panics with the error otherwise.
    fn report(&self) -> &Value {
        match self {
            Answer::Response(report) => report,
            other => panic!("expected a run report, got {other:?}"),
        }
    }

    /// (errorType, errorMessage) of a failed invocation; panics on a response.
    fn error(&self) -> (String, String) {
        match self {
            Answer::Error { error_type, header, body } => {
                // lambda_runtime sends `Unhandled` here for every handler error, as Lambda's
                // own runtimes do; the type is the body's.
                assert!(header.is_some(), "{body}");
                (error_type.clone(), body["errorMessage"].as_str().unwrap().to_string())
            }
            other => panic!("expected an invocation error, got {other:?}"),
        }
    }
}

/// The Runtime API's state: events waiting for `/next`, answers by request id, init errors.
#[derive(Default)]
struct ApiState {
    queue: VecDeque<(String, Value, u64)>,
    answers: HashMap<String, Answer>,
    init_errors: Vec<(Option<String>, Value)>,
    /// How many times `/next` was called.
    nexts: usize,
}

/// A local stand-in for the Lambda Runtime API.
#[derive(Clone)]
struct RuntimeApi {
    state: Arc<(Mutex<ApiState>, Condvar)>,
    /// `host:port`, as Lambda sets `AWS_LAMBDA_RUNTIME_API`.
    address: String,
}

impl RuntimeApi {
    fn start() -> Self {
        let state: Arc<(Mutex<ApiState>, Condvar)> = Arc::default();
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(state.clone());
        let base = serve_in_background(app);
        let address = base.trim_start_matches("http://").to_string();
        Self { state, address }
    }

    /// Queues `event` with a deadline `deadline` from now; returns its request id.
    fn send(&self, event: Value, deadline: Duration) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let deadline_ms = (now + deadline).as_millis() as u64;
        let (lock, ready) = &*self.state;
        lock.lock().unwrap().queue.push_back((id.clone(), event, deadline_ms));
        ready.notify_all();
        id
    }

    /// Waits for the answer to request `id`.
    fn answer(&self, id: &str) -> Answer {
        self.wait(|s| s.answers.get(id).cloned(), &format!("the answer to {id}"))
    }

    /// Sends `event` and waits for its answer.
    fn invoke(&self, event: Value) -> Answer {
        let id = self.send(event, LONG);
        self.answer(&id)
    }

    fn wait<T>(&self, found: impl Fn(&ApiState) -> Option<T>, what: &str) -> T {
        let (lock, changed) = &*self.state;
        let mut state = lock.lock().unwrap();
        let until = std::time::Instant::now() + PATIENCE;
        loop {
            if let Some(value) = found(&state) {
                return value;
            }
            let left = until.saturating_duration_since(std::time::Instant::now());
            assert!(!left.is_zero(), "no {what} from the function");
            state = changed.wait_timeout(state, left).unwrap().0;
        }
    }

    fn init_errors(&self) -> Vec<(Option<String>, Value)> {
        self.state.0.lock().unwrap().init_errors.clone()
    }

    fn nexts(&self) -> usize {
        self.state.0.lock().unwrap().nexts
    }
}

type Shared = State<Arc<(Mutex<ApiState>, Condvar)>>;

/// `GET /next`: long-polls until an event is queued, then hands it out with Lambda's headers.
async fn next(State(state): Shared) -> Response {
    let event = tokio::task::spawn_blocking(move || {
        let (lock, changed) = &*state;
        let mut s = lock.lock().unwrap();
        s.nexts += 1;
        changed.notify_all();
        loop {
            if let Some(event) = s.queue.pop_front() {
                return event;
            }
            s = changed.wait(s).unwrap();
        }
    })
    .await
    .unwrap();
    let (id, payload, deadline_ms) = event;
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", HeaderValue::from_str(&id).unwrap());
    headers.insert("lambda-runtime-deadline-ms", HeaderValue::from(deadline_ms));
    headers.insert("lambda-runtime-invoked-function-arn", HeaderValue::from_static(FUNCTION_ARN));
    headers.insert(
        "lambda-runtime-trace-id",
        HeaderValue::from_static("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700"),
    );
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    (StatusCode::OK, headers, payload.to_string()).into_response()
}

fn record(state: &Arc<(Mutex<ApiState>, Condvar)>, id: String, answer: Answer) -> StatusCode {
    let (lock, changed) = &**state;
    let mut s = lock.lock().unwrap();
    if s.answers.contains_key(&id) {
        // Lambda refuses a second answer to one invocation.
        return StatusCode::BAD_REQUEST;
    }
    s.answers.insert(id, answer);
    changed.notify_all();
    StatusCode::ACCEPTED
}

async fn response(State(state): Shared, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    let Ok(value) = serde_json::from_slice(&body) else { return StatusCode::BAD_REQUEST };
    record(&state, id, Answer::Response(value))
}

fn error_body(headers: &HeaderMap, body: &Bytes) -> Option<(Option<String>, Value)> {
    let header =
        headers.get("lambda-runtime-function-error-type").map(|v| v.to_str().unwrap().to_string());
    let value: Value = serde_json::from_slice(body).ok()?;
    value["errorType"].as_str()?;
    value["errorMessage"].as_str()?;
    Some((header, value))
}

async fn error(
    State(state): Shared,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some((header, body)) = error_body(&headers, &body) else { return StatusCode::BAD_REQUEST };
    let error_type = body["errorType"].as_str().unwrap().to_string();
    record(&state, id, Answer::Error { error_type, header, body })
}

async fn init_error(State(state): Shared, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(error) = error_body(&headers, &body) else { return StatusCode::BAD_REQUEST };
    let (lock, changed) = &*state;
    lock.lock().unwrap().init_errors.push(error);
    changed.notify_all();
    StatusCode::ACCEPTED
}

/// A directory outside /tmp, used as HOME and working directory, and its contents (name,
/// size, mtime) before the function ran: nothing may change there.
struct Watched {
    dir: tempfile::TempDir,
    before: BTreeMap<PathBuf, (u64, SystemTime)>,
}

impl Watched {
    fn new() -> Self {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        assert!(!dir.path().starts_with("/tmp"));
        std::fs::write(dir.path().join("already-here.txt"), "x").unwrap();
        let before = snapshot(dir.path());
        Self { dir, before }
    }

    fn assert_untouched(&self) {
        assert_eq!(snapshot(self.dir.path()), self.before, "the function wrote outside /tmp");
    }
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut seen = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let meta = std::fs::metadata(&dir).unwrap();
        seen.insert(dir.clone(), (0, meta.modified().unwrap()));
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                seen.insert(entry.path(), (meta.len(), meta.modified().unwrap()));
            }
        }
    }
    seen
}

/// One function: the stand-in, the running binary and what it logs.
struct Function {
    api: RuntimeApi,
    child: Child,
    logs: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Function {
    /// Starts the binary as Lambda starts a custom runtime, with `settings` as its
    /// environment (nothing else of this process's OURA_* settings), HOME and cwd `watched`.
    fn start(settings: &[(&str, String)], watched: &Watched) -> Self {
        let api = RuntimeApi::start();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oura-sync"));
        for name in inherited_settings() {
            cmd.env_remove(name);
        }
        cmd.current_dir(watched.dir.path())
            .env("HOME", watched.dir.path())
            .env("AWS_LAMBDA_RUNTIME_API", &api.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", "oura-sync")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/oura-sync")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/12/04/[$LATEST]0123")
            .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let logs = stderr_lines(&mut child);
        Self { api, child, logs, seen: Vec::new() }
    }

    /// Waits for a log line containing `text`.
    fn wait_for_log(&mut self, text: &str) {
        while !self.seen.iter().any(|l| l.contains(text)) {
            match self.logs.recv_timeout(PATIENCE) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no log line with {text:?}; logs:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Everything logged so far.
    fn logs(&mut self) -> String {
        while let Ok(line) = self.logs.try_recv() {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }

    /// True if the process is still serving.
    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for the process to end (after an init error) and returns its exit code.
    fn exit_code(&mut self) -> Option<i32> {
        self.child.wait().unwrap().code()
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A function's setting set: the fake Oura, UTC days, a lake in a fresh bucket with a fresh
/// ledger table, and the login's tokens file (bare token here) in a fresh /tmp directory.
struct Lake {
    aws: AwsClients,
    bucket: String,
    table: String,
    tmp: tempfile::TempDir,
    oura: FakeOura,
}

impl Lake {
    async fn new(tag: &str) -> Self {
        let aws = aws_env::clients().await;
        let bucket = aws_env::new_bucket(&aws, tag).await;
        let table = aws_env::new_table(&aws, tag).await;
        let tmp = tempfile::tempdir_in("/tmp").unwrap();
        Self { aws, bucket, table, tmp, oura: FakeOura::start() }
    }

    fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OURA_API_BASE", self.oura.base_url.clone()),
            ("OURA_TIMEZONE", "UTC".into()),
            ("OURA_ACCESS_TOKEN", TOKEN.into()),
            ("OURA_DESTINATION", format!("s3://{}/oura", self.bucket)),
            ("OURA_DYNAMODB_TABLE", self.table.clone()),
            ("OURA_TOKENS_FILE", self.tmp.path().join("oura-tokens.json").display().to_string()),
            ("OURA_TYPES", "daily_sleep,workout".into()),
        ]
    }

    async fn keys(&self) -> Vec<String> {
        let listed = self.aws.s3.list_objects_v2().bucket(&self.bucket).send().await.unwrap();
        listed.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect()
    }

    /// The ledger's run items.
    async fn runs(&self) -> Vec<HashMap<String, AttributeValue>> {
        let page = self
            .aws
            .dynamodb
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S("oura#run".into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        page.items().to_vec()
    }
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}

fn window(report: &Value) -> (String, String) {
    let w = &report["window"];
    (w["start"].as_str().unwrap().into(), w["end"].as_str().unwrap().into())
}

fn days_from(start: &str, count: usize) -> Vec<String> {
    let start: jiff::civil::Date = start.parse().unwrap();
    start.series(jiff::ToSpan::day(1)).take(count).map(|d| d.to_string()).collect()
}

/// Every event shape is answered with the run report of the `sync` it stands for: `{}`,
/// `null`, an EventBridge rule's scheduled event and the scheduler's input sync the default
/// window ending today (UTC here); `{"date"}` is `sync D`; `{"start_date","end_date"}` a
/// backfill; `"types"` and `"days"` narrow it. One process answers them all, the lake and
/// ledger in moto receive the days, and HOME and the working directory (outside /tmp) are
/// left exactly as they were.
#[tokio::test(flavor = "multi_thread")]
async fn every_event_shape_is_answered_with_its_run_report() {
    let lake = Lake::new("lambda-shapes").await;
    let today = today();
    let week_ago = today - jiff::ToSpan::days(6);
    lake.oura
        .add("daily_sleep", days_from("2026-02-10", 10).iter().map(|d| daily("daily_sleep", d)));
    lake.oura.add("daily_sleep", [daily("daily_sleep", &today.to_string())]);
    lake.oura.add("workout", [daily("workout", "2026-02-17")]);
    let watched = Watched::new();
    let mut f = Function::start(&lake.settings(), &watched);

    let rule = json!({
        "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
        "time": "2026-12-04T09:00:00Z", "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/oura-daily"], "detail": {}
    });
    let scheduler = json!({
        "schedule": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/oura-sync",
        "scheduled_time": "2026-12-04T09:00:00Z", "execution_id": "c0ffee", "attempt": "1"
    });
    let default_window = (week_ago.to_string(), today.to_string());
    for event in [json!({}), Value::Null, rule, scheduler] {
        let answer = f.api.invoke(event.clone());
        let report = answer.report();
        assert_eq!(report["status"], "success", "{event}: {report}");
        assert_eq!(window(report), default_window, "{event}");
        assert_eq!(report["types"]["daily_sleep"]["records"], 1, "{event}");
        assert!(report["types"].get("heartrate").is_none(), "OURA_TYPES holds: {report}");
    }

    let report = f.api.invoke(json!({"date": "2026-02-17"})).report().clone();
    assert_eq!(window(&report), ("2026-02-11".into(), "2026-02-17".into()));
    assert_eq!(report["types"]["daily_sleep"]["records"], 7);
    assert_eq!(report["types"]["workout"]["records"], 1);

    let range = json!({"start_date": "2026-02-10", "end_date": "2026-02-19"});
    let report = f.api.invoke(range).report().clone();
    assert_eq!(window(&report), ("2026-02-10".into(), "2026-02-19".into()));
    assert_eq!(report["types"]["daily_sleep"]["records"], 10);

    let narrowed = json!({"date": "2026-02-17", "days": 2, "types": ["workout"]});
    let report = f.api.invoke(narrowed).report().clone();
    assert_eq!(window(&report), ("2026-02-16".into(), "2026-02-17".into()));
    assert_eq!(report["types"].as_object().unwrap().keys().collect::<Vec<_>>(), ["workout"]);

    assert!(f.alive(), "{}", f.logs());
    let keys = lake.keys().await;
    assert!(
        keys.contains(
            &"oura/daily_sleep/year=2026/month=02/day=19/daily_sleep_2026-02-19.jsonl".to_string()
        ),
        "{keys:?}"
    );
    assert_eq!(lake.runs().await.len(), 7);
    // One process answered every event: one /next per event, plus the one it waits in now.
    f.api.wait(|s| (s.nexts == 8).then_some(()), "the eighth /next");
    assert!(f.api.init_errors().is_empty());
    watched.assert_untouched();
    let logs = f.logs();
    assert!(!logs.contains(TOKEN), "{logs}");
}

/// A bad event is an invocation error of type `OuraSync.Usage` whose message names what is
/// wrong; a date after today is refused by the command line's own check; the same process
/// then answers a good event, and the bad ones wrote nothing and recorded no run.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_event_is_an_error_naming_it_and_the_next_event_is_served() {
    let lake = Lake::new("lambda-bad-event").await;
    lake.oura.add("daily_sleep", [daily("daily_sleep", "2026-02-17")]);
    let watched = Watched::new();
    let mut f = Function::start(&lake.settings(), &watched);
    let tomorrow = (today() + jiff::ToSpan::days(1)).to_string();
    let cases = [
        (json!({"dat": "2026-02-17"}), "the event has an unknown field `dat`"),
        (json!({"date": "17/02/2026"}), "the event's `date` `17/02/2026` is not a date"),
        (json!({"types": ["sleepy"]}), "sleepy"),
        (json!([1, 2]), "the event is a list, not a JSON object"),
        (json!({"date": tomorrow}), "is after today"),
    ];
    for (event, expected) in cases {
        let (error_type, message) = f.api.invoke(event.clone()).error();
        assert_eq!(error_type, "OuraSync.Usage", "{event}: {message}");
        assert!(message.contains(expected), "{event}: {message}");
    }
    assert!(lake.keys().await.is_empty());
    assert!(lake.runs().await.is_empty());
    let report = f.api.invoke(json!({"date": "2026-02-17", "days": 1})).report().clone();
    assert_eq!(report["types"]["daily_sleep"]["records"], 1);
    assert!(f.alive());
    watched.assert_untouched();
}

/// A type that keeps failing makes the run partial (exit 1 on the command line): the
/// invocation is an error of type `OuraSync.Failed` whose message is the summary's first line,
/// the other type's days are in the lake, and the run is recorded in the ledger.
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_type_is_an_invocation_error_with_the_summary_line() {
    let lake = Lake::new("lambda-failing").await;
    lake.oura.add("daily_sleep", [daily("daily_sleep", "2026-02-17")]);
    lake.oura.fault("workout", std::iter::repeat_n(Fault::Status(500), 50));
    let watched = Watched::new();
    let mut f = Function::start(
        &[lake.settings(), vec![("OURA_HTTP_TIMEOUT", "5".into())]].concat(),
        &watched,
    );
    let (error_type, message) = f.api.invoke(json!({"date": "2026-02-17", "days": 1})).error();
    assert_eq!(error_type, "OuraSync.Failed");
    assert!(message.starts_with("⚠️ *Oura sync partial* 2026-02-17 → 2026-02-17"), "{message}");
    assert!(!message.contains('\n'));
    let keys = lake.keys().await;
    assert!(keys.iter().any(|k| k.contains("daily_sleep_2026-02-17")), "{keys:?}");
    let runs = lake.runs().await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"].as_s().unwrap(), "partial");
    assert!(f.alive(), "{}", f.logs());
    watched.assert_untouched();
}

/// A bad setting stops the start: it is posted to `/runtime/init/error` naming the setting,
/// and the process exits 2 without asking for an event. A destination that is not s3:// and
/// a tokens file outside /tmp are such settings in a function.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_setting_is_an_init_error_naming_it() {
    let lake = Lake::new("lambda-init").await;
    let watched = Watched::new();
    let cases = [
        ("OURA_DAYS", "seven", "OURA_DAYS"),
        ("OURA_DESTINATION", "./oura-lake", "OURA_DESTINATION `./oura-lake` is not s3://"),
        (
            "OURA_TOKENS_FILE",
            ".oura-tokens.json",
            "OURA_TOKENS_FILE `.oura-tokens.json` is outside /tmp",
        ),
        ("OURA_TIMEZONE", "Mars/Olympus", "OURA_TIMEZONE"),
    ];
    for (name, value, expected) in cases {
        let mut settings = lake.settings();
        settings.retain(|(k, _)| *k != name);
        settings.push((name, value.to_string()));
        let mut f = Function::start(&settings, &watched);
        assert_eq!(f.exit_code(), Some(2), "{name}: {}", f.logs());
        let errors = f.api.init_errors();
        assert_eq!(errors.len(), 1, "{name}");
        let (header, body) = &errors[0];
        assert_eq!(header.as_deref(), Some("OuraSync.Usage"));
        assert_eq!(body["errorType"], "OuraSync.Usage");
        let message = body["errorMessage"].as_str().unwrap();
        assert!(message.contains(expected), "{name}: {message}");
        assert_eq!(f.api.nexts(), 0, "{name}: asked for an event after an init error");
    }
    watched.assert_untouched();
}

/// Where the two functions' shared login lives.
enum SharedLogin {
    /// The tokens file in one shared /tmp directory.
    File,
    /// A Secrets Manager secret (moto), `OURA_TOKEN_STORE=secretsmanager://ID`.
    Secret(String),
}

/// Two functions at once on one login (the tokens file in one shared /tmp directory), with
/// one-second access tokens, each answering three events: every invocation succeeds, no
/// refresh token is ever presented twice (no rotation lost), and the one left in the file
/// still works.
#[tokio::test(flavor = "multi_thread")]
async fn two_functions_on_one_login_never_lose_a_rotation() {
    two_functions_on_one_login(SharedLogin::File).await;
}

/// The same with the login in Secrets Manager, as the deploy template keeps it: the two
/// functions rotate it through the secret's compare-and-swap (no refresh token presented
/// twice), the secret ends with a live refresh token, and no tokens file is written.
#[tokio::test(flavor = "multi_thread")]
async fn two_functions_on_a_login_in_secrets_manager_never_lose_a_rotation() {
    two_functions_on_one_login(SharedLogin::Secret(aws_env::unique_name("lambda-login"))).await;
}

async fn two_functions_on_one_login(place: SharedLogin) {
    let lake = Lake::new("lambda-two").await;
    lake.oura
        .add("daily_sleep", days_from("2026-02-01", 28).iter().map(|d| daily("daily_sleep", d)));
    let oauth = FakeOAuth::start(Some(lake.oura.inner.clone()));
    oauth.lock().expires_in = 1;
    oauth.lock().refresh_delay = Duration::from_millis(200);
    let (access, refresh) = oauth.issue_pair("extapi:daily");
    let tokens = lake.tmp.path().join("oura-tokens.json");
    let file = json!({
        "access_token": access, "refresh_token": refresh, "token_type": "bearer",
        "expires_at": (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(1)).to_string(),
        "scope": "daily", "token_url": oauth.legacy_url(),
    });
    let mut settings = lake.settings();
    settings.retain(|(k, _)| *k != "OURA_ACCESS_TOKEN");
    match &place {
        SharedLogin::File => std::fs::write(&tokens, file.to_string()).unwrap(),
        SharedLogin::Secret(id) => {
            let create = lake.aws.secretsmanager.create_secret().name(id);
            create.secret_string(file.to_string()).send().await.unwrap();
            settings.retain(|(k, _)| *k != "OURA_TOKENS_FILE");
            settings.push(("OURA_TOKEN_STORE", format!("secretsmanager://{id}")));
        }
    }
    settings.extend([
        ("OURA_CLIENT_ID", CLIENT_ID.to_string()),
        ("OURA_CLIENT_SECRET", CLIENT_SECRET.to_string()),
        ("OURA_TOKEN_URL", oauth.legacy_url()),
        ("OURA_TOKEN_FALLBACK_URL", oauth.new_url()),
        ("OURA_TYPES", "daily_sleep".to_string()),
    ]);
    let watched = Watched::new();
    let mut functions =
        [Function::start(&settings, &watched), Function::start(&settings, &watched)];
    let dates = ["2026-02-07", "2026-02-14", "2026-02-21", "2026-02-28"];
    let mut sent = Vec::new();
    for (i, date) in dates.iter().chain(dates[..2].iter()).enumerate() {
        let f = &functions[i % 2];
        sent.push((i % 2, f.api.send(json!({"date": date}), LONG)));
    }
    for (which, id) in &sent {
        let answer = functions[*which].api.answer(id);
        assert_eq!(answer.report()["status"], "success", "{answer:?}");
        assert_eq!(answer.report()["types"]["daily_sleep"]["records"], 7);
    }
    let calls = oauth.calls();
    assert!(calls.iter().all(|c| c.status == 200), "{calls:?}");
    let mut presented: Vec<_> = calls.iter().filter_map(|c| c.refresh_token.clone()).collect();
    let count = presented.len();
    presented.sort();
    presented.dedup();
    assert_eq!(presented.len(), count, "a refresh token was presented twice: {calls:?}");
    assert!(count >= 2, "one-second tokens were refreshed: {calls:?}");
    let left: Value = match &place {
        SharedLogin::File => serde_json::from_slice(&std::fs::read(&tokens).unwrap()).unwrap(),
        SharedLogin::Secret(id) => {
            let read = lake.aws.secretsmanager.get_secret_value().secret_id(id);
            let got = read.version_stage("AWSCURRENT").send().await.unwrap();
            assert!(!tokens.exists(), "a login in Secrets Manager wrote a tokens file");
            serde_json::from_str(got.secret_string().unwrap()).unwrap()
        }
    };
    assert!(oauth.refresh_token_is_live(left["refresh_token"].as_str().unwrap()));
    for f in &mut functions {
        let logs = f.logs();
        for secret in oauth.secrets() {
            assert!(!logs.contains(&secret), "a secret in the logs:\n{logs}");
        }
    }
    watched.assert_untouched();
}

/// A backfill too long for its invocation stops before the deadline: the piece in flight is
/// finished, no other starts, the invocation is an error saying it was interrupted, and the
/// ledger records the run as such. The next invocation of the same event resumes, fetches
/// only what is missing and completes the lake.
#[tokio::test(flavor = "multi_thread")]
async fn a_backfill_stops_before_the_deadline_and_resumes_next_time() {
    let lake = Lake::new("lambda-deadline").await;
    let days = days_from("2026-01-01", 120);
    lake.oura.add("daily_sleep", days.iter().map(|d| daily("daily_sleep", d)));
    // The first piece (90 days) is 46 pages of two: its 41st request is held, so the deadline
    // comes with that piece surely in flight and the next surely not started.
    const HELD: usize = 40;
    lake.oura.lock().hold_from = Some(HELD);
    let settings = [
        lake.settings(),
        vec![("OURA_TYPES", "daily_sleep".to_string()), ("OURA_CONCURRENCY", "1".into())],
    ]
    .concat();
    let watched = Watched::new();
    let mut f = Function::start(&settings, &watched);
    let range = json!({"start_date": "2026-01-01", "end_date": "2026-04-30"});
    // The stop comes at half of a short deadline (the margin is capped at half of it), long
    // after the held request is reached.
    let id = f.api.send(range.clone(), Duration::from_secs(20));
    f.wait_for_log("Stopping before the invocation's deadline");
    lake.oura.lock().hold_from = None;
    let (error_type, message) = f.api.answer(&id).error();
    assert_eq!(error_type, "OuraSync.Failed");
    assert!(message.contains("*Oura sync"), "{message}");
    f.wait_for_log("interrupted; run the same command again to finish");
    let runs = lake.runs().await;
    assert_eq!(runs.len(), 1);
    assert_ne!(runs[0]["status"].as_s().unwrap(), "success", "{:?}", runs[0]);
    let stored = lake.keys().await.iter().filter(|k| k.contains("daily_sleep/")).count();
    assert_eq!(stored, 90, "the piece in flight was finished, the next not started");
    let fetched_before = lake.oura.requests_to("daily_sleep").len();

    let report = f.api.invoke(range).report().clone();
    assert_eq!(report["status"], "success");
    let stored = lake.keys().await.iter().filter(|k| k.contains("daily_sleep/")).count();
    assert_eq!(stored, 120);
    // Only the missing 30 days were asked for: 16 pages of two (with a day of padding).
    assert_eq!(lake.oura.requests_to("daily_sleep").len() - fetched_before, 16);
    watched.assert_untouched();
}

/// The deploy template passes cfn-lint and holds what the README promises (checked with
/// cfn-lint's own decoder by tests/python/cfn_template.py: provided.al2023, the architecture
/// as a parameter, no wildcard action or resource, the schedule in its time zone, retries, the
/// dead-letter queue, the log group's retention); and every variable it sets is a setting of
/// the settings table, so a deployed function reads nothing the command line would not.
#[test]
fn the_deploy_template_passes_cfn_lint_and_sets_only_known_settings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("OURA_TEST_PYTHON").expect(
        "OURA_TEST_PYTHON is not set: run the tests with scripts/test.sh (it installs cfn-lint)",
    );
    let out = Command::new(python)
        .arg(root.join("tests/python/cfn_template.py"))
        .arg(root.join("scripts/cloudformation/oura-sync.yaml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let checked: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(checked["ok"], true);
    let known: Vec<&str> = oura_sync::config::table::SETTINGS.iter().map(|s| s.name).collect();
    let env = checked["env"].as_array().unwrap();
    assert!(env.len() >= 10, "{env:?}");
    for name in env {
        let name = name.as_str().unwrap();
        assert!(known.contains(&name), "{name} is no setting");
    }
}

/// The package script's own checks, without a build: it parses as bash, and an architecture
/// Lambda does not have is a usage error (exit 2) naming the two it has.
#[test]
fn the_package_script_refuses_an_unknown_architecture() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/package-lambda.sh");
    let parsed = Command::new("bash").arg("-n").arg(&script).status().unwrap();
    assert!(parsed.success());
    let out = Command::new("bash").arg(&script).arg("sparc").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("[arm64|x86_64]") && said.contains("sparc"), "{said}");
}

/// A Function URL event carrying an Oura webhook call: `event` as Lambda builds it.
fn function_url_event(
    method: &str,
    query: &str,
    headers: &[(String, String)],
    body: &str,
    base64: bool,
) -> Value {
    use base64::Engine;
    let mut map = serde_json::Map::new();
    map.insert("content-type".into(), json!("application/json"));
    for (name, value) in headers {
        map.insert(name.clone(), json!(value));
    }
    let body = match base64 {
        true => base64::engine::general_purpose::STANDARD.encode(body),
        false => body.to_string(),
    };
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": query,
        "headers": map,
        "requestContext": {
            "accountId": "anonymous", "apiId": "abc123", "domainName": "abc123.lambda-url.us-east-1.on.aws",
            "http": {"method": method, "path": "/", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "Oura"},
            "requestId": "r-1", "routeKey": "$default", "stage": "$default", "time": "04/Dec/2026:09:00:00 +0000", "timeEpoch": 0
        },
        "body": body, "isBase64Encoded": base64
    })
}

/// Lambda mode receives Oura's webhooks through a Function URL, with the same handler as
/// `serve`: the verification call answered only with the token; a signed delivery applied
/// before the answer (the day's object in S3 rewritten, the last delivery in the DynamoDB
/// ledger), base64 bodies read; a forged one 401 with nothing fetched; the answers in the
/// Function URL shape; the same process still serves sync events; no secret in the logs.
#[tokio::test(flavor = "multi_thread")]
async fn a_function_url_delivery_is_applied_before_the_answer() {
    use crate::webhooks_receive::{CLIENT_SECRET, WEBHOOK_TOKEN, delivery, now_seconds, signed};
    let lake = Lake::new("lambda-webhook").await;
    lake.oura.add("daily_sleep", ["2026-11-20", "2026-11-21"].map(|d| daily("daily_sleep", d)));
    let mut settings = lake.settings();
    settings.push(("OURA_CLIENT_SECRET", CLIENT_SECRET.into()));
    settings.push(("OURA_WEBHOOK_TOKEN", WEBHOOK_TOKEN.into()));
    let watched = Watched::new();
    let mut f = Function::start(&settings, &watched);
    let range = json!({"start_date": "2026-11-20", "end_date": "2026-11-21"});
    assert_eq!(f.api.invoke(range).report()["status"], "success");

    let query = format!("verification_token={WEBHOOK_TOKEN}&challenge=ch-7");
    let answer = f.api.invoke(function_url_event("GET", &query, &[], "", false));
    let answer = answer.report();
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(answer["body"], r#"{"challenge":"ch-7"}"#);
    let wrong =
        f.api.invoke(function_url_event("GET", "verification_token=x&challenge=c", &[], "", false));
    assert_eq!(wrong.report()["statusCode"], 401);

    let forged = delivery("update", "daily_sleep", "daily_sleep-2026-11-20");
    let headers = signed(&forged, now_seconds(), "not-the-secret");
    let answer = f.api.invoke(function_url_event("POST", "", &headers, &forged, false));
    assert_eq!(answer.report()["statusCode"], 401);
    assert!(lake.oura.requests_to("daily_sleep-2026-11-20").is_empty());

    let revised = daily("daily_sleep", "2026-11-21").replace("80", "91");
    lake.oura.replace("daily_sleep", [daily("daily_sleep", "2026-11-20"), revised.clone()]);
    let good = delivery("update", "daily_sleep", "daily_sleep-2026-11-21");
    let headers = signed(&good, now_seconds(), CLIENT_SECRET);
    let answer = f.api.invoke(function_url_event("POST", "", &headers, &good, true));
    let answer = answer.report();
    assert_eq!(answer["statusCode"], 200, "{answer}\n{}", f.logs());
    assert_eq!(answer["headers"]["content-type"], "application/json");
    // Applied before the answer: the object is there now.
    let key = "oura/daily_sleep/year=2026/month=11/day=21/daily_sleep_2026-11-21.jsonl";
    let object = lake.aws.s3.get_object().bucket(&lake.bucket).key(key).send().await.unwrap();
    let text = String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap();
    assert_eq!(text, revised + "\n");
    let item = lake
        .aws
        .dynamodb
        .get_item()
        .table_name(&lake.table)
        .key("pk", AttributeValue::S("oura#webhook_delivery".into()))
        .key("sk", AttributeValue::S("daily_sleep".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let body = item.item().and_then(|i| i.get("body")).and_then(|b| b.as_s().ok()).cloned();
    assert!(body.is_some_and(|b| b.contains("daily_sleep-2026-11-21")), "{:?}", item.item());

    assert_eq!(
        f.api.invoke(json!({"date": "2026-11-21", "days": 1})).report()["status"],
        "success"
    );
    let logs = f.logs();
    for secret in [CLIENT_SECRET, WEBHOOK_TOKEN, TOKEN] {
        assert!(!logs.contains(secret), "{logs}");
    }
    watched.assert_untouched();
}

/// In Lambda mode a scheduled run renews the recorded webhook subscriptions that expire
/// soon, after its own work, and its answer says so; a subscription not due is left alone,
/// and neither the client secret nor the verification token shows in the logs or the answer.
#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_run_renews_the_webhook_subscriptions_due() {
    use crate::fake_oura::subscriptions::{CLIENT_ID as APP_ID, CLIENT_SECRET as APP_SECRET, Sub};
    const WEBHOOK_TOKEN: &str = "whk-SECRET-lambda-77e1";
    let lake = Lake::new("lambda-webhooks").await;
    lake.oura.add("daily_sleep", [daily("daily_sleep", &today().to_string())]);
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(30);
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 20);
    for (event, expiration_time) in [("create", soon), ("update", later)] {
        lake.oura.webhooks.lock().unwrap().subs.push(Sub {
            id: uuid::Uuid::new_v4().to_string(),
            callback_url: "https://fn.lambda-url.us-east-1.on.aws/".into(),
            event_type: event.into(),
            data_type: "daily_sleep".into(),
            expiration_time,
            verification_token: WEBHOOK_TOKEN.into(),
        });
    }
    let mut settings = lake.settings();
    settings.extend([
        ("OURA_CLIENT_ID", APP_ID.to_string()),
        ("OURA_CLIENT_SECRET", APP_SECRET.to_string()),
        ("OURA_WEBHOOK_TOKEN", WEBHOOK_TOKEN.to_string()),
    ]);
    // `webhooks list` records them in the lake's table, as an operator would once.
    let listed = Command::new(env!("CARGO_BIN_EXE_oura-sync"))
        .env_clear()
        .envs(std::env::vars().filter(|(k, _)| k.starts_with("AWS_") || k == "PATH"))
        .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
        .args(["webhooks", "list"])
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(0), "{}", String::from_utf8_lossy(&listed.stderr));

    let watched = Watched::new();
    let mut f = Function::start(&settings, &watched);
    let answer = f.api.invoke(json!({}));
    let report = answer.report().clone();
    assert_eq!(report["status"], "success", "{report}");
    assert_eq!(report["webhooks"]["renewed"], 1, "{report}");
    assert_eq!(report["webhooks"]["warnings"], json!([]), "{report}");
    let fake = lake.oura.webhooks.lock().unwrap();
    assert_eq!(fake.count("PUT", "/renew/"), 1);
    assert_eq!(fake.by_key("update.daily_sleep").unwrap().expiration_time, later);
    drop(fake);
    let logs = f.logs();
    let text = format!("{report}\n{logs}");
    assert!(!text.contains(APP_SECRET) && !text.contains(WEBHOOK_TOKEN), "{text}");
}
