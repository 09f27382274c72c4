//! Oura webhooks: which data types have them and what Oura calls each
//! ([`data_type`]); the receiver of Oura's calls ([`receiver`], checking [`signature`]s), the
//! deliveries gathered ([`queue`]), applied to the lake ([`apply`]) or remembered as pending
//! in the ledger ([`pending`], in the record shapes of [`state`]).
//!
//! Reference: `reference/oura-api.md` §5 and the OpenAPI export's
//! `/v2/webhook/subscription` routes.

pub mod apply;
pub mod data_type;
pub mod pending;
pub mod queue;
pub mod receiver;
pub mod signature;
pub mod state;
