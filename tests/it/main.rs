//! The integration tests: the `oura-sync` binary driven end to end against local servers
//! (the fake Oura API and OAuth server, recorders for the notification channels, and moto for
//! S3 and DynamoDB), the notification channels through the library, and the backend
//! conformance suites.

// The fake Oura API (also used by the benchmark).
mod fake_oura;
// The test environment and record builders.
mod common;
// Several accounts' syncs at once in one process, sharing one runtime (the library API).
mod accounts;
// `sync` against the fake: every type, the traps, retries, refusals, the lake and the ledger.
mod sync;
// Arguments and settings: bad input, precedence, exit codes, nothing written on error.
mod cli;
// The fake OAuth server: authorize, two token URLs, single-use rotating refresh tokens.
mod fake_oauth;
// `auth`, `refresh` and the refresh inside `sync`: logins, rotation, fallback, secrets.
mod auth;
// One token-store conformance suite, run on every backend of the login (the tokens file,
// Secrets Manager, DynamoDB).
mod token_store_conformance;
// The login in AWS: `tokens move`, every command with OURA_TOKEN_STORE, races, echoed secrets.
mod aws_login;
// Local HTTP servers that record every request and answer as each test says.
mod recorder;
// Each notification channel's exact request, through the library API.
mod notify_wire;
// Notifications, the ledger's notify_status and the sync lock, through the binary.
mod notify_e2e;
// The schedule scripts (cron, OpenClaw) against fake `crontab` and `openclaw` programs.
mod scripts;
// Backfills: pieces, resume after an interruption, pacing.
mod backfill;
// Holding up against the real API: scopes, quarantine, duplicates, recorded responses, the spec.
mod real_api;
// The emulator (moto) as the AWS tests see it: clients, fresh buckets and tables.
mod aws_env;
// One store conformance suite, run on the local lake and on S3, plus S3-only checks.
mod store_conformance;
// One ledger conformance suite, run on the local ledger and on DynamoDB, plus DynamoDB-only checks.
mod ledger_conformance;
// `sync` and `status` end to end into S3 and DynamoDB: the lake, the ledger, health checks, failures.
mod aws_sync;
// Dropping into bio-lakehouse's lake: its bucket, `bio_ingestion_log` tables, normalizer and trigger.
mod bio_lakehouse;
// The lake's recorded zone and layout, `migrate`, `repair`, one id one day at the window's edge.
mod lake_identity;
// The merge's properties over seeded random sequences of syncs, zones and moved records.
mod merge_property;
// The silver layer: typed Parquet from sync and `silver`, read by DuckDB, lossless, incremental.
mod silver;
// Silver checked against bronze every run: killed runs healed, damaged files rebuilt, exact numbers.
mod silver_heals;
// bio-lakehouse's bio_silver Oura tables against its normalizer, crawler and dbt models.
mod bio_silver;
// The Unix toolbox: completions, man, --version, colour under a pty, time zones, offline, proxies, schemas.
mod toolbox;
// `doctor`: a healthy setup, and one test per failing check.
mod doctor;
// Hostile servers, concurrent runs, a full disk, torn state (issue 13's findings).
mod hostile;
mod tls;
// Realistic Oura data for the health view, every value a function of its day.
mod health_seed;
// `dashboard` and the morning briefing: the page against the fake's data, errors, Chromium.
mod dashboard;
// The Athena DDL files, parsed by sqlglot.
mod athena;
// The README's shell blocks marked to be run, as the tests extract them.
mod readme;
// What a person sees at a terminal (a real pty through `script`): the bar, warnings, plain text.
mod terminal;
// The first half hour of a new user: the README's try, --dry-run, a lake that is not there.
mod first_half_hour;
// The IAM policy files, enforced by a private moto server.
mod iam;
// `oura-sync mcp` driven by the official MCP Python SDK: every tool against the fake's data.
mod mcp;
// Lambda mode: the binary driven through a stand-in for the Lambda Runtime API.
mod lambda;
// The webhook receiver: `serve` over real HTTP, signed deliveries applied to their days.
mod webhooks_receive;
// The daily poll as the webhooks' safety net: "deliveries have stopped" in sync, status, doctor.
mod webhooks_safety_net;
// `webhooks subscribe|list|renew|delete` and the daily renewal against the fake's subscription routes.
mod webhooks_subscriptions;
