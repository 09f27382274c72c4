//! Oura webhooks: what keeps the lake fresh within minutes of the phone syncing, with the
//! daily poll as the safety net.
//!
//! Which data types have them and what Oura calls each ([`data_type`]), the settings they
//! take ([`settings`]), Oura's subscription management routes ([`client`]), the operations
//! of `webhooks subscribe|list|renew|delete` ([`subscriptions`]) and their answer
//! ([`answer`]), the renewal a sync does by itself ([`renewal`]), what `status` and `doctor`
//! show ([`overview`], [`health`]: the last deliveries and the safety net, [`poll`]), and the
//! records the ledger keeps ([`state`]). The receiver of Oura's calls ([`receiver`], checking
//! [`signature`]s), the deliveries gathered ([`queue`]), applied to the lake ([`apply`]) or
//! remembered as pending ([`pending`]).
//!
//! Reference: `reference/oura-api.md` §5 and the OpenAPI export's
//! `/v2/webhook/subscription` routes.

pub mod answer;
pub mod apply;
pub mod client;
pub mod data_type;
pub mod health;
pub mod overview;
pub mod pending;
pub mod poll;
pub mod queue;
pub mod receiver;
pub mod renewal;
pub mod settings;
pub mod signature;
pub mod state;
pub mod subscriptions;

pub use settings::{WebhookApp, WebhookSettings};
