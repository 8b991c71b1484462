#!/usr/bin/env bash
# Side-by-side RTMP fan-out benchmark: this server (srs-rs) against nginx-rtmp.
#
# For each server: start it pinned to CPU $SERVER_CPU, publish one ~500 kbps
# H.264/AAC stream with srs-bench, then for each player count run srs-bench
# (pinned to CPU $BENCH_CPU) for $DURATION seconds with --server-pid, and collect
# delivered Mbps, Mbps per player, server CPU %, server RSS and first-frame p50.
#
# usage: tools/bench/compare.sh [--out FILE.md]
# env:   PLAYERS="500 1000 2000 3000"  DURATION=20  RAMP=500
#        SERVER_CPU=0  BENCH_CPU=1  NGINX_CHUNK_SIZE=60000  KEEP=1 (keep the work dir)
#
# Needs ffmpeg, nginx, the nginx rtmp module and jq; installs them with apt-get
# when missing (as root). Exits non-zero if any of them cannot be had.
set -euo pipefail

OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="${2:?--out needs a file}"; shift 2 ;;
        --out=*) OUT="${1#--out=}"; shift ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

PLAYERS="${PLAYERS:-500 1000 2000 3000}"
DURATION="${DURATION:-20}"
RAMP="${RAMP:-500}"
SERVER_CPU="${SERVER_CPU:-0}"
BENCH_CPU="${BENCH_CPU:-1}"
NGINX_CHUNK_SIZE="${NGINX_CHUNK_SIZE:-60000}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { echo "[compare] $*" >&2; }
die() { echo "[compare] ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- dependencies
APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "need root (or sudo) to install $*"
        sudo="sudo"
    fi
    if [ $APT_UPDATED = 0 ]; then
        log "apt-get update"
        $sudo apt-get update -qq || die "apt-get update failed"
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null \
        || die "apt-get install $* failed"
}

command -v ffmpeg >/dev/null || apt_install ffmpeg
command -v jq >/dev/null || apt_install jq
command -v taskset >/dev/null || apt_install util-linux
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || die "nginx is not installed and could not be installed"

find_rtmp_module() {
    local m=""
    if command -v dpkg >/dev/null && dpkg -s libnginx-mod-rtmp >/dev/null 2>&1; then
        m="$(dpkg -L libnginx-mod-rtmp | grep '/ngx_rtmp_module\.so$' | head -1 || true)"
    fi
    [ -n "$m" ] || m=/usr/lib/nginx/modules/ngx_rtmp_module.so
    [ -f "$m" ] && echo "$m"
}
RTMP_MODULE="$(find_rtmp_module || true)"
if [ -z "$RTMP_MODULE" ]; then
    apt_install libnginx-mod-rtmp
    RTMP_MODULE="$(find_rtmp_module || true)"
fi
[ -n "$RTMP_MODULE" ] || die "the nginx rtmp module (ngx_rtmp_module.so, Debian package libnginx-mod-rtmp) is missing"

NCPU="$(nproc)"
if [ "$NCPU" -lt 2 ]; then
    log "WARNING: only $NCPU CPU: server and bench share CPU 0, numbers are not comparable to a 2-CPU run"
    SERVER_CPU=0
    BENCH_CPU=0
fi

# ----------------------------------------------------------------------- build
log "cargo build --release -p srs-main -p srs-bench"
(cd "$ROOT" && cargo build --release -q -p srs-main -p srs-bench) || die "build failed"
SRS="$ROOT/target/release/srs"
BENCH="$ROOT/target/release/srs-bench"

