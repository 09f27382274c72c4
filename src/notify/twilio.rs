//! The `twilio` channel: Twilio Programmable Messaging with a WhatsApp sender.
//!
//! `POST {TWILIO_API_BASE}/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json`, HTTP basic
//! auth (account SID, auth token), a form with `From` and `To` as `whatsapp:+…` and either
//! `Body` (the summary) or, when `TWILIO_CONTENT_SID` is set, `ContentSid` plus
//! `ContentVariables` (`{"1": status line, "2": the rest}`; needed outside the 24-hour
//! window). Twilio answers 201 when it queued the message.

use serde_json::Value;

use super::error::{SendError, clean, retry_after_header, transport};
use super::{Notification, Notifier, NotifyConfig, missing, recipient};
use crate::secret::Secret;

/// Default `TWILIO_API_BASE`.
pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

/// The `TWILIO_*` settings of the channel.
#[derive(Clone, Debug, Default)]
pub struct TwilioConfig {
    pub account_sid: Option<String>,
    pub auth_token: Option<Secret>,
    pub whatsapp_from: Option<String>,
    pub content_sid: Option<String>,
    pub api_base: String,
}

/// Sends through Twilio.
#[derive(Clone, Debug)]
pub struct Twilio {
    http: reqwest::Client,
    /// The full `…/Messages.json` URL.
    url: String,
    account_sid: String,
    auth_token: Secret,
    from: String,
    to: String,
    content_sid: Option<String>,
}

impl Twilio {
    /// The channel from its settings and `WHATSAPP_TO`; the error lists every missing one.
    pub fn new(config: &NotifyConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        let c = &config.twilio;
        let (Some(account_sid), Some(auth_token), Some(from), Some(_)) =
            (&c.account_sid, &c.auth_token, &c.whatsapp_from, &config.to)
        else {
            return Err(missing(
                "twilio",
                &[
                    ("TWILIO_ACCOUNT_SID", c.account_sid.is_some()),
                    ("TWILIO_AUTH_TOKEN", c.auth_token.is_some()),
                    ("TWILIO_WHATSAPP_FROM", c.whatsapp_from.is_some()),
                    ("WHATSAPP_TO", config.to.is_some()),
                ],
            ));
        };
        let base = super::base_url("TWILIO_API_BASE", &c.api_base, DEFAULT_API_BASE)?;
        Ok(Self {
            http,
            url: format!("{base}/2010-04-01/Accounts/{account_sid}/Messages.json"),
            account_sid: account_sid.clone(),
            auth_token: auth_token.clone(),
            from: whatsapp_address(from),
            to: whatsapp_address(&recipient(config.to.as_deref())?),
            content_sid: c.content_sid.clone(),
        })
    }

    /// The form fields for `note`, in the order sent.
    pub fn form(&self, note: &Notification<'_>) -> Vec<(&'static str, String)> {
        let mut form = vec![("From", self.from.clone()), ("To", self.to.clone())];
        match &self.content_sid {
            None => form.push(("Body", note.text.to_string())),
            Some(sid) => {
                let [head, rest] = note.template_params();
                let variables = serde_json::json!({"1": head, "2": rest});
                form.push(("ContentSid", sid.clone()));
                form.push(("ContentVariables", variables.to_string()));
            }
        }
        form
    }
}

/// `whatsapp:+15551234567` from `+15551234567` (a value that already has the prefix is kept).
fn whatsapp_address(number: &str) -> String {
    let number = number.trim();
    if number.starts_with("whatsapp:") { number.to_string() } else { format!("whatsapp:{number}") }
}

impl Notifier for Twilio {
    fn channel(&self) -> &'static str {
        "twilio"
    }

    async fn send(&self, note: &Notification<'_>) -> Result<(), SendError> {
        let secrets = [&self.auth_token];
        let response = self
            .http
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .form(&self.form(note))
            .send()
            .await
            .map_err(|e| transport(e, &secrets))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = retry_after_header(response.headers());
        let text = crate::http_body::read_provider_text(response).await.unwrap_or_default();
        // Shape: {"code": 21211, "message": "...", "more_info": "...", "status": 400}
        let (code, detail) = match serde_json::from_str::<Value>(&text) {
            Ok(v) => (
                v["code"].as_u64().map(|c| c.to_string()),
                v["message"].as_str().unwrap_or(&text).to_string(),
            ),
            Err(_) => (None, text),
        };
        Err(SendError::Http {
            status: status.as_u16(),
            code,
            detail: clean(&detail, &secrets),
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_get_the_whatsapp_prefix_once() {
        assert_eq!(whatsapp_address("+14155238886"), "whatsapp:+14155238886");
        assert_eq!(whatsapp_address("whatsapp:+14155238886"), "whatsapp:+14155238886");
    }
}
