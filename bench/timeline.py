#!/usr/bin/env python3
"""Summarise where the time of one command went, from the per-request
record of the counting proxy (bench/run.sh keeps them as
WORK/api/TOOL.SCENARIO.WORKLOAD.jsonl with BENCH_KEEP=1).

usage: timeline.py RECORD.jsonl [RECORD.jsonl ...]

For each file: per endpoint, when its first request started and its last
one ended (relative to the first request), count, mean and total latency;
the mean number of requests in flight; and the gaps in which the engine had
no request at all (time spent in the client alone)."""
import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def summarise(path):
    recs = load(path)
    if not recs:
        print(f"{path}: no requests")
        return
    t0 = min(r["start_ms"] for r in recs)
    t1 = max(r["end_ms"] for r in recs)
    span = t1 - t0
    busy = sum(r["end_ms"] - r["start_ms"] for r in recs)
    print(f"{path}: {len(recs)} requests over {span / 1000:.2f} s, "
          f"mean {busy / span if span else 0:.1f} in flight")
    by = {}
    for r in recs:
        by.setdefault(r["endpoint"], []).append(r)
    print(f"  {'endpoint':<34} {'count':>5} {'first':>8} {'last end':>8} {'mean':>9} {'total':>9}")
    for ep, rs in sorted(by.items(), key=lambda kv: min(r["start_ms"] for r in kv[1])):
        first = min(r["start_ms"] for r in rs) - t0
        last = max(r["end_ms"] for r in rs) - t0
        total = sum(r["end_ms"] - r["start_ms"] for r in rs)
        print(f"  {ep:<34} {len(rs):>5} {first / 1000:>7.2f}s {last / 1000:>7.2f}s "
              f"{total / len(rs):>7.1f}ms {total / 1000:>8.2f}s")
    # Idle gaps: no request in flight.
    events = sorted([(r["start_ms"], 1) for r in recs] + [(r["end_ms"], -1) for r in recs],
                    key=lambda e: (e[0], -e[1]))
    depth, idle, idle_from, gaps = 0, 0.0, None, []
    for t, d in events:
        if depth == 0 and idle_from is not None and d == 1:
            gap = t - idle_from
            idle += gap
            if gap >= 5:
                gaps.append((idle_from - t0, gap))
        depth += d
        if depth == 0:
            idle_from = t
    print(f"  engine idle between requests: {idle:.0f} ms in total"
          + (", gaps >= 5 ms at " + ", ".join(f"{s / 1000:.2f}s ({g:.0f} ms)" for s, g in gaps[:10]) if gaps else ""))


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[4], file=sys.stderr)
        return 2
    for p in sys.argv[1:]:
        summarise(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