WORK="$(mktemp -d /tmp/srs-compare.XXXXXX)"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    if [ "${KEEP:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ the stream
FLV="$ROOT/target/bench/stream-500k.flv"
if [ ! -s "$FLV" ]; then
    mkdir -p "$(dirname "$FLV")"
    log "making a 30 s 640x360 25 fps H.264 436k + AAC 64k FLV: $FLV"
    # Noise keeps the encoder at its rate cap; nal-hrd=cbr pads up to it.
    ffmpeg -hide_banner -loglevel error -y \
        -f lavfi -i "testsrc2=size=640x360:rate=25" \
        -f lavfi -i "sine=frequency=440:sample_rate=44100" \
        -t 30 -vf "noise=alls=12:allf=t" \
        -c:v libx264 -preset veryfast -pix_fmt yuv420p \
        -b:v 436k -maxrate 436k -bufsize 872k -g 50 -keyint_min 50 -sc_threshold 0 \
        -x264-params nal-hrd=cbr \
        -c:a aac -b:a 64k -ar 44100 -ac 2 \
        -f flv "$FLV.tmp" || die "ffmpeg could not make the FLV"
    mv "$FLV.tmp" "$FLV"
fi
FLV_BYTES="$(stat -c %s "$FLV")"
FLV_SECS="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$FLV")"
STREAM_KBPS="$(awk -v b="$FLV_BYTES" -v s="$FLV_SECS" 'BEGIN { printf "%.0f", b * 8 / s / 1000 }')"
log "stream: $FLV ($STREAM_KBPS kbps over ${FLV_SECS}s)"

# ------------------------------------------------------------------- helpers
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local p
    for _ in $(seq 200); do
        # Below the ephemeral range (32768+), so the bench's own sockets never take it.
        p=$((20000 + RANDOM % 10000))
        port_open "$p" || { echo "$p"; return 0; }
    done
    die "no free port found"
}
wait_port() {
    local i
    for i in $(seq 100); do
        port_open "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Runs the publisher and every player count against one server.
# $1 name, $2 port, $3 server pid
run_series() {
    local name="$1" port="$2" spid="$3"
    local url="rtmp://127.0.0.1:$port/live/livestream"
    log "$name: publisher -> $url"
    "$BENCH" --url "$url" --publish "$FLV" --publishers 1 --duration 100000 --cpu "$BENCH_CPU" \
        > "$WORK/$name-publisher.log" 2>&1 &
    local ppid=$!
    PIDS+=("$ppid")
    sleep 3 # the gop cache fills; the publisher is up
    kill -0 "$ppid" 2>/dev/null || die "$name: publisher exited: $(tail -5 "$WORK/$name-publisher.log")"
    grep -q "publishing 1" "$WORK/$name-publisher.log" \
        || die "$name: publisher not publishing: $(tail -5 "$WORK/$name-publisher.log")"
    local n
    for n in $PLAYERS; do
        log "$name: $n players for ${DURATION}s"
        "$BENCH" --url "$url" --players "$n" --duration "$DURATION" --ramp "$RAMP" \
            --server-pid "$spid" --cpu "$BENCH_CPU" --json \
            > "$WORK/$name-$n.json" 2> "$WORK/$name-$n.log" \
            || die "$name: srs-bench failed: $(tail -5 "$WORK/$name-$n.log")"
        kill -0 "$spid" 2>/dev/null || die "$name: the server died during the $n-player run"
        jq -c '{players_playing, players_failed, steady_mbps, player_mbps_avg,
                server_cpu_steady_percent, server_rss_max_mb, first_frame_p50_ms, errors}' \
            "$WORK/$name-$n.json" >&2
        sleep 2 # let the server close the old connections
    done
    kill "$ppid" 2>/dev/null || true
    wait "$ppid" 2>/dev/null || true
}

# -------------------------------------------------------------------- srs-rs
SRS_DIR="$WORK/srs"
mkdir -p "$SRS_DIR"
SRS_PORT="$(free_port)"
cat > "$SRS_DIR/srs.conf" <<EOF
listen              127.0.0.1:$SRS_PORT;
daemon              off;
max_connections     12000;
pid                 $SRS_DIR/srs.pid;
srs_log_tank        file;
srs_log_file        $SRS_DIR/srs.log;
vhost __defaultVhost__ { }
EOF
log "srs-rs: $SRS -c $SRS_DIR/srs.conf on CPU $SERVER_CPU, port $SRS_PORT"
taskset -c "$SERVER_CPU" "$SRS" -c "$SRS_DIR/srs.conf" > "$SRS_DIR/stdout.log" 2>&1 &
SRS_PID=$!
PIDS+=("$SRS_PID")
wait_port "$SRS_PORT" "$SRS_PID" || die "srs-rs did not start: $(tail -5 "$SRS_DIR/stdout.log" "$SRS_DIR/srs.log" 2>/dev/null)"
run_series srs "$SRS_PORT" "$SRS_PID"
kill "$SRS_PID"; wait "$SRS_PID" 2>/dev/null || true

