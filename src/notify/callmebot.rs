//! The `callmebot` channel: CallMeBot's free WhatsApp API, for messages to one's own number.
//!
//! `GET {CALLMEBOT_API_BASE}/whatsapp.php?phone={WHATSAPP_TO}&text={summary}&apikey={key}`,
//! every value URL-encoded. CallMeBot answers 200 with "Message queued…" when it took the
//! message, but may answer 200 with an HTML error page too, so only an answer that says
//! "queued" counts as sent.
//!
//! The API key travels in the URL. reqwest puts the URL in its error messages, so transport
//! errors are described without it, and every cause is scrubbed of the key before it is
//! logged or recorded.

use super::error::{SendError, clean, retry_after_header, transport};
use super::{Notification, Notifier, NotifyConfig, missing, recipient};
use crate::secret::Secret;

/// Default `CALLMEBOT_API_BASE`.
pub const DEFAULT_API_BASE: &str = "https://api.callmebot.com";

/// The `CALLMEBOT_*` settings of the channel.
#[derive(Clone, Debug, Default)]
pub struct CallMeBotConfig {
    pub api_key: Option<Secret>,
    pub api_base: String,
}

/// Sends through CallMeBot.
#[derive(Clone, Debug)]
pub struct CallMeBot {
    http: reqwest::Client,
    /// The full `…/whatsapp.php` URL, without a query.
    url: String,
    phone: String,
    api_key: Secret,
}

impl CallMeBot {
    /// The channel from its settings and `WHATSAPP_TO`; the error lists every missing one.
    pub fn new(config: &NotifyConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        let c = &config.callmebot;
        let (Some(api_key), Some(_)) = (&c.api_key, &config.to) else {
            return Err(missing(
                "callmebot",
                &[("CALLMEBOT_APIKEY", c.api_key.is_some()), ("WHATSAPP_TO", config.to.is_some())],
            ));
        };
        let base = super::base_url("CALLMEBOT_API_BASE", &c.api_base, DEFAULT_API_BASE)?;
        Ok(Self {
            http,
            url: format!("{base}/whatsapp.php"),
            phone: recipient(config.to.as_deref())?,
            api_key: api_key.clone(),
        })
    }
}

/// True if and only if CallMeBot's answer says it queued the message.
fn says_queued(body: &str) -> bool {
    let body = body.to_ascii_lowercase();
    body.contains("queued") && !body.contains("not queued")
}

impl Notifier for CallMeBot {
    fn channel(&self) -> &'static str {
        "callmebot"
    }

    async fn send(&self, note: &Notification<'_>) -> Result<(), SendError> {
        let secrets = [&self.api_key];
        let query = [
            ("phone", self.phone.as_str()),
            ("text", note.text),
            ("apikey", self.api_key.expose()),
        ];
        let response = self
            .http
            .get(&self.url)
            .query(&query)
            .send()
            .await
            .map_err(|e| transport(e, &secrets))?;
        let status = response.status();
        let retry_after = retry_after_header(response.headers());
        let text = crate::http_body::read_provider_text(response)
            .await
            .map_err(|e| transport(e, &secrets))?;
        if !status.is_success() {
            return Err(SendError::Http {
                status: status.as_u16(),
                code: None,
                detail: clean(&text, &secrets),
                retry_after,
            });
        }
        if says_queued(&text) {
            Ok(())
        } else {
            Err(SendError::Refused(format!(
                "the answer does not say the message was queued: {}",
                clean(&text, &secrets)
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_queued_answer_counts() {
        assert!(says_queued("Message queued. You will receive it in a few seconds."));
        assert!(!says_queued("<html>APIKey is invalid. Message not queued</html>"));
        assert!(!says_queued("<p>You need to get the apikey from the Bot</p>"));
    }
}
