# SPDX-License-Identifier: MIT
"""bench/report/figures.py — Google Benchmark JSON -> Satori figures.

A figure is one measured value next to its same-run baseline:
  name, group, label, value, unit, baseline_name, baseline, ratio (= value / baseline),
  higher_is_better, noise (relative, of the ratio; None if one repetition), target (ratio
  goal or None), extra (dict).
"""
import math

PAYLOADS = (64, 256, 1500, 4096, 65536)
GPADL_PAGES = (1, 16, 256, 4096, 8190, 65536, 262144)


def _key(run_name):
    parts = [p for p in run_name.split("/")
             if not p.startswith("iterations:") and p not in ("manual_time", "real_time")]
    return "/".join(parts)


_UNIT_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


def index_runs(gbench_docs):
    """{key: {"median": {...}, "cv": {...}}} over all documents (median, or the single run)."""
    runs = {}
    for doc in gbench_docs:
        for b in doc.get("benchmarks", []):
            if b.get("error_occurred"):
                runs.setdefault(_key(b["run_name"]), {})["error"] = b.get("error_message", "error")
                continue
            key = _key(b.get("run_name", b["name"]))
            entry = runs.setdefault(key, {})
            row = dict(b)
            row["time_us"] = b.get("real_time", 0) * _UNIT_US.get(b.get("time_unit", "ns"), 1e-3)
            agg = b.get("aggregate_name")
            if agg == "cv":
                row["time_us"] = b.get("real_time", 0)  # a fraction, not a time
            if b.get("run_type") == "aggregate":
                if agg in ("median", "cv"):
                    entry[agg] = row
            else:  # single repetition: keep the last, count them for a median of our own
                entry.setdefault("iterations", []).append(row)
    for entry in runs.values():
        its = entry.pop("iterations", [])
        if "median" not in entry and its:
            entry["median"] = _median_rows(its)
            if len(its) > 1:
                entry["cv"] = _cv_rows(its)
    return runs


def _numeric_keys(rows):
    return [k for k, v in rows[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]


def _median_rows(rows):
    out = dict(rows[0])
    for k in _numeric_keys(rows):
        vals = sorted(r[k] for r in rows)
        n = len(vals)
        out[k] = vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2
    return out


def _cv_rows(rows):
    out = {}
    for k in _numeric_keys(rows):
        vals = [r[k] for r in rows]
        mean = sum(vals) / len(vals)
        var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)
        out[k] = math.sqrt(var) / mean if mean else 0.0
    out["time_us"] = out.get("time_us", 0.0)
    return out


def _get(runs, key, field):
    e = runs.get(key)
    if not e or "median" not in e or field not in e["median"]:
        return None, None
    cv = e.get("cv", {}).get(field)
    return e["median"][field], cv


def _noise(a, b):
    if a is None or b is None:
        return None
    return math.sqrt(a * a + b * b)


def _figure(name, group, label, value, unit, baseline_name, baseline, higher, noise,
            target=None, extra=None):
    return {"name": name, "group": group, "label": label, "value": value, "unit": unit,
            "baseline_name": baseline_name, "baseline": baseline,
            "ratio": value / baseline if baseline else None, "higher_is_better": higher,
            "noise": noise, "target": target, "extra": extra or {}}


def _pair(out, runs, name, group, label, key, field, base_key, base_field, unit, base_name,
          higher, target=None, extra=None):
    v, vcv = _get(runs, key, field)
    b, bcv = _get(runs, base_key, base_field)
    if v is None or b is None:
        return
    out.append(_figure(name, group, label, v, unit, base_name, b, higher, _noise(vcv, bcv),
                       target, extra))


def _size(p):
    return f"{p // 1024} KiB" if p >= 1024 and p % 1024 == 0 else f"{p} B"


def from_gbench(gbench_docs):
    runs = index_runs(gbench_docs)
    out = []
    for p in PAYLOADS:
        k = f"ring_throughput/payload:{p}"
        _pair(out, runs, f"ring.gbps.{p}.vs_memcpy", "ring", f"ring GB/s, {_size(p)}", k,
              "GB_per_s", f"memcpy_throughput/payload:{p}", "GB_per_s", "GB/s",
              "memcpy of the same bytes, 1 thread", True, 0.5 if p == 4096 else None)
    for p in PAYLOADS:
        k = f"ring_throughput/payload:{p}"
        _pair(out, runs, f"ring.pps.{p}.vs_spsc", "ring", f"ring packets/s, {_size(p)}", k,
              "pkts_per_s", f"spsc_throughput/payload:{p}", "pkts_per_s", "packets/s",
              "boost::lockfree::spsc_queue, same count", True, 1.0 if p == 64 else None)
    for p in PAYLOADS:
        k = f"ring_throughput/payload:{p}"
        for field, what in (("signals_per_pkt", "signals"), ("wakeups_per_pkt", "wakeups")):
            v, cv = _get(runs, k, field)
            if v is None:
                continue
            out.append(_figure(f"ring.{what}.{p}", "ring_signals",
                               f"{what} per packet at saturation, {_size(p)}", v,
                               f"{what}/packet", f"one {what[:-1]} per packet", 1.0, False,
                               cv, 0.05 if what == "signals" else None))
    for q in ("p50", "p99"):
        _pair(out, runs, f"ring.latency.{q}.vs_spsc", "latency",
              f"one-way latency {q}, 64 B every 20 us", "ring_latency", f"{q}_ns",
              "spsc_latency", f"{q}_ns", "ns", "spsc_queue + the same futex wake", False)
    for pages in GPADL_PAGES:
        _pair(out, runs, f"gpadl.{pages}", "gpadl", f"GPADL, {pages} page{'s' if pages > 1 else ''}",
              f"gpadl_create_teardown/pages:{pages}", "time_us", f"pages_memset/pages:{pages}",
              "time_us", "us", "memset of the same pages, once", False,
              extra={"gpadls": (_get(runs, f"gpadl_create_teardown/pages:{pages}", "gpadls")[0])})
    for rb in (16384, 262144):
        _pair(out, runs, f"channel.open_close.{rb}", "control",
              f"channel open+close, {rb // 1024} KiB rings", f"channel_open_close/ring_bytes:{rb}",
              "time_us", "gpadl_create_teardown/pages:1", "time_us", "us",
              "1-page GPADL create+teardown (a control round trip pair)", False)
    for dev, n in (("heartbeat", 1), ("storage", 2)):
        _pair(out, runs, f"bringup.{dev}", "control", f"{dev} device bring-up",
              f"bringup/{dev}/{n}", "time_us", "bringup/bare/0", "time_us", "us",
              "VMBus connect + offers, no plugin", False)
    errors = {k: e["error"] for k, e in runs.items() if "error" in e}
    return out, errors