# ---------------------------------------------------------------- nginx-rtmp
NGX_DIR="$WORK/nginx"
mkdir -p "$NGX_DIR/logs"
NGX_PORT="$(free_port)"
cat > "$NGX_DIR/nginx.conf" <<EOF
load_module $RTMP_MODULE;
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 40000;
pid $NGX_DIR/nginx.pid;
error_log $NGX_DIR/logs/error.log warn;
events { worker_connections 20000; }
rtmp {
    server {
        listen 127.0.0.1:$NGX_PORT;
        chunk_size $NGINX_CHUNK_SIZE;
        application live { live on; }
    }
}
EOF
"$NGINX" -t -p "$NGX_DIR" -c "$NGX_DIR/nginx.conf" -e "$NGX_DIR/logs/error.log" \
    > "$NGX_DIR/test.log" 2>&1 || die "nginx rejects the config: $(cat "$NGX_DIR/test.log")"
log "nginx-rtmp: $NGINX (module $RTMP_MODULE) on CPU $SERVER_CPU, port $NGX_PORT"
taskset -c "$SERVER_CPU" "$NGINX" -p "$NGX_DIR" -c "$NGX_DIR/nginx.conf" -e "$NGX_DIR/logs/error.log" \
    > "$NGX_DIR/stdout.log" 2>&1 &
NGX_PID=$!
PIDS+=("$NGX_PID")
wait_port "$NGX_PORT" "$NGX_PID" || die "nginx did not start: $(tail -5 "$NGX_DIR/logs/error.log" 2>/dev/null)"
run_series nginx "$NGX_PORT" "$NGX_PID"
kill "$NGX_PID"; wait "$NGX_PID" 2>/dev/null || true

# --------------------------------------------------------------------- table
# jq field, "-" when null / missing.
field() { jq -r "(.$2 // \"-\") | if type == \"number\" then (. * 100 | round / 100) else . end" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

TABLE="$WORK/table.md"
{
    echo "Stream: $STREAM_KBPS kbps H.264/AAC FLV (640x360 25 fps, -g 50), 1 publisher, ${DURATION}s per run, ramp $RAMP/s."
    echo "Servers pinned to CPU $SERVER_CPU, srs-bench to CPU $BENCH_CPU. $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)."
    echo "Mbps, CPU% and Mbps/player are over the settled window (every player playing or failed); RSS is the max seen."
    echo
    echo "| players | srs-rs Mbps | nginx Mbps | srs-rs Mbps/player | nginx Mbps/player | srs-rs CPU% | nginx CPU% | CPU ratio | srs-rs RSS MB | nginx RSS MB | first-frame p50 ms (srs-rs / nginx) | failed (srs-rs / nginx) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for n in $PLAYERS; do
        s="$WORK/srs-$n.json"; g="$WORK/nginx-$n.json"
        s_mbps="$(field "$s" steady_mbps)"; g_mbps="$(field "$g" steady_mbps)"
        s_pp="$(field "$s" player_mbps_avg)"; g_pp="$(field "$g" player_mbps_avg)"
        s_cpu="$(field "$s" server_cpu_steady_percent)"; g_cpu="$(field "$g" server_cpu_steady_percent)"
        s_rss="$(field "$s" server_rss_max_mb)"; g_rss="$(field "$g" server_rss_max_mb)"
        s_ff="$(field "$s" first_frame_p50_ms)"; g_ff="$(field "$g" first_frame_p50_ms)"
        s_fail="$(field "$s" players_failed)"; g_fail="$(field "$g" players_failed)"
        echo "| $n | $s_mbps | $g_mbps | $s_pp | $g_pp | $s_cpu | $g_cpu | $(ratio "$s_cpu" "$g_cpu") | $s_rss | $g_rss | $s_ff / $g_ff | $s_fail / $g_fail |"
    done
} > "$TABLE"

cat "$TABLE"
if [ -n "$OUT" ]; then
    cp "$TABLE" "$OUT"
    log "table written to $OUT"
fi
if [ "${KEEP:-0}" = 1 ]; then
    log "raw JSON and logs: $WORK"
fi
