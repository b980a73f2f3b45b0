# SPDX-License-Identifier: MIT
"""bench/report/compare.py — change of each figure's ratio between two runs.

Ratios, not raw values, are compared: both runs measured their own baselines, so a slower
machine moves value and baseline together. A change is a regression when the ratio moved in
the bad direction by a factor larger than 1 + max(threshold, 2 x the larger noise of the two
runs) (a factor, so that halving and doubling weigh the same).
"""


def _fmt(x):
    if x is None:
        return "n/a"
    return f"{x:.3g}"


def compare(old, new, threshold=0.10):
    old_by = {f["name"]: f for f in old.get("figures", [])}
    lines = [f"{'figure':44} {'old ratio':>10} {'new ratio':>10} {'change':>8} {'noise':>7}  verdict"]
    regressions = []
    for f in new.get("figures", []):
        o = old_by.get(f["name"])
        if not o or not o.get("ratio") or f.get("ratio") is None:
            lines.append(f"{f['name']:44} {'-':>10} {_fmt(f.get('ratio')):>10} {'':>8} {'':>7}  new")
            continue
        change = f["ratio"] / o["ratio"] - 1.0
        noise = max(o.get("noise") or 0.0, f.get("noise") or 0.0)
        allowed = 1.0 + max(threshold, 2.0 * noise)
        worse = o["ratio"] / f["ratio"] if f.get("higher_is_better", True) else f["ratio"] / o["ratio"]
        if worse > allowed:
            verdict = "REGRESSION"
            regressions.append(f["name"])
        elif 1.0 / worse > allowed:
            verdict = "improved"
        else:
            verdict = "within noise"
        lines.append(f"{f['name']:44} {_fmt(o['ratio']):>10} {_fmt(f['ratio']):>10} "
                     f"{change * 100:+7.1f}% {noise * 100:6.1f}%  {verdict}")
    gone = sorted(set(old_by) - {f["name"] for f in new.get("figures", [])})
    for name in gone:
        lines.append(f"{name:44} {_fmt(old_by[name].get('ratio')):>10} {'-':>10} {'':>8} {'':>7}  missing")
    lines.append(f"{len(regressions)} regression(s)" + (": " + ", ".join(regressions) if regressions else ""))
    return lines, regressions
