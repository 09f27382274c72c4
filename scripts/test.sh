#!/usr/bin/env bash
# Runs every test of oura-sync: unit tests and the integration tests against local servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_PROFILE_DEV_DEBUG=0
cargo test --locked
