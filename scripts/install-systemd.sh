#!/bin/sh
# Installs the systemd user unit and timer that run `oura-sync sync` daily, with ExecStart
# pointing at the oura-sync binary wherever it is installed.
#
#   scripts/install-systemd.sh [--bin PATH] [--workdir DIR] [--enable]
#
# Defaults: the `oura-sync` on PATH (`cargo install --path .` puts it in ~/.cargo/bin), the
# current directory (where .env.oura and the tokens file live). Writes oura-sync.service and
# oura-sync.timer into ${XDG_CONFIG_HOME:-~/.config}/systemd/user/ (replacing earlier copies);
# with --enable also runs `systemctl --user daemon-reload` and enables the timer.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=$(command -v oura-sync 2>/dev/null || true)
workdir=$(pwd)
enable=

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --enable) enable=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install-systemd.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

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
cp "$here/systemd/oura-sync.timer" "$unit_dir/oura-sync.timer"
echo "Installed $unit_dir/oura-sync.service (ExecStart \"$bin\" sync, in $workdir) and oura-sync.timer."

if [ -n "$enable" ]; then
  systemctl --user daemon-reload
  systemctl --user enable --now oura-sync.timer
  echo "Enabled oura-sync.timer; run \`loginctl enable-linger $USER\` to run while logged out."
else
  echo "Enable it with: systemctl --user daemon-reload && systemctl --user enable --now oura-sync.timer"
fi
