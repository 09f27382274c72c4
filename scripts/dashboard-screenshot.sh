#!/usr/bin/env bash
# Makes the README's pictures of the dashboard from the fake's data: the browser test syncs
# 400 days of realistic data from the fake Oura server and keeps a 90-day and a 365-day page
# in target/tmp/; headless Chromium (no network) photographs the top of each at phone width
# (390 px) and at desktop width (1400 px) into docs/dashboard-{90,365}-{phone,desktop}.png.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_PROFILE_DEV_DEBUG=0
# shellcheck source=../.ci/chromium.sh
source .ci/chromium.sh
cargo test --locked --test integration dashboard::the_page_fits_a_phone_and_a_desktop
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
shot() { # page, width, height, picture
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules='MAP * ~NOTFOUND' --hide-scrollbars --force-device-scale-factor=1 \
    --user-data-dir="$profile" --window-size="$2,$3" \
    --screenshot="$PWD/docs/$4" "file://$PWD/target/tmp/$1" 2>/dev/null
  echo "Wrote docs/$4"
}
# The 90-day pages from the top (the verdict, the tiles, last night, the first charts); the
# year taller, to reach its weekly charts.
shot dashboard-90.html 390 2300 dashboard-90-phone.png
shot dashboard-90.html 1400 1700 dashboard-90-desktop.png
shot dashboard-365.html 390 3400 dashboard-365-phone.png
shot dashboard-365.html 1400 2500 dashboard-365-desktop.png
