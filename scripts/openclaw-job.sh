#!/bin/sh
# Creates the daily OpenClaw job that runs `oura-sync sync` and announces its stdout (the
# summary) to WhatsApp. Prints the command unless --run is given.
#
#   scripts/openclaw-job.sh [--bin PATH] [--workdir DIR] [--cron "0 9 * * *"] [--tz ZONE]
#                           [--to +15551234567] [--legacy] [--run]
#
# Current OpenClaw releases: `openclaw automations create … --command-argv …` runs the
# binary directly (no model, no shell); the gateway announces stdout to the chat, and a
# non-zero exit (1: a type failed, 3: login needed) marks the run failed and raises its
# failure alert. The job passes --no-notify because the announcement *is* the message.
# --legacy prints the older `openclaw cron add` form, where an agent turn runs the tool and
# relays its stdout.
#
# Defaults: the `oura-sync` on PATH, the current directory, 09:00 America/New_York (or
# $CRON_TZ), WHATSAPP_TO from the environment or ./.env.oura, OPENCLAW_BIN or `openclaw`.
set -eu

bin=$(command -v oura-sync 2>/dev/null || true)
workdir=$(pwd)
cron="0 9 * * *"
zone=${CRON_TZ:-America/New_York}
to=${WHATSAPP_TO:-}
openclaw=${OPENCLAW_BIN:-openclaw}
legacy=no
run=no

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --cron) cron=$2; shift 2 ;;
    --tz) zone=$2; shift 2 ;;
    --to) to=$2; shift 2 ;;
    --legacy) legacy=yes; shift ;;
    --run) run=yes; shift ;;
    -h|--help) usage 0 ;;
    *) echo "openclaw-job.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

if [ -z "$to" ] && [ -f "$workdir/.env.oura" ]; then
  to=$(sed -n 's/^[[:space:]]*WHATSAPP_TO[[:space:]]*=[[:space:]]*//p' "$workdir/.env.oura" \
    | tail -n 1 | tr -d "\"' \r")
fi
[ -n "$to" ] || { echo "openclaw-job.sh: give the recipient with --to or WHATSAPP_TO" >&2; exit 2; }
[ -n "$bin" ] || { echo "openclaw-job.sh: oura-sync is not on PATH; use --bin" >&2; exit 2; }

# A JSON string (for --command-argv).
json() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

if [ "$legacy" = yes ]; then
  set -- "$openclaw" cron add --name "oura-sync daily" --cron "$cron" --tz "$zone" \
    --session isolated \
    --message "Run \`cd '$workdir' && '$bin' sync --no-notify\` with exec and reply with its stdout verbatim, nothing else." \
    --announce --channel whatsapp --to "$to"
else
  set -- "$openclaw" automations create "$cron" --name "oura-sync daily" --tz "$zone" \
    --command-argv "[$(json "$bin"),\"sync\",\"--no-notify\"]" \
    --command-cwd "$workdir" --timeout-seconds 1800 \
    --announce --channel whatsapp --to "$to"
fi

if [ "$run" = yes ]; then
  exec "$@"
fi
# Print the command, each argument quoted for a POSIX shell.
for arg in "$@"; do
  printf "'%s' " "$(printf '%s' "$arg" | sed "s/'/'\\\\''/g")"
done
printf '\n'
