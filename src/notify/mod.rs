//! The message after every run (CONTRACT §7): the [`Notifier`] seam, its five channels (one
//! file each), and [`Notifiers`], which picks them from `OURA_NOTIFY`, decides from
//! `OURA_NOTIFY_ON` whether a run is worth a message, sends with a timeout and one retry, and
//! sums the outcome up as the ledger's `notify_status`.
//!
//! Vocabulary: a *channel* is a name in `OURA_NOTIFY` (`whatsapp`, `twilio`, `callmebot`,
//! `openclaw`, `webhook`); a *send* is one attempt on one channel; a *notification* is the
//! summary text plus the run report ([`Notification`]).
//!
//! A notification never changes a sync's outcome: a failed send is logged (WARN) with the
//! provider's code and cause, recorded in `notify_status`, and that is all. No cause ever holds
//! a token or key: providers scrub their secrets from every message they build.

pub mod callmebot;
pub mod error;
pub mod message;
pub mod openclaw;
pub mod twilio;
pub mod webhook;
pub mod whatsapp;

use std::fmt;
use std::time::Duration;

use tracing::{info, warn};

use crate::error::UserError;
use crate::report::{RunReport, RunStatus};
use crate::text::one_line;

pub use callmebot::CallMeBot;
pub use error::{ChannelFailure, SendError};
pub use message::Notification;
pub use openclaw::OpenClaw;
pub use twilio::Twilio;
pub use webhook::Webhook;
pub use whatsapp::WhatsAppCloud;

/// The channel names `OURA_NOTIFY` accepts.
pub const CHANNELS: [&str; 5] = ["whatsapp", "twilio", "callmebot", "openclaw", "webhook"];

/// How long one send may take before it counts as timed out (`OURA_NOTIFY_TIMEOUT` overrides).
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// How long to wait before the one retry when the provider did not say (`Retry-After`).
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(2);

/// Delivers a notification on one channel.
///
/// Contract for every channel:
/// - `send` makes exactly one attempt; retries and timeouts are the caller's
///   ([`Notifiers::notify`]), so a timed-out `send` is simply dropped, and must leave nothing
///   running (a child process is killed on drop).
/// - `Ok` means the provider accepted the message, not that it was delivered.
/// - No [`SendError`] holds a secret (token, auth token, API key, URL query).
#[allow(async_fn_in_trait)]
pub trait Notifier {
    /// The channel's name in `OURA_NOTIFY`.
    fn channel(&self) -> &'static str;

    /// Makes one attempt to deliver `note`.
    async fn send(&self, note: &Notification<'_>) -> Result<(), SendError>;
}

/// The channel chosen at run time.
#[derive(Clone, Debug)]
pub enum AnyNotifier {
    WhatsApp(WhatsAppCloud),
    Twilio(Twilio),
    CallMeBot(CallMeBot),
    OpenClaw(OpenClaw),
    Webhook(Webhook),
}

impl Notifier for AnyNotifier {
    fn channel(&self) -> &'static str {
        match self {
            AnyNotifier::WhatsApp(n) => n.channel(),
            AnyNotifier::Twilio(n) => n.channel(),
            AnyNotifier::CallMeBot(n) => n.channel(),
            AnyNotifier::OpenClaw(n) => n.channel(),
            AnyNotifier::Webhook(n) => n.channel(),
        }
    }

    async fn send(&self, note: &Notification<'_>) -> Result<(), SendError> {
        match self {
            AnyNotifier::WhatsApp(n) => n.send(note).await,
            AnyNotifier::Twilio(n) => n.send(note).await,
            AnyNotifier::CallMeBot(n) => n.send(note).await,
            AnyNotifier::OpenClaw(n) => n.send(note).await,
            AnyNotifier::Webhook(n) => n.send(note).await,
        }
    }
}

