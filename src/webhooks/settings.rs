//! What the webhooks take from the settings, resolved once by [`crate::config`] and handed
//! down by the commands: the Oura app's credentials, which manage subscriptions (and key the
//! deliveries' signatures), and the verification token Oura echoes to the callback.

use crate::secret::Secret;

/// The Oura app, as webhook management authenticates it (`x-client-id`/`x-client-secret`:
/// `OURA_CLIENT_ID`/`OURA_CLIENT_SECRET`, not a user's token).
#[derive(Clone, Debug)]
pub struct WebhookApp {
    pub client_id: String,
    pub client_secret: Secret,
}

/// Webhooks fully configured: the app and `OURA_WEBHOOK_TOKEN`.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// `OURA_WEBHOOK_TOKEN`: sent when subscribing, echoed by Oura when it checks the callback.
    pub verification_token: Secret,
    pub app: WebhookApp,
}
