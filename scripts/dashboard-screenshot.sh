#!/usr/bin/env bash
# Makes docs/dashboard.png, the README's picture of the dashboard, from the fake's data: the
# browser test renders 90 days synced from the fake Oura server and keeps the page in
# target/tmp/dashboard.html; headless Chromium (no network) photographs its top.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_PROFILE_DEV_DEBUG=0
# shellcheck source=../.ci/chromium.sh
source .ci/chromium.sh
cargo test --locked --test integration dashboard::the_page_renders_in_headless_chromium
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --host-resolver-rules='MAP * ~NOTFOUND' --hide-scrollbars --force-device-scale-factor=1 \
  --user-data-dir="$profile" --window-size="${WIDTH:-1280},${HEIGHT:-1960}" \
  --screenshot="$PWD/docs/dashboard.png" "file://$PWD/target/tmp/dashboard.html" 2>/dev/null
echo "Wrote docs/dashboard.png"
