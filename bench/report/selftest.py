#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/report/selftest.py — checks of the report tooling on synthetic inputs (ctest
bench.report.selftest): ratios from Google Benchmark medians, noise from their CVs,
single-repetition input, merged figure files, regression flags of compare, the HTML."""
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402
import figures  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")


def agg(run, name, real_us, counters, cv=False):
    row = {"name": f"{run}_{name}", "run_name": run, "run_type": "aggregate",
           "aggregate_name": name, "real_time": real_us, "time_unit": "us"}
    row.update(counters)
    return row


def gbench_doc():
    rt = "ring_throughput/payload:4096/iterations:1/manual_time"
    mt = "memcpy_throughput/payload:4096/iterations:1/manual_time"
    g1 = "gpadl_create_teardown/pages:1/real_time"
    ms = "pages_memset/pages:1/real_time"
    return {"context": {"num_cpus": 2}, "benchmarks": [
        agg(rt, "median", 1000, {"GB_per_s": 2.0, "pkts_per_s": 5e5, "signals_per_pkt": 0.01,
                                 "wakeups_per_pkt": 0.02}),
        agg(rt, "cv", 0.03, {"GB_per_s": 0.03, "pkts_per_s": 0.03, "signals_per_pkt": 0.1,
                             "wakeups_per_pkt": 0.1}),
        agg(mt, "median", 100, {"GB_per_s": 8.0, "pkts_per_s": 2e6}),
        agg(mt, "cv", 0.04, {"GB_per_s": 0.04, "pkts_per_s": 0.04}),
        # single repetitions (no aggregates): two iterations -> their median, their CV
        {"name": g1, "run_name": g1, "run_type": "iteration", "real_time": 30.0,
         "time_unit": "us", "gpadls": 1},
        {"name": g1, "run_name": g1, "run_type": "iteration", "real_time": 50.0,
         "time_unit": "us", "gpadls": 1},
        {"name": ms, "run_name": ms, "run_type": "iteration", "real_time": 100.0,
         "time_unit": "ns"},
    ]}


def by_name(figs):
    return {f["name"]: f for f in figs}


def main():
    figs, errors = figures.from_gbench([gbench_doc()])
    f = by_name(figs)
    check(not errors, f"no errors expected, got {errors}")
    r = f.get("ring.gbps.4096.vs_memcpy")
    check(r is not None, "ring vs memcpy figure at 4 KiB")
    if r:
        check(abs(r["ratio"] - 0.25) < 1e-9, f"ratio 2/8 = 0.25, got {r['ratio']}")
        check(abs(r["noise"] - 0.05) < 1e-9, f"noise sqrt(.03^2+.04^2) = .05, got {r['noise']}")
        check(r["target"] == 0.5 and r["higher_is_better"], "4 KiB target 0.5, higher better")
    s = f.get("ring.signals.4096")
    check(s is not None and abs(s["ratio"] - 0.01) < 1e-12 and not s["higher_is_better"],
          "signals per packet against one per packet, lower is better")
    g = f.get("gpadl.1")
    check(g is not None, "gpadl figure from single repetitions")
    if g:
        check(abs(g["value"] - 40.0) < 1e-9, f"median of 30 and 50 us = 40, got {g['value']}")
        check(abs(g["baseline"] - 0.1) < 1e-9, f"100 ns = 0.1 us, got {g['baseline']}")
        check(abs(g["ratio"] - 400.0) < 1e-6, f"ratio 400, got {g['ratio']}")
    check("ring.pps.64.vs_spsc" not in f, "no figure without its baseline run")

    # compare: a drop within noise is not flagged, beyond noise is, improvements are not
    old = {"figures": [copy.deepcopy(r), copy.deepcopy(g)]}
    new = copy.deepcopy(old)
    new["figures"][0]["ratio"] *= 0.95
    _, reg = compare.compare(old, new, 0.10)
    check(reg == [], f"5% drop with 10% threshold is noise, flagged {reg}")
    new["figures"][0]["ratio"] = r["ratio"] * 0.5
    new["figures"][1]["ratio"] = g["ratio"] * 0.5  # lower is better: an improvement
    _, reg = compare.compare(old, new, 0.10)
    check(reg == ["ring.gbps.4096.vs_memcpy"], f"halved ratio is a regression, got {reg}")
    new["figures"][1]["ratio"] = g["ratio"] * 2.0
    old["figures"][1]["noise"] = 0.6  # very noisy figure: 2x is within 2 x 60 %
    _, reg = compare.compare(old, new, 0.10)
    check("gpadl.1" not in reg, "a change inside 2x the measured noise is not flagged")

    # collect + render + compare through the command line
    with tempfile.TemporaryDirectory() as d:
        gb = os.path.join(d, "g.json")
        fg = os.path.join(d, "net.figures.json")
        out = os.path.join(d, "latest.json")
        with open(gb, "w") as fh:
            json.dump(gbench_doc(), fh)
        with open(fg, "w") as fh:
            json.dump({"figures": [dict(r, name="net.example", group="net")]}, fh)
        rep = os.path.join(HERE, "report.py")
        rc = subprocess.run([sys.executable, rep, "collect", "--out", out, "--gbench", gb,
                             "--figures", fg, "--meta", "commit=abc"]).returncode
        check(rc == 0, "collect succeeds")
        doc = json.load(open(out))
        names = {x["name"] for x in doc["figures"]}
        check("net.example" in names and "gpadl.1" in names, "figure files are merged")
        check(doc["meta"].get("commit") == "abc" and "cpus_online" in doc["machine"],
              "meta and machine info recorded")
        html_path = os.path.join(d, "latest.html")
        rc = subprocess.run([sys.executable, rep, "render", out, "--html", html_path]).returncode
        check(rc == 0, "render succeeds")
        page = open(html_path).read()
        check("Satori benchmarks" in page and "Ring throughput" in page and "0.25" in page,
              "HTML has the report, the ring group and its ratio")
        rc = subprocess.run([sys.executable, rep, "compare", out, out],
                            capture_output=True, text=True)
        check(rc.returncode == 0 and "0 regression(s)" in rc.stdout, "a run compared with itself")

    print("selftest: " + ("OK" if not failures else f"{len(failures)} failure(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
