//! `oura-sync mcp`: open the configured lake for reading and serve it over the Model Context
//! Protocol on stdin/stdout (see [`crate::mcp`]).

use crate::config::{Config, McpConfig};
use crate::error::UserError;
use crate::mcp::Lake;

/// Runs `mcp` until the client closes the connection; returns the exit code.
pub async fn exec(config: &Config, mcp: &McpConfig) -> anyhow::Result<u8> {
    // A lake named but not there is a typo, found before any session (exit 2).
    super::require_named_lake(&mcp.lake.place)?;
    let aws = super::Aws::new(&config.aws);
    // A ledger table that cannot be described is a setup to fix before any session (exit 2).
    let (store, ledger) =
        super::backends(&mcp.lake, &aws).await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    let silver = super::readable_silver(mcp.silver.as_ref(), &aws).await;
    // Unset OURA_TIMEZONE: the lake's own zone, as a sync files its days.
    let timezone =
        crate::lake_identity::reading_zone(&ledger, &mcp.timezone, mcp.timezone_explicit).await;
    let lake = Lake {
        store,
        ledger,
        silver,
        timezone,
        destination: mcp.lake.place.destination().to_string(),
    };
    crate::mcp::serve(lake).await?;
    Ok(0)
}
