#!/usr/bin/env bash
# The one test command: starts the S3/DynamoDB emulator (moto, installed on first use into
# target/aws-emu), runs every test of oura-sync against it (unit tests, and the integration
# tests against the fake Oura server and moto), and stops the emulator again.
# Extra arguments go to `cargo test` (for example a test-name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_PROFILE_DEV_DEBUG=0
# shellcheck source=../.ci/aws-emulator.sh
source .ci/aws-emulator.sh
cargo test --locked "$@"
