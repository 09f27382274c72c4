#!/bin/sh
# Installs the systemd user unit and timer that run `oura-sync sync` daily, with ExecStart
# pointing at the oura-sync binary wherever it is installed.
#
#   scripts/install-systemd.sh [--bin PATH] [--workdir DIR] [--time HH:MM] [--tz ZONE] [--enable]
#
# Defaults: the `oura-sync` on PATH (`cargo install --path .` puts it in ~/.cargo/bin), the
# current directory (where .env.oura and the tokens file live), 09:00 America/New_York (as
# install-cron.sh; the timer follows the zone's daylight saving). Writes oura-sync.service and
# oura-sync.timer into ${XDG_CONFIG_HOME:-~/.config}/systemd/user/ (replacing earlier copies);
# with --enable also runs `systemctl --user daemon-reload` and enables the timer.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=$(command -v oura-sync 2>/dev/null || true)
workdir=$(pwd)
time=09:00
zone=America/New_York
enable=

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --time) time=$2; shift 2 ;;
    --tz) zone=$2; shift 2 ;;
    --enable) enable=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install-systemd.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

case $time in
  [0-2][0-9]:[0-5][0-9]) [ "${time%:*}" -le 23 ] || { echo "install-systemd.sh: --time hour must be 00-23" >&2; exit 2; } ;;
  *) echo "install-systemd.sh: --time must be HH:MM (24-hour), not $time" >&2; exit 2 ;;
esac
# systemd refuses a timer with an unknown zone only when it loads it: check it here.
if [ -d /usr/share/zoneinfo ] && [ ! -f "/usr/share/zoneinfo/$zone" ]; then
  echo "install-systemd.sh: unknown time zone $zone" >&2
  exit 2
fi
[ -n "$bin" ] || { echo "install-systemd.sh: oura-sync is not on PATH; install it with \`cargo install --path .\` or give its full path with --bin" >&2; exit 2; }
[ -x "$bin" ] || { echo "install-systemd.sh: $bin is not an executable file" >&2; exit 2; }
case $bin in /*) ;; *) bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") ;; esac
case $workdir in /*) ;; *) workdir=$(cd "$workdir" && pwd) ;; esac

unit_dir="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
mkdir -p "$unit_dir"
# systemd takes a path with spaces when the whole word is double-quoted.
sed -e "s|^WorkingDirectory=.*|WorkingDirectory=$workdir|" \
  -e "s|^ExecStart=[^ ]*oura-sync sync|ExecStart=\"$bin\" sync|" \
  "$here/systemd/oura-sync.service" >"$unit_dir/oura-sync.service"
sed -e "s|^OnCalendar=.*|OnCalendar=*-*-* $time:00 $zone|" \
  "$here/systemd/oura-sync.timer" >"$unit_dir/oura-sync.timer"
echo "Installed $unit_dir/oura-sync.service (ExecStart \"$bin\" sync, in $workdir) and oura-sync.timer (daily at $time $zone)."

if [ -n "$enable" ]; then
  systemctl --user daemon-reload
  systemctl --user enable --now oura-sync.timer
  echo "Enabled oura-sync.timer; run \`loginctl enable-linger $USER\` to run while logged out."
else
  echo "Enable it with: systemctl --user daemon-reload && systemctl --user enable --now oura-sync.timer"
fi
