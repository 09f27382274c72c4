//! The notification settings as `sync` resolves them, through the checks each channel makes
//! in `notify/`: what is missing or malformed is a usage error naming the setting.

use crate::config::{EnvSnapshot, notify_config};
use crate::error::{EXIT_USAGE, exit_code};
use crate::notify::Notifiers;

/// The notifiers the configuration builds from `pairs` (as env file lines).
fn notifiers(pairs: &[(&str, &str)]) -> anyhow::Result<Notifiers> {
    let env = EnvSnapshot::from_pairs(&[], pairs);
    Notifiers::new(&notify_config(&env)?)
}

fn usage_error(pairs: &[(&str, &str)]) -> String {
    let err = notifiers(pairs).unwrap_err();
    assert_eq!(exit_code(&err), EXIT_USAGE, "{err}");
    err.to_string()
}

#[test]
fn no_channel_means_disabled() {
    let n = notifiers(&[]).unwrap();
    assert!(n.channel_names().is_empty());
}

#[test]
fn an_unknown_channel_is_a_usage_error() {
    let msg = usage_error(&[("OURA_NOTIFY", "whatsapp,telegram")]);
    assert!(msg.contains("unknown channel `telegram`"), "{msg}");
}

#[test]
fn a_missing_setting_is_named() {
    let msg = usage_error(&[("OURA_NOTIFY", "twilio"), ("TWILIO_ACCOUNT_SID", "AC1")]);
    assert!(
        msg.contains("TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM, WHATSAPP_TO are not set"),
        "{msg}"
    );
    let msg = usage_error(&[("OURA_NOTIFY", "callmebot"), ("WHATSAPP_TO", "+15551234567")]);
    assert!(msg.contains("CALLMEBOT_APIKEY is not set"), "{msg}");
    let msg = usage_error(&[("OURA_NOTIFY", "webhook")]);
    assert!(msg.contains("NOTIFY_WEBHOOK_URL is not set"), "{msg}");
}

#[test]
fn bad_values_are_usage_errors() {
    let msg = usage_error(&[
        ("OURA_NOTIFY", "callmebot"),
        ("WHATSAPP_TO", "555-CALL-ME"),
        ("CALLMEBOT_APIKEY", "1"),
    ]);
    assert!(msg.contains("E.164"), "{msg}");
    let msg = usage_error(&[("OURA_NOTIFY_ON", "sometimes")]);
    assert!(msg.contains("`always` nor `failure`"), "{msg}");
    let msg = usage_error(&[("OURA_NOTIFY_TIMEOUT", "0")]);
    assert!(msg.contains("OURA_NOTIFY_TIMEOUT"), "{msg}");
    let msg =
        usage_error(&[("OURA_NOTIFY", "webhook"), ("NOTIFY_WEBHOOK_URL", "ftp://x/?key=s3cret")]);
    assert!(!msg.contains("s3cret"), "{msg}");
    let msg = usage_error(&[
        ("OURA_NOTIFY", "openclaw"),
        ("WHATSAPP_TO", "+15551234567"),
        ("OPENCLAW_BIN", "/nonexistent/openclaw"),
    ]);
    assert!(msg.contains("OPENCLAW_BIN"), "{msg}");
}

#[test]
fn channels_are_listed_once_in_order() {
    let n = notifiers(&[
        ("OURA_NOTIFY", " Webhook, callmebot ,webhook,"),
        ("NOTIFY_WEBHOOK_URL", "http://127.0.0.1:9/hook"),
        ("CALLMEBOT_APIKEY", "1"),
        ("WHATSAPP_TO", "+1 555 123 4567"),
    ])
    .unwrap();
    assert_eq!(n.channel_names(), ["webhook", "callmebot"]);
}
