#!/usr/bin/env bash
# Soak test (not in CI): the release server runs for SOAK_MINUTES (default 60)
# with HLS and DVR on, 10 publishers (srs-bench, looping a 500 kbps FLV),
# 400 steady players, 100 more players that join and leave every minute, and
# hostile clients (tools/soak/hostile.py) mixed in. Every minute it records
# the server's RSS, open fds, CPU and the churning players' lowest bitrate.
#
# Pass (tools/soak/evaluate.py, which can re-read a kept run): RSS and fds
# stay flat after the warm-up (the first WARMUP minutes, default 10): the
# highest RSS later is at most 10 % above the highest of the warm-up's second
# half, and the median of the open fds later at most 20 above the warm-up's
# (hostile clients hold up to 100 sockets for 20 s now and then: single samples
# jump); every steady player and every churning player of a round that ended
# while the publishers were still on received >= 95 % of the stream's
# bitrate; the server is alive at the end.
#
# usage: tools/soak/soak.sh [--out FILE.md]     env: SOAK_MINUTES=60 WARMUP=10 KEEP=1
set -euo pipefail

OUT=""
case "${1:-}" in
    --out) OUT="${2:?--out needs a file}" ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
esac

MINUTES="${SOAK_MINUTES:-60}"
WARMUP="${WARMUP:-10}"
[ "$WARMUP" -lt "$MINUTES" ] || WARMUP=$((MINUTES / 3))
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d /tmp/srs-soak.XXXXXX)"
log() { echo "[soak] $*" >&2; }
die() { echo "[soak] FAIL: $*" >&2; exit 1; }

command -v ffmpeg >/dev/null || die "ffmpeg is needed (apt-get install ffmpeg)"
command -v python3 >/dev/null || die "python3 is needed"

log "building (release)"
(cd "$ROOT" && cargo build --release -q -p srs-main -p srs-bench)
SRS="$ROOT/target/release/srs"
BENCH="$ROOT/target/release/srs-bench"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RTMP=$(free_port); HTTP=$(free_port); API=$(free_port)

log "fixture: 30 s of 640x360 H.264 ~450 kbps + AAC"
ffmpeg -v error -y -f lavfi -i testsrc=size=640x360:rate=25:duration=30 \
    -f lavfi -i sine=frequency=440:duration=30 \
    -c:v libx264 -preset veryfast -b:v 420k -maxrate 450k -bufsize 900k -g 50 \
    -c:a aac -b:a 64k -f flv "$WORK/stream.flv"
STREAM_KBPS=$(( $(stat -c %s "$WORK/stream.flv") * 8 / 30 / 1000 ))
log "stream bitrate ${STREAM_KBPS} kbps"

cat > "$WORK/soak.conf" <<EOF
listen 127.0.0.1:$RTMP;
daemon off;
srs_log_tank file;
srs_log_file $WORK/srs.log;
srs_log_level warn;
pid $WORK/srs.pid;
http_api { enabled on; listen 127.0.0.1:$API; }
http_server { enabled on; listen 127.0.0.1:$HTTP; dir $WORK/html; }
vhost __defaultVhost__ {
    hls { enabled on; hls_path $WORK/html; hls_fragment 2; hls_window 10; }
    dvr { enabled on; dvr_path $WORK/dvr; dvr_plan segment; dvr_duration 60; dvr_wait_keyframe on; }
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
}
EOF

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "${KEEP:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

"$SRS" -c "$WORK/soak.conf" &
SRS_PID=$!
PIDS+=("$SRS_PID")
sleep 1
kill -0 "$SRS_PID" || die "server did not start"

SECS=$((MINUTES * 60))
log "steady: 10 publishers, 400 players for $MINUTES min"
"$BENCH" --url "rtmp://127.0.0.1:$RTMP/live/soak" --publish "$WORK/stream.flv" \
    --publishers 10 --streams 10 --players 400 --ramp 100 --duration "$SECS" \
    --timeout 20 --json > "$WORK/steady.json" 2> "$WORK/steady.log" &
PIDS+=($!)
sleep 10

(
    round=0
    while true; do
        round=$((round + 1))
        "$BENCH" --url "rtmp://127.0.0.1:$RTMP/live/soak" --streams 10 --players 100 \
            --ramp 50 --duration 55 --timeout 20 --json \
            > "$WORK/churn-$round.json" 2>/dev/null || true
    done
) &
PIDS+=($!)

python3 "$ROOT/tools/soak/hostile.py" "$RTMP" "$HTTP" "$API" > "$WORK/hostile.log" 2>&1 &
PIDS+=($!)

ticks() { awk '{print $14 + $15}' "/proc/$SRS_PID/stat"; }
HZ=$(getconf CLK_TCK)
printf "minute\trss_mb\tfds\tcpu_pct\tchurn_min_mbps\tchurn_failed\n" > "$WORK/samples.tsv"
prev=$(ticks)
for m in $(seq 1 "$MINUTES"); do
    sleep 60
    kill -0 "$SRS_PID" 2>/dev/null || die "server died at minute $m (log: $WORK/srs.log)"
    now=$(ticks)
    cpu=$(awk -v a="$prev" -v b="$now" -v hz="$HZ" 'BEGIN{printf "%.1f", (b-a)/hz/60*100}')
    prev=$now
    rss=$(awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$SRS_PID/status")
    fds=$(ls "/proc/$SRS_PID/fd" | wc -l)
    last=""
    for f in $(ls -t "$WORK"/churn-*.json 2>/dev/null); do
        if [ -s "$f" ]; then last="$f"; break; fi
    done
    churn_min="-"; churn_failed="-"
    if [ -n "$last" ] && [ -s "$last" ]; then
        churn_min=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("player_mbps_min") or "-")' "$last")
        churn_failed=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("players_failed", "-"))' "$last")
    fi
    printf "%d\t%s\t%s\t%s\t%s\t%s\n" "$m" "$rss" "$fds" "$cpu" "$churn_min" "$churn_failed" | tee -a "$WORK/samples.tsv" >&2
done

log "waiting for the steady players' summary"
for _ in $(seq 1 60); do [ -s "$WORK/steady.json" ] && break; sleep 2; done
kill -0 "$SRS_PID" 2>/dev/null || die "server died at the end"

python3 "$ROOT/tools/soak/evaluate.py" "$WORK" "$WARMUP" "$STREAM_KBPS" "$OUT"
