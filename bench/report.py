#!/usr/bin/env python3
"""Summarise the samples of bench/run.sh: medians, ratios to the baseline
measured in the same run, the targets of the performance issue, and the API
calls seen by the counting proxy. Prints a table and writes JSON.

Input: a TSV of "metric<TAB>tool<TAB>value" lines (value "na" when the
command does not exist yet) and a directory of proxy reports named
TOOL.SCENARIO.WORKLOAD.json."""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys

# name, metric key prefix, unit, how the target is judged, target text
# judge: ("ratio_max", x) | ("abs_max", x) | ("abs_min", x) | None
MEASURES = [
    ("up -d, cold", "up_cold", "s", ("ratio_max", 1.15), "<= 1.15x baseline"),
    ("up -d, no-op", "up_noop", "s", ("abs_max", 0.15), "~0.1 s (<= 0.15 s), <= 2 list calls"),
    ("down", "down", "s", ("ratio_max", 1.2), "<= 1.2x baseline"),
    ("down -t 0", "down_t0", "s", ("ratio_max", 1.2), "<= 1.2x baseline down"),
    ("scale 1->50", "scale_50", "s", ("ratio_max", 1.2), "<= 1.2x baseline"),
    ("logs, 10x100k lines", "logs", "MB/s", ("abs_min", 100.0), ">= 100 MB/s"),
    ("config, 1000 services", "config_1000", "s", ("abs_max", 1.0), "< 1 s"),
    ("peak RSS of up -d", "rss_up", "MB", ("abs_max", 100.0), "< 100 MB"),
]


def load_samples(path):
    samples = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            metric, tool, value = line.split("\t")
            samples.setdefault(metric, {}).setdefault(tool, []).append(value)
    return samples


def numbers(values):
    return [float(v) for v in values if v not in ("", "na", "fail")]


def failures(values):
    return sum(1 for v in values or [] if v == "fail")


def median(values):
    nums = numbers(values or [])
    return statistics.median(nums) if nums else None


def load_api(directory):
    api = {}
    if not directory or not os.path.isdir(directory):
        return api
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        tool, scenario, workload = name[: -len(".json")].split(".", 2)
        with open(os.path.join(directory, name)) as f:
            api.setdefault(workload, {}).setdefault(scenario, {})[tool] = json.load(f)
    return api


def judge(rule, stack, ratio):
    if rule is None or stack is None:
        return None
    kind, limit = rule
    if kind == "ratio_max":
        return None if ratio is None else ratio <= limit
    if kind == "abs_max":
        return stack <= limit
    if kind == "abs_min":
        return stack >= limit
    return None


def build_results(samples, api):
    results = []
    for title, key, unit, rule, target in MEASURES:
        metrics = sorted(m for m in samples if m == key or m.startswith(key + ":"))
        for metric in metrics:
            workload = metric.split(":", 1)[1] if ":" in metric else ""
            by_tool = samples.get(metric, {})
            stack_raw = by_tool.get("stack", [])
            base_raw = by_tool.get("baseline", [])
            if key == "down_t0":
                # The baseline's down is a force remove: the same as -t 0.
                base_raw = samples.get("down:" + workload, {}).get("baseline", [])
            stack, base = median(stack_raw), median(base_raw)
            row = {
                "name": title,
                "metric": metric,
                "workload": workload,
                "unit": unit,
                "stack": stack,
                "baseline": base,
                "samples": {"stack": numbers(stack_raw), "baseline": numbers(base_raw)},
                "target": target,
            }
            if key == "logs":
                # Throughput of the log text (what the baseline counted).
                total = median(samples.get("logs_bytes", {}).get("baseline"))
                out = median(samples.get("logs_out_bytes", {}).get("stack"))
                row["unit"] = "MB/s"
                row["log_bytes"] = total
                row["stack_output_bytes"] = out
                row["seconds"] = {"stack": stack, "baseline": base}
                row["stack"] = total / stack / 1e6 if total and stack else None
                row["baseline"] = total / base / 1e6 if total and base else None
                stack, base = row["stack"], row["baseline"]
                if not numbers(stack_raw):
                    row["note"] = "stack logs not implemented"
            ratio = None
            if stack is not None and base:
                ratio = base / stack if unit == "MB/s" else stack / base
            row["ratio"] = ratio
            met = judge(rule, stack, ratio)
            if key == "up_noop":
                lists = api.get(workload, {}).get("up_noop", {}).get("stack", {}).get("lists")
                if lists is None:
                    # The proxy counted one workload: it answers for all.
                    for w in api.values():
                        lists = w.get("up_noop", {}).get("stack", {}).get("lists", lists)
                row["list_calls"] = lists
                if met is not None and lists is not None:
                    met = met and lists <= 2
            failed = {"stack": failures(stack_raw), "baseline": failures(base_raw)}
            if failed["stack"] or failed["baseline"]:
                row["failed"] = failed
                if failed["stack"]:
                    met = False
            row["met"] = met
            results.append(row)
    return results


