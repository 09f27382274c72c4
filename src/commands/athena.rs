//! `oura-sync athena`: prints the Athena statements for the configured lake on stdout, one
//! after another, each ending in `;` ([`crate::ops::athena`]); what it leaves out, and why, is
//! a warning on stderr.

use crate::config::AthenaConfig;

/// Runs `athena` and returns the exit code.
pub fn exec(athena: &AthenaConfig) -> anyhow::Result<u8> {
    let out =
        crate::ops::athena::statements(&athena.lake, athena.silver.as_ref(), &athena.database)?;
    for reason in &out.left_out {
        tracing::warn!("Left out: {reason}.");
    }
    crate::stdout::print(&out.statements.join("\n"))?;
    Ok(0)
}