impl AnyNotifier {
    /// The channel named `name`, from its settings: a usage error that names every missing
    /// setting.
    fn new(name: &str, config: &NotifyConfig, http: &reqwest::Client) -> anyhow::Result<Self> {
        Ok(match name {
            "whatsapp" => AnyNotifier::WhatsApp(WhatsAppCloud::new(config, http.clone())?),
            "twilio" => AnyNotifier::Twilio(Twilio::new(config, http.clone())?),
            "callmebot" => AnyNotifier::CallMeBot(CallMeBot::new(config, http.clone())?),
            "openclaw" => AnyNotifier::OpenClaw(OpenClaw::new(config)?),
            "webhook" => AnyNotifier::Webhook(Webhook::new(config, http.clone())?),
            other => return Err(unknown_channel(other)),
        })
    }
}

/// The notification settings, typed: the channels of `OURA_NOTIFY`, when and how long to
/// send, the shared recipient `WHATSAPP_TO`, and one struct per channel. The configuration
/// fills it; [`Notifiers::new`] checks what each named channel needs.
#[derive(Clone, Debug)]
pub struct NotifyConfig {
    /// The channels, lower-case, each once, in `OURA_NOTIFY` order (see [`parse_channels`]).
    pub channels: Vec<&'static str>,
    pub on: NotifyOn,
    pub timeout: Duration,
    /// `WHATSAPP_TO` as written.
    pub to: Option<String>,
    pub whatsapp: whatsapp::WhatsAppConfig,
    pub twilio: twilio::TwilioConfig,
    pub callmebot: callmebot::CallMeBotConfig,
    pub openclaw: openclaw::OpenClawConfig,
    pub webhook: webhook::WebhookConfig,
}

impl Default for NotifyConfig {
    /// No channel at all.
    fn default() -> Self {
        Self {
            channels: Vec::new(),
            on: NotifyOn::Always,
            timeout: DEFAULT_SEND_TIMEOUT,
            to: None,
            whatsapp: Default::default(),
            twilio: Default::default(),
            callmebot: Default::default(),
            openclaw: Default::default(),
            webhook: Default::default(),
        }
    }
}

/// The channels of `OURA_NOTIFY` (comma-separated, any case, duplicates ignored), each checked
/// to be a known channel, so a typo is reported as such before any channel's settings.
pub fn parse_channels(text: &str) -> anyhow::Result<Vec<&'static str>> {
    let mut names: Vec<&'static str> = Vec::new();
    for name in text.split(',') {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let Some(known) = CHANNELS.iter().copied().find(|c| *c == name) else {
            return Err(unknown_channel(&name));
        };
        if !names.contains(&known) {
            names.push(known);
        }
    }
    Ok(names)
}

/// Which runs send a message (`OURA_NOTIFY_ON`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyOn {
    /// Every run.
    Always,
    /// Runs that did not succeed, and runs that need a new login.
    Failure,
}

impl NotifyOn {
    /// Parses `OURA_NOTIFY_ON` (`always` or `failure`).
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        match text.trim() {
            "always" => Ok(NotifyOn::Always),
            "failure" => Ok(NotifyOn::Failure),
            other => Err(UserError::usage(format!(
                "OURA_NOTIFY_ON `{other}` is neither `always` nor `failure`"
            ))),
        }
    }

    /// True if and only if `report` is worth a message.
    pub fn wants(self, report: &RunReport) -> bool {
        match self {
            NotifyOn::Always => true,
            NotifyOn::Failure => report.status != RunStatus::Success || report.login_needed,
        }
    }
}

/// What became of a run's notification: the ledger's `notify_status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotifyStatus {
    /// No channel is configured, or `--no-notify` was given.
    Disabled,
    /// `OURA_NOTIFY_ON=failure` and the run succeeded.
    NotNeeded,
    /// Every channel accepted the message.
    Sent,
    /// At least one channel failed (after its retry); `sent` lists those that did not.
    Failed { failures: Vec<ChannelFailure>, sent: Vec<&'static str> },
}

