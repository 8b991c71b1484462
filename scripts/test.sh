#!/usr/bin/env bash
# The whole test suite: installs what the tests need when it is missing
# (ffmpeg / ffprobe, curl, adduser through apt-get), then format check, clippy,
# every unit, integration and interop test of the workspace, the web console
# in a real browser (installs Debian's chromium and playwright-core from npm),
# and the Debian package test.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v ffmpeg >/dev/null 2>&1 || need_pkgs+=(ffmpeg)
command -v pkg-config >/dev/null 2>&1 || need_pkgs+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || need_pkgs+=(libssl-dev)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v prlimit >/dev/null 2>&1 || need_pkgs+=(util-linux)
dpkg -s adduser >/dev/null 2>&1 || need_pkgs+=(adduser)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "installing: ${need_pkgs[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi
# ffmpeg 9 (static build in a PyPI wheel) for the interop tests with today's ffmpeg.
python3 -c 'import imageio_ffmpeg' 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check imageio-ffmpeg \
    || { echo "cannot install imageio-ffmpeg (ffmpeg 9) for the interop tests" >&2; exit 1; }
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || {
    echo "ffmpeg/ffprobe still missing: the interop tests cannot run" >&2
    exit 1
}

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
if [ ! -d ../shared/srs-conf-1.0 ]; then
    echo "NOTE: ../shared/srs-conf-1.0 is not beside this checkout: the extra checks against SRS 1.0's"
    echo "      own example configs did NOT run (they run where it exists, as in CI)"
fi

# The web console in headless chromium: stream listed, HTTP-FLV and HLS players
# decoding, kick, login form; screenshot in target/console.png (docs/console.md).
# Fails (never skips) when chromium or node cannot be installed.
tests/browser/run.sh target/console.png

# Every fuzz target a few seconds on its seed corpus (the long runs: docs/reliability.md).
scripts/fuzz.sh smoke

# The Debian package: build, install, start/status/reload/stop, remove (root only: it installs
# system-wide; CI runs as root).
if [ "$(id -u)" -eq 0 ]; then
    scripts/package-test.sh
else
    echo "package test NOT RUN: it installs the .deb system-wide and needs root"
fi
