//! `oura-sync mcp`: the lake served to an assistant over the Model Context Protocol on
//! stdin/stdout, with the official Rust SDK (`rmcp`).
//!
//! Five read-only tools ([`tools::TOOLS`]) answer from the configured lake (local or S3, any
//! layout) through the health view's reader, silver where it is current: the lake's status,
//! a daily summary, a comparison of two periods, raw records, and the morning briefing. The
//! server never calls Oura and needs no login; stdout carries the protocol only (logs go to
//! stderr).
//!
//! - [`args`]: the tools' argument schemas and checks (pure).
//! - [`metrics`]: the summary's metrics, units and period statistics (pure).
//! - [`status`]: `lake_status` from the ledger's entries (pure).
//! - [`lake`]: the reads; [`tools`]: each tool; [`server`]: the protocol.

pub mod args;
pub mod lake;
pub mod metrics;
pub mod server;
pub mod status;
pub mod tools;

pub use lake::Lake;
pub use server::serve;
