#!/usr/bin/env bash
# The web console's real-browser test (docs/console.md): installs what is missing
# (Debian's chromium, playwright-core from npm; no browser download), builds srs,
# runs it on a copy of conf/srs.conf with free ports substituted (nothing else
# changed), publishes with ffmpeg, starts an RTMP player to kick, and runs
# console.mjs in headless chromium. Exits non-zero on any failed check.
#
#   tests/browser/run.sh [SCREENSHOT]      # default target/console.png
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
shot=${1:-$root/target/console.png}
case "$shot" in /*) ;; *) shot=$root/$shot ;; esac
mkdir -p "$(dirname "$shot")"

say() { echo "[browser-test] $*"; }
die() { echo "[browser-test] FAILED: $*" >&2; exit 1; }

# --- what the test needs -------------------------------------------------------
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v chromium >/dev/null 2>&1; then
    say "installing Debian's chromium"
    $SUDO apt-get update -qq || die "apt-get update failed: chromium cannot be installed"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
        || die "cannot install chromium (apt-get install chromium)"
fi
command -v ffmpeg >/dev/null 2>&1 || die "ffmpeg is missing (scripts/test.sh installs it)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "installing nodejs and npm"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null \
        || die "cannot install nodejs/npm"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "node $(node --version) is too old: playwright-core needs node >= 20"
if [ ! -d tests/browser/node_modules/playwright-core ]; then
    say "npm ci (playwright-core, pinned in tests/browser/package-lock.json)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
fi
cargo build -q -p srs-main || die "cargo build -p srs-main failed"
srs=${CARGO_TARGET_DIR:-$root/target}/debug/srs

# --- the server on a copy of conf/srs.conf ------------------------------------
work=$(mktemp -d /tmp/srs-browser-test.XXXXXX)
pids=()
cleanup() {
    status=$?
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$status" -ne 0 ]; then
        for f in "$work"/*.log; do
            [ -s "$f" ] || continue
            echo "---- last lines of $(basename "$f")"; tail -n 25 "$f"
        done
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RTMP=$(free_port); HTTP=$(free_port); API=$(free_port); AUTH_HTTP=$(free_port); AUTH_API=$(free_port)
# Only the three listen ports change; paths stay relative to the working directory ($work).
sed -e "s/^\(listen *\)1935;/\1$RTMP;/" \
    -e "s/^\( *listen *\)8080;/\1$HTTP;/" \
    -e "s/^\( *listen *\)1985;/\1$API;/" conf/srs.conf > "$work/srs.conf"
for p in "$RTMP" "$HTTP" "$API"; do grep -q "listen *$p;" "$work/srs.conf" || die "port substitution failed"; done
diff <(sed -E 's/listen +[0-9]+;/listen X;/' conf/srs.conf) <(sed -E 's/listen +[0-9]+;/listen X;/' "$work/srs.conf") >/dev/null \
    || die "the test's config differs from conf/srs.conf beyond the ports"
mkdir -p "$work/objs/nginx/html"

# A second server for the login path: the same config plus http_api { auth },
# on other ports, RTMP on a port of its own too.
AUTH_RTMP=$(free_port)
mkdir -p "$work/auth/objs/nginx/html"
sed -e "s/^\(listen *\)1935;/\1$AUTH_RTMP;/" \
    -e "s/^\( *listen *\)8080;/\1$AUTH_HTTP;/" \
    -e "s/^\( *listen *\)1985;/\1$AUTH_API;\n    auth { enabled on; username admin; password s3cret; }/" \
    conf/srs.conf > "$work/auth/srs.conf"

(cd "$work" && exec "$srs" -c srs.conf >"$work/srs.log" 2>&1) & pids+=($!)
(cd "$work/auth" && exec "$srs" -c srs.conf >"$work/srs-auth.log" 2>&1) & pids+=($!)
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$API/api/v1/versions" >/dev/null \
        && curl -s -o /dev/null "http://127.0.0.1:$AUTH_API/api/v1/versions" && break
    sleep 0.1
done
curl -fs "http://127.0.0.1:$API/api/v1/versions" >/dev/null || die "srs did not start"
say "srs on RTMP $RTMP, HTTP $HTTP, API $API (conf/srs.conf, ports substituted)"

# --- publisher, a player to kick, the browser ---------------------------------
url=rtmp://127.0.0.1:$RTMP/live/livestream
ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=640x360:rate=25 -f lavfi -i sine \
    -c:v libx264 -preset ultrafast -tune zerolatency -g 25 -pix_fmt yuv420p -c:a aac \
    -f flv "$url" </dev/null >"$work/publish.log" 2>&1 & pids+=($!)
say "publishing $url"
ffmpeg -hide_banner -loglevel error -i "$url" -f null - </dev/null >"$work/player.log" 2>&1 & pids+=($!)

# The hard limit of the browser part (the whole run stays under 3 minutes).
CONSOLE_URL=http://127.0.0.1:$HTTP/ API_URL=http://127.0.0.1:$API SHOT=$shot \
    AUTH_URL=http://127.0.0.1:$AUTH_HTTP/console/ \
    timeout 150 node tests/browser/console.mjs || die "console.mjs (status $?)"