impl fmt::Display for NotifyStatus {
    /// `disabled`, `not_needed`, `sent`, or
    /// `failed: twilio: 21211 Invalid 'To' Phone Number (HTTP 400); sent: whatsapp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotifyStatus::Disabled => f.write_str("disabled"),
            NotifyStatus::NotNeeded => f.write_str("not_needed"),
            NotifyStatus::Sent => f.write_str("sent"),
            NotifyStatus::Failed { failures, sent } => {
                let causes: Vec<String> = failures.iter().map(ToString::to_string).collect();
                write!(f, "failed: {}", causes.join("; "))?;
                if !sent.is_empty() {
                    write!(f, "; sent: {}", sent.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// The channels of a run, and when and how they are used.
#[derive(Clone, Debug)]
pub struct Notifiers {
    channels: Vec<AnyNotifier>,
    on: NotifyOn,
    timeout: Duration,
    retry_delay: Duration,
}

impl Notifiers {
    /// No channel at all (`--no-notify`, or `OURA_NOTIFY` unset).
    pub fn disabled() -> Self {
        Self {
            channels: Vec::new(),
            on: NotifyOn::Always,
            timeout: DEFAULT_SEND_TIMEOUT,
            retry_delay: DEFAULT_RETRY_DELAY,
        }
    }

    /// The channels of `config`, each checked for its settings. Meant to run before any data
    /// moves: every problem is a usage error (exit 2) saying what to set.
    pub fn new(config: &NotifyConfig) -> anyhow::Result<Self> {
        let mut channels = Vec::new();
        if !config.channels.is_empty() {
            let http = crate::tls::client_builder()
                .user_agent(concat!("oura-sync/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| anyhow::anyhow!("cannot set up the HTTP client: {e}"))?;
            for name in &config.channels {
                channels.push(AnyNotifier::new(name, config, &http)?);
            }
        }
        Ok(Self {
            channels,
            on: config.on,
            timeout: config.timeout,
            retry_delay: DEFAULT_RETRY_DELAY,
        })
    }

    /// The same channels with another wait before a retry (tests shorten it).
    pub fn with_retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = delay;
        self
    }

    /// The same channels, sending whatever the outcome of the run (`doctor --send-test`).
    pub fn always(mut self) -> Self {
        self.on = NotifyOn::Always;
        self
    }

    /// The same channels with another send timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The configured channels' names, in `OURA_NOTIFY` order.
    pub fn channel_names(&self) -> Vec<&'static str> {
        self.channels.iter().map(Notifier::channel).collect()
    }

    /// Sends `text` (the summary of `report`) on every channel at once, if `OURA_NOTIFY_ON`
    /// wants this run, and says what became of it. Never fails: a failed send is logged and
    /// reported in the returned status only.
    pub async fn notify(&self, report: &RunReport, text: &str) -> NotifyStatus {
        if self.channels.is_empty() {
            return NotifyStatus::Disabled;
        }
        if !self.on.wants(report) {
            info!(
                status = report.status.as_str(),
                "Run succeeded; OURA_NOTIFY_ON=failure sends nothing."
            );
            return NotifyStatus::NotNeeded;
        }
        let note = Notification { text, report };
        let results = futures_util::future::join_all(
            self.channels.iter().map(|channel| self.send_one(channel, &note)),
        )
        .await;
        let mut failures = Vec::new();
        let mut sent = Vec::new();
        for (channel, result) in self.channels.iter().zip(results) {
            match result {
                Ok(()) => sent.push(channel.channel()),
                Err(error) => failures.push(ChannelFailure { channel: channel.channel(), error }),
            }
        }
        if failures.is_empty() {
            NotifyStatus::Sent
        } else {
            NotifyStatus::Failed { failures, sent }
        }
    }

    /// One channel: an attempt under the timeout, and one retry when [`error::retry_after`]
    /// says it may help.
    async fn send_one(
        &self,
        channel: &AnyNotifier,
        note: &Notification<'_>,
    ) -> Result<(), SendError> {
        let name = channel.channel();
        let mut result = self.attempt(channel, note).await;
        if let Err(err) = &result
            && let Some(delay) = error::retry_after(err, self.retry_delay)
        {
            info!(channel = name, error = %err, delay_ms = delay.as_millis() as u64, "Notification attempt failed; retrying once.");
            tokio::time::sleep(delay).await;
            result = self.attempt(channel, note).await;
        }
        match &result {
            Ok(()) => info!(channel = name, "Notification sent."),
            Err(err) => warn!(
                channel = name,
                error = %one_line(&err.to_string(), 300),
                "Notification failed; the sync's outcome is unchanged."
            ),
        }
        result
    }

    async fn attempt(
        &self,
        channel: &AnyNotifier,
        note: &Notification<'_>,
    ) -> Result<(), SendError> {
        match tokio::time::timeout(self.timeout, channel.send(note)).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Timeout(self.timeout)),
        }
    }
}

fn unknown_channel(name: &str) -> anyhow::Error {
    UserError::usage(format!(
        "OURA_NOTIFY: unknown channel `{name}`; use any of {}, separated by commas",
        CHANNELS.join(", ")
    ))
}

/// The usage error naming every setting of `settings` (name, whether it is set) that
/// `channel` needs and lacks.
fn missing(channel: &str, settings: &[(&str, bool)]) -> anyhow::Error {
    let absent: Vec<&str> =
        settings.iter().filter(|(_, set)| !set).map(|(name, _)| *name).collect();
    match absent.as_slice() {
        [one] => UserError::usage(format!(
            "OURA_NOTIFY includes `{channel}` but {one} is not set; set it in the environment \
             or the env file, or remove `{channel}` from OURA_NOTIFY"
        )),
        many => UserError::usage(format!(
            "OURA_NOTIFY includes `{channel}` but {} are not set; set them in the environment \
             or the env file, or remove `{channel}` from OURA_NOTIFY",
            many.join(", ")
        )),
    }
}

/// `WHATSAPP_TO` as E.164 (`+` and 7 to 15 digits; spaces, dashes and dots are dropped).
fn recipient(to: Option<&str>) -> anyhow::Result<String> {
    let text = to.unwrap_or_default();
    let digits: String =
        text.trim().trim_start_matches('+').chars().filter(|c| !" -.()".contains(*c)).collect();
    let valid = (7..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if valid {
        Ok(format!("+{digits}"))
    } else {
        Err(UserError::usage(format!(
            "WHATSAPP_TO `{text}` is not a phone number in E.164 form; write it as +15551234567"
        )))
    }
}

/// The `*_BASE` setting `name` (value `text`) without a trailing slash, checked to be an
/// http(s) URL.
fn base_url(name: &str, text: &str, default: &str) -> anyhow::Result<String> {
    let text = text.trim().trim_end_matches('/').to_string();
    match reqwest::Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(text),
        _ => Err(UserError::usage(format!(
            "{name} `{text}` is not an http(s) URL; write it as {default}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_normalised_to_e164() {
        assert_eq!(recipient(Some("+49 170-123.4567")).unwrap(), "+491701234567");
        assert!(recipient(Some("+0123456789")).is_err());
        assert!(recipient(Some("+12")).is_err());
    }

    #[test]
    fn the_status_reads_as_the_ledger_keeps_it() {
        assert_eq!(NotifyStatus::Disabled.to_string(), "disabled");
        assert_eq!(NotifyStatus::NotNeeded.to_string(), "not_needed");
        assert_eq!(NotifyStatus::Sent.to_string(), "sent");
        let failed = NotifyStatus::Failed {
            failures: vec![ChannelFailure {
                channel: "twilio",
                error: SendError::Http {
                    status: 400,
                    code: Some("21211".into()),
                    detail: "Invalid 'To' Phone Number".into(),
                    retry_after: None,
                },
            }],
            sent: vec!["whatsapp"],
        };
        assert_eq!(
            failed.to_string(),
            "failed: twilio: 21211 Invalid 'To' Phone Number (HTTP 400); sent: whatsapp"
        );
    }
}