def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit == "MB":
        return f"{v:.0f} MB"
    if unit == "MB/s":
        return f"{v:.0f} MB/s"
    return f"{v:.3f} s" if v < 1 else f"{v:.2f} s"


def table(results):
    rows = [("measure", "workload", "stack", "baseline", "ratio", "target", "met")]
    for r in results:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        name = r["name"]
        if r.get("list_calls") is not None:
            name += f" ({r['list_calls']} list calls)"
        met = {True: "met", False: "NOT met", None: "n/a"}[r["met"]]
        for tool, k in (r.get("failed") or {}).items():
            if k:
                met += f" ({tool} failed {k}x)"
        rows.append((name, r["workload"], fmt(r["stack"], r["unit"]),
                     fmt(r["baseline"], r["unit"]) if r["baseline"] is not None else "",
                     ratio, r["target"], met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[j]) for j, c in enumerate(row)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def api_summary(api):
    """Per scenario: requests, lists, peak concurrency, and per endpoint
    count and mean latency, stack beside baseline."""
    lines = []
    for workload, scenarios in sorted(api.items()):
        for scenario, tools in sorted(scenarios.items()):
            parts = []
            for tool in ("stack", "baseline"):
                rep = tools.get(tool)
                if rep:
                    parts.append(f"{tool}: {rep['requests']} requests, {rep['lists']} lists, "
                                 f"max {rep['max_in_flight']} in flight, span {rep['span_ms'] / 1000:.2f} s")
            lines.append(f"{scenario} {workload}: " + "; ".join(parts))
            endpoints = {}
            for tool, rep in tools.items():
                for e in rep.get("endpoints") or []:
                    endpoints.setdefault(e["endpoint"], {})[tool] = e
            for ep in sorted(endpoints):
                cells = []
                for tool in ("stack", "baseline"):
                    e = endpoints[ep].get(tool)
                    cells.append(f"{tool} {e['count']:>4} x {e['mean_ms']:8.1f} ms" if e else f"{tool}    -")
                lines.append(f"    {ep:<34} " + "   ".join(cells))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", required=True)
    ap.add_argument("--api")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=0)
    ap.add_argument("--quick", default="0")
    ap.add_argument("--workloads", default="")
    ap.add_argument("--scale-cmd", default="scale")
    ap.add_argument("--image", default="")
    ap.add_argument("--stack-version", default="")
    ap.add_argument("--commit", default="")
    ap.add_argument("--engine", default="")
    ap.add_argument("--seconds", default="")
    a = ap.parse_args()

    samples = load_samples(a.samples)
    api = load_api(a.api)
    results = build_results(samples, api)
    for r in results:
        if r["metric"] == "scale_50" and a.scale_cmd != "scale":
            r["note"] = "stack scale not implemented: measured as up -d --no-deps --scale SVC=50 SVC"
    doc = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cores": os.cpu_count(), "engine": a.engine, "kernel": platform.release()},
        "stack": {"commit": a.commit, "version": a.stack_version},
        "image": a.image,
        "rounds": a.rounds,
        "quick": a.quick == "1",
        "workloads": a.workloads.split(),
        "bench_seconds": float(a.seconds) if a.seconds else None,
        "results": results,
        "api": api,
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

    print()
    print(f"stack bench {doc['date']}  commit {a.commit}  engine {a.engine}  "
          f"rounds {a.rounds} (median)  {doc['bench_seconds']:.0f} s" if doc["bench_seconds"] is not None else "")
    print(table(results))
    for r in results:
        if r.get("note"):
            print(f"note: {r['metric']}: {r['note']}")
    if api:
        print()
        print("engine API calls (counting proxy; mean latency as the engine answered):")
        print(api_summary(api))
    print()
    print(f"written: {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
