//! `oura-sync doctor`: every check of [`crate::doctor`] on the resolved configuration, printed
//! one line per check (or as JSON); exit 0 only when all pass. Nothing is synced or written:
//! the token is not refreshed, the lake and ledger are only read, and a message goes out only
//! with `--send-test`.

use jiff::Timestamp;

use crate::auth::TokenStore;
use crate::config::{Config, DoctorConfig, LakePlace};
use crate::datatype::{DataType, RangeKind};
use crate::doctor::{AppStep, Check, DoctorReport, LoginRead, ask_oura, check_login, judge_oura};
use crate::error::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, exit_code};
use crate::ledger::Ledger;
use crate::notify::{Notifiers, NotifyStatus};
use crate::report::{RunHead, RunReport};
use crate::store::ObjectStore;
use crate::store::byte_store::Encryption;
use crate::webhooks::health::Health;
use crate::webhooks::poll::Records;

/// The text of the test message.
const TEST_MESSAGE: &str =
    "🧪 oura-sync doctor: a test message. The summary of every sync will arrive here.";

/// Runs every check and returns the exit code.
pub async fn exec(config: &Config, doctor: &DoctorConfig) -> anyhow::Result<u8> {
    let now = Timestamp::now();
    let today = now.to_zoned_datetime(doctor.timezone.clone()).date();
    // Every invalid setting first, each its own line; the other checks still run.
    let mut checks: Vec<Check> = doctor
        .problems
        .iter()
        .map(|problem| Check::fail("settings", problem, "fix that setting and run again"))
        .collect();
    let app = AppStep::new(config.oauth.client_id.is_some(), config.oauth.client_secret.is_some());

    // Read only: the doctor never refreshes (a refresh would write the login).
    let aws = super::Aws::new(&config.aws);
    let read = match super::token_store(config, &aws).await {
        Ok(store) => LoginRead {
            store: store.describe(),
            setting: store.setting(),
            found: store.load().await,
            exposure: store.exposure().await,
        },
        // An AWS store whose clients cannot be built (no region, no credentials).
        Err(e) => LoginRead {
            store: config.token_store.to_string(),
            setting: "OURA_TOKEN_STORE",
            found: Err(crate::auth::TokenStoreError::Io(e)),
            exposure: None,
        },
    };
    let login = check_login(read, config.access_token.as_ref(), &doctor.types, &app, now);
    checks.push(login.check);
    let host = url::Url::parse(&doctor.api_base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| doctor.api_base.clone());
    match &login.bearer {
        Some(bearer) => {
            let http = crate::tls::client_builder()
                .user_agent(concat!("oura-sync/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(std::time::Duration::from_secs(10))
                .build()?;
            let answer =
                ask_oura(&http, &doctor.api_base, bearer, probe_type(&doctor.types), today).await;
            let (api, clock) = judge_oura(&host, &answer, Timestamp::now(), &login.when_refused);
            checks.extend([api, clock]);
        }
        None => checks.push(Check::fail(
            "oura api",
            format!("not asked ({host}): no usable login"),
            "fix the login first",
        )),
    }

    checks.push(destination(config, doctor).await);
    checks.extend(webhooks(config, doctor, now).await);
    checks.extend(webhook_deliveries(config, doctor, now).await);
    checks.push(Check::pass(
        "time zone",
        match &doctor.timezone_name {
            Some(name) => format!("{name}: today is {today} there"),
            None => format!(
                "the system's ({}): today is {today}; set OURA_TIMEZONE to pin it",
                doctor.timezone.iana_name().unwrap_or("unnamed")
            ),
        },
    ));
    checks.extend(notification(doctor, today).await);

    let report = DoctorReport::new(config.provenance().to_vec(), checks);
    print(&report, doctor.json)?;
    Ok(match () {
        () if !doctor.problems.is_empty() => EXIT_USAGE,
        () if report.ok => EXIT_OK,
        () => EXIT_FAILED,
    })
}

/// The report for a configuration that did not resolve: one failed check, exit 2.
pub fn unresolved(err: &anyhow::Error, json: bool) -> anyhow::Result<u8> {
    let check = Check::fail("settings", format!("{err:#}"), "fix that setting and run again");
    print(&DoctorReport::new(Vec::new(), vec![check]), json)?;
    Ok(match exit_code(err) {
        EXIT_FAILED => EXIT_FAILED,
        _ => EXIT_USAGE,
    })
}

/// The type asked for one day of data: a date collection the sync fetches (small), else the
/// first type.
fn probe_type(types: &[DataType]) -> DataType {
    types.iter().copied().find(|t| t.range() == RangeKind::Date).unwrap_or(types[0])
}

/// The lake and its ledger: a local directory or a reachable bucket that takes a probe
/// object (written and removed: a read-only mount, a full disk or a policy without
/// `PutObject` fails here with its cause); the ledger readable (a DynamoDB table with the
/// right keys).
async fn destination(config: &Config, doctor: &DoctorConfig) -> Check {
    const NAME: &str = "destination";
    let Some(lake) = &doctor.lake else {
        return Check::fail(
            NAME,
            "not checked: the lake's settings are invalid (above)",
            "fix those settings first",
        );
    };
    let aws = crate::commands::Aws::new(&config.aws);
    let (store, ledger) = match crate::commands::backends(lake, &aws).await {
        Ok(backends) => backends,
        Err(e) => return Check::fail(NAME, format!("{e:#}"), "fix the AWS settings above"),
    };
    if let Err(e) = store.check().await {
        return Check::fail(NAME, format!("{e:#}"), "fix OURA_DESTINATION or the store");
    }
    if let Err(e) = ledger.check().await {
        return Check::fail(NAME, format!("{e:#}"), "fix OURA_DYNAMODB_TABLE or the ledger");
    }
    if let Err(e) = store.probe_write(&uuid::Uuid::new_v4().simple().to_string()).await {
        return Check::fail(
            NAME,
            format!("{} does not take writes: {e:#}", store.describe()),
            "make it writable (a read-only mount? a full disk? the IAM policy's s3:PutObject \
             and s3:DeleteObject?), or choose another OURA_DESTINATION (--dest)",
        );
    }
    let encryption = match &lake.place {
        LakePlace::S3 { encryption: Encryption::Aes256, .. } => ", puts with SSE AES256".into(),
        LakePlace::S3 { encryption: Encryption::Kms { key_id }, .. } => {
            format!(", puts with SSE aws:kms ({})", key_id.as_deref().unwrap_or("aws/s3 key"))
        }
        LakePlace::Local { .. } => String::new(),
    };
    Check::pass(
        NAME,
        format!(
            "{} takes writes (a probe object written and removed){encryption}, ledger {}",
            store.describe(),
            ledger.describe()
        ),
    )
}

/// The webhook subscriptions the ledger records: each live for more than a day (renewals
/// falling behind show here first). No check when none is recorded (webhooks not in use) or
/// the lake cannot be opened (the destination check says why).
async fn webhooks(config: &Config, doctor: &DoctorConfig, now: Timestamp) -> Option<Check> {
    const NAME: &str = "webhooks";
    let lake = doctor.lake.as_ref()?;
    let aws = crate::commands::Aws::new(&config.aws);
    let (_, ledger) = crate::commands::backends(lake, &aws).await.ok()?;
    match crate::webhooks::overview::read(&ledger, now).await {
        Ok(None) => None,
        Ok(Some(overview)) if overview.warnings.is_empty() => {
            let count: usize = overview.types.values().map(|t| t.events().len()).sum();
            let first = overview.types.values().filter_map(|t| t.first_expiry()).min();
            Some(Check::pass(
                NAME,
                format!(
                    "{count} subscriptions recorded for {} types{}",
                    overview.types.len(),
                    first
                        .map(|at| format!(
                            ", the first {}",
                            crate::webhooks::answer::expiry_phrase(at, now)
                        ))
                        .unwrap_or_default()
                ),
            ))
        }
        Ok(Some(overview)) => Some(Check::fail(
            NAME,
            overview.warnings.join("; "),
            "then `oura-sync webhooks list` shows them live",
        )),
        Err(e) => Some(Check::fail(
            NAME,
            format!("cannot read the recorded subscriptions: {e:#}"),
            "run `oura-sync webhooks list` to record them again",
        )),
    }
}

/// The webhook deliveries' checks ([`Health::checks`]) from the lake's records, when it has
/// subscriptions; nothing when it has none or cannot be read (the destination check says why).
async fn webhook_deliveries(config: &Config, doctor: &DoctorConfig, now: Timestamp) -> Vec<Check> {
    let Some(lake) = &doctor.lake else { return Vec::new() };
    let aws = crate::commands::Aws::new(&config.aws);
    let Ok((_, ledger)) = crate::commands::backends(lake, &aws).await else { return Vec::new() };
    match Records::read(&ledger).await {
        Ok(records) => Health::of(&records, now).map(|h| h.checks(now)).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// One check per channel of `OURA_NOTIFY`: its settings complete, and with `--send-test` a
/// test message accepted.
async fn notification(doctor: &DoctorConfig, today: jiff::civil::Date) -> Vec<Check> {
    const NAME: &str = "notify";
    let Some(notify) = &doctor.notify else {
        return vec![Check::fail(
            NAME,
            "not checked: the notification settings are invalid (above)",
            "fix those settings first",
        )];
    };
    let notifiers = match Notifiers::new(notify) {
        Ok(notifiers) => notifiers.always(),
        Err(e) => return vec![Check::fail(NAME, format!("{e:#}"), "set what it names")],
    };
    let names = notifiers.channel_names();
    if names.is_empty() {
        return vec![Check::pass(NAME, "no channel (OURA_NOTIFY is unset)")];
    }
    if !doctor.send_test {
        return names
            .iter()
            .map(|name| {
                Check::pass(
                    format!("{NAME} {name}"),
                    "settings complete (--send-test sends a test message)",
                )
            })
            .collect();
    }
    let status = notifiers.notify(&test_report(today), TEST_MESSAGE).await;
    names
        .iter()
        .map(|name| {
            let label = format!("{NAME} {name}");
            match &status {
                NotifyStatus::Failed { failures, .. } => {
                    match failures.iter().find(|f| f.channel == *name) {
                        Some(failure) => Check::fail(
                            label,
                            format!("the test message failed: {}", failure.error),
                            "check this channel's settings (README, Notifications)",
                        ),
                        None => Check::pass(label, "test message sent"),
                    }
                }
                _ => Check::pass(label, "test message sent"),
            }
        })
        .collect()
}

/// The report a webhook receives with the test message: a successful run of no type.
fn test_report(today: jiff::civil::Date) -> RunReport {
    let now = Timestamp::now();
    let head = RunHead {
        run_id: format!("doctor-{}", uuid::Uuid::new_v4()),
        window: crate::window::Window::new(today, today),
        destination: String::new(),
        dry_run: true,
        sandbox: false,
        started_at: now,
        finished_at: now,
    };
    RunReport::new(head, Default::default())
}

fn print(report: &DoctorReport, json: bool) -> anyhow::Result<()> {
    crate::stdout::print_with(|out| {
        if json {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        } else {
            write!(out, "{}", report.render())?;
        }
        Ok(())
    })
}
