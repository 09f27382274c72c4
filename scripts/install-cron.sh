#!/bin/sh
# Installs (or replaces, or removes) the daily `oura-sync sync` line in the user's crontab.
#
#   scripts/install-cron.sh [--bin PATH] [--workdir DIR] [--time HH:MM] [--tz ZONE]
#                           [--log FILE] [--args "SYNC ARGS"] [--print] [--remove]
#
# Defaults: the `oura-sync` on PATH, the current directory (where .env.oura and the tokens
# file live), 09:00 in $CRON_TZ or America/New_York, output appended to oura-sync.log in the
# working directory. Running it again replaces its own block and nothing else (idempotent).
#
# Why an hourly line with a guard instead of `CRON_TZ=`: only some crons (cronie) honour
# CRON_TZ; Debian's and busybox's ignore it and would run at 09:00 in the machine's zone. The
# line fires at the chosen minute of every hour and goes on only when the hour in ZONE is the
# chosen one, which is right in every cron and across daylight-saving changes.
set -eu

MARK_BEGIN="# BEGIN oura-sync daily (managed by install-cron.sh)"
MARK_END="# END oura-sync daily"

bin=$(command -v oura-sync 2>/dev/null || true)
workdir=$(pwd)
time=09:00
zone=${CRON_TZ:-America/New_York}
log=
args=
action=install

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --time) time=$2; shift 2 ;;
    --tz) zone=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --args) args=$2; shift 2 ;;
    --print) action=print; shift ;;
    --remove) action=remove; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install-cron.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

[ -n "$log" ] || log="$workdir/oura-sync.log"

# Single quotes for the shell cron runs the line with; `%` is special in crontab lines.
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
cron_escape() { printf '%s' "$1" | sed 's/%/\\%/g'; }

current=$(crontab -l 2>/dev/null || true)
others=
[ -z "$current" ] || others=$(printf '%s\n' "$current" | sed "/^$MARK_BEGIN\$/,/^$MARK_END\$/d")

if [ "$action" = remove ]; then
  { [ -z "$others" ] || printf '%s\n' "$others"; } | crontab -
  echo "Removed the oura-sync line from the crontab."
  exit 0
fi

case $time in
  [0-2][0-9]:[0-5][0-9]) hour=${time%:*}; minute=${time#*:} ;;
  *) echo "install-cron.sh: --time must be HH:MM (24-hour), not $time" >&2; exit 2 ;;
esac
[ "$hour" -le 23 ] || { echo "install-cron.sh: --time hour must be 00-23" >&2; exit 2; }
if [ -z "$bin" ]; then
  echo "install-cron.sh: oura-sync is not on PATH; give its full path with --bin" >&2
  exit 2
fi
# glibc quietly takes an unknown TZ for UTC, so look the zone up in the zone database.
if [ -d /usr/share/zoneinfo ] && [ ! -f "/usr/share/zoneinfo/$zone" ]; then
  echo "install-cron.sh: unknown time zone $zone" >&2
  exit 2
fi

minute=$(printf '%d' "$((1$minute - 100))")
command="[ \"\$(TZ=$(quote "$zone") date +%H)\" = \"$hour\" ] && cd $(quote "$workdir") && $(quote "$bin") sync${args:+ $args} >> $(quote "$log") 2>&1"
block="$MARK_BEGIN
$minute * * * * $(cron_escape "$command")
$MARK_END"

if [ "$action" = print ]; then
  printf '%s\n' "$block"
  exit 0
fi

{ [ -z "$others" ] || printf '%s\n' "$others"; printf '%s\n' "$block"; } | crontab -
echo "Installed: oura-sync sync daily at $time $zone, in $workdir, logging to $log."
