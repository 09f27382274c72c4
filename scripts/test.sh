#!/usr/bin/env bash
# The one test command: starts the S3/DynamoDB emulator (moto, installed on first use into
# target/aws-emu) and a second S3 implementation (s3s-fs, built on first use into
# target/test-tools), installs headless Chromium when missing (the dashboard's browser test),
# runs every test of oura-sync (unit tests, and the integration tests against the fake Oura
# server, moto, s3s-fs and Chromium), and stops the servers again.
# Extra arguments go to `cargo test` (for example a test-name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_PROFILE_DEV_DEBUG=0
# shellcheck source=../.ci/aws-emulator.sh
source .ci/aws-emulator.sh
# shellcheck source=../.ci/chromium.sh
source .ci/chromium.sh
# shellcheck source=../.ci/s3-compat.sh
source .ci/s3-compat.sh
cargo test --locked "$@"
