#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers and state machines (cargo-fuzz, libFuzzer, ASan).
#
#   scripts/fuzz.sh smoke                    every target a few seconds on its seed corpus
#   scripts/fuzz.sh long TARGET [RUNS] [SECONDS]
#                                            one long run (default 10,000,000 executions or
#                                            1800 s, whichever comes first), niced, with
#                                            libFuzzer's memory limits
#   scripts/fuzz.sh repro TARGET FILE        runs one input (a crash artifact) once
#   scripts/fuzz.sh list                     the targets
#
# Toolchain: nightly when rustup has one, else the default (stable) toolchain with
# RUSTC_BOOTSTRAP=1, which lets stable accept the -Z flags cargo-fuzz passes. cargo-fuzz is
# installed when missing. Seeds are read from fuzz/corpus/TARGET (committed); what a run
# discovers goes to fuzz/work/TARGET and crashes to fuzz/artifacts/TARGET (both ignored by git).
#
# Environment: FUZZ_SMOKE_SECONDS (default 4) per target in smoke mode; FUZZ_RSS_MB (default
# 2048) for -rss_limit_mb; FUZZ_MALLOC_MB (default 64) for -malloc_limit_mb.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FUZZ_DIR="$ROOT/fuzz"

TARGETS=(
    handshake_server handshake_client server_session chunk_decoder amf0 flv_reader
    avc_config_sps aac_config config_parser http_request rtmp_url
)
# The peak RSS of libFuzzer + AddressSanitizer alone is above 64 MB for the targets that link
# OpenSSL, so the RSS limit is a sane 2048 MB and the per-allocation limit (what catches a
# length field turned into a huge allocation) is 64 MB.
RSS_MB=${FUZZ_RSS_MB:-2048}
MALLOC_MB=${FUZZ_MALLOC_MB:-64}

die() {
    echo "fuzz.sh: $*" >&2
    exit 1
}

TOOLCHAIN=()
setup_toolchain() {
    command -v cargo >/dev/null 2>&1 || die "cargo not found"
    if command -v rustup >/dev/null 2>&1 && rustup toolchain list | grep -q '^nightly'; then
        TOOLCHAIN=(+nightly)
        echo "fuzz.sh: using the nightly toolchain"
    else
        export RUSTC_BOOTSTRAP=1
        echo "fuzz.sh: no nightly toolchain, using $(rustc --version) with RUSTC_BOOTSTRAP=1"
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "fuzz.sh: installing cargo-fuzz"
        cargo install cargo-fuzz --locked || die "cannot install cargo-fuzz"
    fi
}

# Debug assertions on: integer overflow and debug_assert! are findings too.
BUILD_FLAGS=(--release --debug-assertions)

build() {
    (cd "$FUZZ_DIR" && cargo "${TOOLCHAIN[@]}" fuzz build "${BUILD_FLAGS[@]}" "$@") ||
        die "cargo fuzz build failed"
}

binary() {
    local triple
    triple=$(rustc "${TOOLCHAIN[@]}" -vV | sed -n 's/^host: //p')
    echo "$FUZZ_DIR/target/$triple/release/$1"
}

check_target() {
    local t
    for t in "${TARGETS[@]}"; do
        [ "$t" = "$1" ] && return 0
    done
    die "unknown target '$1' (one of: ${TARGETS[*]})"
}

run_target() {
    local t=$1
    shift
    mkdir -p "$FUZZ_DIR/work/$t" "$FUZZ_DIR/artifacts/$t"
    [ -d "$FUZZ_DIR/corpus/$t" ] || die "no seed corpus fuzz/corpus/$t"
    "$(binary "$t")" \
        -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$MALLOC_MB" -timeout=20 \
        -artifact_prefix="$FUZZ_DIR/artifacts/$t/" -print_final_stats=1 \
        "$@" "$FUZZ_DIR/work/$t" "$FUZZ_DIR/corpus/$t"
}

cmd=${1:-}
case "$cmd" in
list)
    printf '%s\n' "${TARGETS[@]}"
    ;;
smoke)
    setup_toolchain
    start=$(date +%s)
    build
    echo "fuzz.sh: built in $(($(date +%s) - start)) s"
    secs=${FUZZ_SMOKE_SECONDS:-4}
    failed=()
    for t in "${TARGETS[@]}"; do
        log="$FUZZ_DIR/work/$t.smoke.log"
        mkdir -p "$FUZZ_DIR/work"
        if run_target "$t" -max_total_time="$secs" >"$log" 2>&1; then
            execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
            echo "fuzz.sh: $t ok (${execs:-?} executions in ${secs} s)"
        else
            echo "fuzz.sh: $t FAILED, log $log:" >&2
            tail -40 "$log" >&2
            failed+=("$t")
        fi
    done
    echo "fuzz.sh: smoke took $(($(date +%s) - start)) s"
    if [ ${#failed[@]} -gt 0 ]; then
        die "smoke failed: ${failed[*]} (inputs in fuzz/artifacts/)"
    fi
    echo "fuzz.sh: ${#TARGETS[@]} passed, 0 failed"
    ;;
long)
    t=${2:-}
    [ -n "$t" ] || die "usage: scripts/fuzz.sh long TARGET [RUNS] [SECONDS]"
    check_target "$t"
    runs=${3:-10000000}
    secs=${4:-1800}
    setup_toolchain
    build "$t"
    mkdir -p "$FUZZ_DIR/work/logs" "$FUZZ_DIR/work/$t" "$FUZZ_DIR/artifacts/$t"
    log="$FUZZ_DIR/work/logs/$t.log"
    echo "fuzz.sh: $t, up to $runs executions or $secs s, log $log"
    set +e
    nice -n 19 "$(binary "$t")" \
        -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$MALLOC_MB" -timeout=20 \
        -artifact_prefix="$FUZZ_DIR/artifacts/$t/" -print_final_stats=1 \
        -runs="$runs" -max_total_time="$secs" \
        "$FUZZ_DIR/work/$t" "$FUZZ_DIR/corpus/$t" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    [ "$status" -eq 0 ] || die "$t failed (exit $status), inputs in fuzz/artifacts/$t/"
    ;;
repro)
    t=${2:-}
    f=${3:-}
    [ -n "$t" ] && [ -n "$f" ] || die "usage: scripts/fuzz.sh repro TARGET FILE"
    check_target "$t"
    setup_toolchain
    build "$t"
    "$(binary "$t")" -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$MALLOC_MB" "$f"
    ;;
*)
    die "usage: scripts/fuzz.sh smoke | long TARGET [RUNS] [SECONDS] | repro TARGET FILE | list"
    ;;
esac
