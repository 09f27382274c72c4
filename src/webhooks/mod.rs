//! Oura webhooks: which data types have them and what Oura calls each ([`data_type`]), the
//! settings they take ([`settings`]), and the subscriptions: Oura's management routes
//! ([`client`]).
//!
//! Reference: `reference/oura-api.md` §5 and the OpenAPI export's
//! `/v2/webhook/subscription` routes.

pub mod client;
pub mod data_type;
pub mod settings;

pub use settings::{WebhookApp, WebhookSettings};
