//! Oura webhooks: what keeps the lake fresh within minutes of the phone syncing, with the
//! daily poll as the safety net.
//!
//! Which data types have them and what Oura calls each ([`data_type`]), the settings they
//! take ([`settings`]), Oura's subscription management routes ([`client`]), and the records
//! the ledger keeps of them ([`state`]). The receiver of Oura's calls ([`receiver`], checking
//! [`signature`]s), the deliveries gathered ([`queue`]), applied to the lake ([`apply`]) or
//! remembered as pending ([`pending`]).
//!
//! Reference: `reference/oura-api.md` §5 and the OpenAPI export's
//! `/v2/webhook/subscription` routes.

pub mod apply;
pub mod client;
pub mod data_type;
pub mod health;
pub mod pending;
pub mod poll;
pub mod queue;
pub mod receiver;
pub mod settings;
pub mod signature;
pub mod state;

pub use settings::{WebhookApp, WebhookSettings};
