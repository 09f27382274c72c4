//! Oura webhooks: which data types have them and what Oura calls each
//! ([`data_type`]).
//!
//! Reference: `reference/oura-api.md` §5 and the OpenAPI export's
//! `/v2/webhook/subscription` routes.

pub mod data_type;
