//! The `webhook` channel: the run report as JSON to any URL (n8n, Home Assistant, an OpenClaw
//! `/hooks/…` mapping, a Lambda).
//!
//! `POST {NOTIFY_WEBHOOK_URL}` with `Content-Type: application/json` and, when
//! `NOTIFY_WEBHOOK_TOKEN` is set, `Authorization: Bearer {token}`. The body is the run report
//! of CONTRACT §5 (the same object `sync --json` prints) with one more field, `summary`: the
//! text the other channels send. Any 2xx answer counts as delivered.

use serde::Serialize;

use super::error::{SendError, clean, retry_after_header, transport};
use super::{Notification, Notifier, NotifyConfig, missing};
use crate::error::UserError;
use crate::report::RunReport;
use crate::secret::Secret;

/// The `NOTIFY_WEBHOOK_*` settings of the channel.
#[derive(Clone, Debug, Default)]
pub struct WebhookConfig {
    /// Kept secret: the URL may carry a key of its own.
    pub url: Option<Secret>,
    pub token: Option<Secret>,
}

/// Posts the run report.
#[derive(Clone, Debug)]
pub struct Webhook {
    http: reqwest::Client,
    url: reqwest::Url,
    token: Option<Secret>,
}

/// The body posted: the report's fields, then `summary`.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(flatten)]
    report: &'a RunReport,
    summary: &'a str,
}

impl Webhook {
    /// The channel from `NOTIFY_WEBHOOK_URL` and `NOTIFY_WEBHOOK_TOKEN`.
    pub fn new(config: &NotifyConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        let Some(text) = &config.webhook.url else {
            return Err(missing("webhook", &[("NOTIFY_WEBHOOK_URL", false)]));
        };
        // The URL may carry a secret of its own (Slack- and Discord-style hooks), so it is
        // not quoted back.
        let url = reqwest::Url::parse(text.expose())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                UserError::usage(
                    "NOTIFY_WEBHOOK_URL is not an http(s) URL; write it as https://host/path",
                )
            })?;
        Ok(Self { http, url, token: config.webhook.token.clone() })
    }

    /// The JSON body for `note`.
    pub fn body(note: &Notification<'_>) -> serde_json::Result<String> {
        serde_json::to_string(&Body { report: note.report, summary: note.text })
    }

    /// Values that must not appear in an error: the token, and the URL's query and password.
    fn secrets(&self) -> Vec<Secret> {
        let mut secrets: Vec<Secret> = self.token.iter().cloned().collect();
        secrets.extend(self.url.query().map(Secret::new));
        secrets.extend(self.url.password().map(Secret::new));
        secrets
    }
}

impl Notifier for Webhook {
    fn channel(&self) -> &'static str {
        "webhook"
    }

    async fn send(&self, note: &Notification<'_>) -> Result<(), SendError> {
        let owned = self.secrets();
        let secrets: Vec<&Secret> = owned.iter().collect();
        let body = Self::body(note).map_err(|e| SendError::Transport(e.to_string()))?;
        let mut request = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        let response = request.send().await.map_err(|e| transport(e, &secrets))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = retry_after_header(response.headers());
        let text = crate::http_body::read_provider_text(response).await.unwrap_or_default();
        Err(SendError::Http {
            status: status.as_u16(),
            code: None,
            detail: clean(&text, &secrets),
            retry_after,
        })
    }
}
