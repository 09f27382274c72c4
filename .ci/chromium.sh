# Sourced by scripts/test.sh: headless Chromium for the dashboard's browser test. Uses
# $CHROMIUM, else a Chromium on PATH, else installs Debian's `chromium` with apt-get (as root,
# as CI runs; once per machine), and exports CHROMIUM for the tests.
if [ -z "${CHROMIUM:-}" ]; then
  CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
fi
if [ -z "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium with apt-get for the dashboard's browser test (once)..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      chromium fonts-dejavu-core fonts-liberation >&2
    CHROMIUM="$(command -v chromium)"
  else
    echo "error: the dashboard's browser test needs headless Chromium: install Debian's" \
      "\`chromium\` (apt-get install chromium) or set CHROMIUM to a Chromium binary" >&2
    exit 1
  fi
fi
export CHROMIUM
