//! Oura webhooks: what keeps the lake fresh within minutes of the phone syncing, with the
//! daily poll as the safety net.

pub mod health;
pub mod poll;
pub mod state;
