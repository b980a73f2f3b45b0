#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/report/report.py — Satori benchmark results: collect, render, compare.

  report.py collect --out latest.json [--gbench F.json ...] [--figures F.json ...] [--meta K=V ...]
  report.py render latest.json --html latest.html
  report.py summary latest.json
  report.py compare OLD.json NEW.json [--threshold 0.10]

collect turns Google Benchmark output (bench_ring, bench_vmbus) into figures and merges any
*figures* files (storage, and later network: {"figures": [...]}, see docs/benchmarks.md),
adding machine information. render draws the ratios as bar charts with gnuplot (SVG, inlined
into one HTML file). compare prints the change of every figure's ratio and flags regressions
larger than the noise measured across repetitions (exit 1 if there is one).
"""
import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import figures as figs  # noqa: E402
import render as rend  # noqa: E402
import compare as comp  # noqa: E402


def machine_info(gbench_docs):
    info = {"hostname": platform.node(), "kernel": platform.release(),
            "machine": platform.machine(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpus_online"] = os.cpu_count()
    try:
        info["cpus_allowed"] = len(os.sched_getaffinity(0))
        info["load_avg"] = list(os.getloadavg())
    except (AttributeError, OSError):
        pass
    for doc in gbench_docs:
        ctx = doc.get("context", {})
        for k in ("num_cpus", "mhz_per_cpu", "cpu_scaling_enabled", "library_build_type",
                  "satori_scale"):
            if k in ctx:
                info.setdefault("gbench_" + k, ctx[k])
        if "caches" in ctx:
            info.setdefault("caches", [f"L{c['level']} {c['type']} {c['size'] // 1024} KiB"
                                       for c in ctx["caches"]])
    return info


def cmd_collect(a):
    gdocs = []
    for path in a.gbench or []:
        with open(path) as f:
            gdocs.append(json.load(f))
    figures, errors = figs.from_gbench(gdocs)
    contexts = {}
    for path in a.figures or []:
        with open(path) as f:
            doc = json.load(f)
        figures += doc.get("figures", [])
        contexts[os.path.basename(path)] = doc.get("context", {})
    meta = dict(kv.split("=", 1) for kv in (a.meta or []))
    out = {"schema": 1, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "meta": meta, "machine": machine_info(gdocs), "contexts": contexts,
           "errors": errors, "figures": figures}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"report: {len(figures)} figures -> {a.out}" +
          (f" ({len(errors)} benchmarks failed: {', '.join(errors)})" if errors else ""))
    return 1 if errors else 0


def cmd_render(a):
    with open(a.json) as f:
        doc = json.load(f)
    rend.render_html(doc, a.html)
    print(f"report: {a.html}")
    return 0


def cmd_summary(a):
    with open(a.json) as f:
        doc = json.load(f)
    print(f"{'figure':46} {'value':>12} {'baseline':>12} {'ratio':>8} {'noise':>7} {'target':>7}")
    for fg in doc.get("figures", []):
        noise = fg.get("noise")
        tgt = fg.get("target")
        mark = {"good": "ok", "bad": "MISS", "info": ""}[rend.verdict(fg)]
        print(f"{fg['name']:46} {fg['value']:12.4g} {fg['baseline']:12.4g} "
              f"{fg['ratio'] if fg.get('ratio') is not None else float('nan'):8.3g} "
              f"{'%6.1f%%' % (noise * 100) if noise is not None else '      -'} "
              f"{'%7.3g' % tgt if tgt else '      -'} {mark}")
    for k, v in doc.get("errors", {}).items():
        print(f"FAILED {k}: {v}")
    return 0


def cmd_compare(a):
    with open(a.old) as f:
        old = json.load(f)
    with open(a.new) as f:
        new = json.load(f)
    lines, regressions = comp.compare(old, new, a.threshold)
    print("\n".join(lines))
    return 1 if regressions else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Satori benchmark results")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--out", required=True)
    c.add_argument("--gbench", nargs="*")
    c.add_argument("--figures", nargs="*")
    c.add_argument("--meta", nargs="*")
    c.set_defaults(fn=cmd_collect)
    r = sub.add_parser("render")
    r.add_argument("json")
    r.add_argument("--html", required=True)
    r.set_defaults(fn=cmd_render)
    s = sub.add_parser("summary")
    s.add_argument("json")
    s.set_defaults(fn=cmd_summary)
    m = sub.add_parser("compare")
    m.add_argument("old")
    m.add_argument("new")
    m.add_argument("--threshold", type=float, default=0.10,
                   help="smallest relative change ever flagged (default 0.10)")
    m.set_defaults(fn=cmd_compare)
    a = ap.parse_args(argv)
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
