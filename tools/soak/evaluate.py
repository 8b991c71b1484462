#!/usr/bin/env python3
"""Judges a soak run (tools/soak/soak.sh) from its work directory, and prints
the result table (also written to OUT when given). Exit status 0 = pass.

usage: evaluate.py WORK_DIR WARMUP_MINUTES STREAM_KBPS [OUT.md]"""

import glob
import json
import os
import statistics
import sys


def main():
    work, warmup, kbps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    out = sys.argv[4] if len(sys.argv) > 4 else ""
    rows = [l.rstrip("\n").split("\t") for l in open(f"{work}/samples.tsv")][1:]
    rss = [float(r[1]) for r in rows]
    fds = [int(r[2]) for r in rows]
    half = max(1, warmup // 2)
    base_rss = max(rss[half - 1:warmup])
    later_rss = max(rss[warmup:])
    base_fds = statistics.median(fds[:warmup])
    later_fds = statistics.median(fds[warmup:])
    steady = json.load(open(f"{work}/steady.json"))
    steady_end = os.path.getmtime(f"{work}/steady.json")
    need = 0.95 * kbps / 1000
    churn = []
    for f in sorted(glob.glob(f"{work}/churn-*.json")):
        # Rounds that ended after the publishers stopped measure nothing.
        if os.path.getmtime(f) > steady_end - 5:
            continue
        try:
            churn.append(json.load(open(f)))
        except ValueError:
            pass
    churn_mins = [c["player_mbps_min"] for c in churn if c.get("player_mbps_min")]
    churn_min = min(churn_mins, default=None)
    churn_failed = sum(c.get("players_failed", 0) for c in churn)
    hostile = sum(1 for _ in open(f"{work}/hostile.log"))
    checks = [
        ("RSS flat after warm-up", later_rss <= base_rss * 1.10,
         f"max {base_rss:.1f} MB in minutes {half}-{warmup}, max {later_rss:.1f} MB after"),
        ("fds flat after warm-up", later_fds <= base_fds + 20,
         f"median {base_fds:g} in the warm-up, {later_fds:g} after (single samples {min(fds)}-{max(fds)})"),
        ("steady players at full bitrate",
         (steady.get("player_mbps_min") or 0) >= need and steady.get("players_failed", 1) == 0,
         f"{steady.get('players_playing')} playing, {steady.get('players_failed')} failed, "
         f"min {steady.get('player_mbps_min')} Mbps (need {need:.3f})"),
        ("churning players at full bitrate",
         churn_min is not None and churn_min >= need and churn_failed == 0,
         f"{len(churn)} rounds of 100 players, min {churn_min} Mbps, {churn_failed} failed"),
        ("publishers never failed", steady.get("publishers_failed", 1) == 0,
         f"{steady.get('publishers_publishing')} publishing at the end"),
    ]
    lines = ["| minute | RSS MB | fds | CPU % | churn min Mbps | churn failed |",
             "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", f"Stream {kbps} kbps; {hostile} hostile rounds.", "",
              "| check | result | figures |", "|---|---|---|"]
    ok = True
    for name, passed, figures in checks:
        ok &= passed
        lines.append(f"| {name} | {'pass' if passed else 'FAIL'} | {figures} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        open(out, "w").write(text)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
