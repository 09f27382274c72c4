//! The integration tests: the library and the `oura-sync` binary against local servers.

// Local HTTP servers that record every request and answer as each test says.
mod recorder;
// Each notification channel's exact request, through the library API.
mod notify_wire;
// Notifications, the ledger's notify_status and the sync lock, through the binary.
mod notify_e2e;
// The schedule scripts (cron, OpenClaw) against fake `crontab` and `openclaw` programs.
mod scripts;
