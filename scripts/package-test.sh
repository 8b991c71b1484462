#!/usr/bin/env bash
# Builds the Debian package and tests it as an operator would: install it,
# start the server through the init script, check status, publish and play,
# reload, stop, remove. Needs root (dpkg); installs cargo-deb when missing.
# Part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "package-test: needs root (dpkg -i)" >&2; exit 1; }
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked -q
command -v start-stop-daemon >/dev/null || { echo "package-test: start-stop-daemon missing" >&2; exit 1; }
log() { echo "[package-test] $*"; }
fail() { echo "[package-test] FAIL: $*" >&2; exit 1; }

if /etc/init.d/srs status >/dev/null 2>&1; then
    fail "an srs service is already running on this machine"
fi
for port in 1935 8080 1985; do
    if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
        fail "port $port is busy: the packaged config needs 1935, 8080 and 1985"
    fi
done

log "building the .deb"
# The test suite has just built the dev profile: packaging that build tests the same layout,
# scripts and unit in seconds (operators build with plain `cargo deb -p srs-main`: release).
deb=$(cargo deb -p srs-main --profile "${PACKAGE_PROFILE:-dev}" -q 2>/dev/null | tail -1)
[ -f "$deb" ] || fail "cargo deb made no package"
log "package: $deb"

if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify packaging/systemd/srs.service 2>&1 | grep -v "Failed to open /usr/bin/srs" \
        | grep -iE "error|invalid|unknown" && fail "systemd-analyze verify"
    log "systemd-analyze verify: ok"
else
    log "systemd-analyze not on this machine: the unit is checked by its keys only"
    grep -q '^ExecStart=/usr/bin/srs -c /etc/srs/srs.conf$' packaging/systemd/srs.service
fi

cleanup() {
    /etc/init.d/srs stop >/dev/null 2>&1 || true
    dpkg --purge srs-rs >/dev/null 2>&1 || true
}
trap cleanup EXIT

dpkg -i "$deb" >/dev/null || fail "dpkg -i"
[ -x /usr/bin/srs ] && [ -f /etc/srs/srs.conf ] && [ -x /etc/init.d/srs ] \
    && [ -f /lib/systemd/system/srs.service ] || fail "installed files"
getent passwd srs >/dev/null || fail "user srs"
/usr/bin/srs -t -c /etc/srs/srs.conf >/dev/null || fail "srs -t on the installed config"

/etc/init.d/srs start || fail "start"
/etc/init.d/srs status || fail "status after start"
pid=$(cat /run/srs/srs.pid)
[ "$(stat -c %U /proc/$pid)" = srs ] || fail "the server runs as user srs"

log "publish and play"
timeout 20 ffmpeg -v error -re -f lavfi -i testsrc=size=320x240:rate=25:duration=4 \
    -f lavfi -i sine=duration=4 -c:v libx264 -g 25 -c:a aac -f flv rtmp://127.0.0.1/live/pkg &
sleep 2
codecs=$(timeout 10 ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
    http://127.0.0.1:8080/live/pkg.flv | sort | tr '\n' ' ')
wait
[ "$codecs" = "aac h264 " ] || fail "HTTP-FLV from the packaged server: '$codecs'"
curl -sf http://127.0.0.1:1985/api/v1/versions >/dev/null || fail "API"

/etc/init.d/srs reload || fail "reload"
for _ in $(seq 1 30); do grep -q "reload done" /var/log/srs/srs.log && break; sleep 0.1; done
grep -q "reload done" /var/log/srs/srs.log || fail "the log shows the reload"
[ "$(cat /run/srs/srs.pid)" = "$pid" ] || fail "reload keeps the process"

/etc/init.d/srs restart || fail "restart"
/etc/init.d/srs status >/dev/null || fail "status after restart"
/etc/init.d/srs stop || fail "stop"
if /etc/init.d/srs status >/dev/null; then fail "status after stop"; fi

dpkg --purge srs-rs >/dev/null || fail "dpkg --purge"
[ ! -e /usr/bin/srs ] || fail "removed"
trap - EXIT
log "ok: built, installed, started, played, reloaded, restarted, stopped, removed"
