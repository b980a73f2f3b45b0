# SPDX-License-Identifier: MIT
"""bench/report/render.py — latest.json -> one self-contained HTML page with a bar chart of
ratios per group (drawn by gnuplot as SVG and inlined) and a table of every figure."""
import html
import os
import shutil
import subprocess
import tempfile

GROUPS = [
    ("ring", "Ring throughput vs same-run baselines", True),
    ("ring_signals", "Signals and wakeups per packet at saturation (baseline: 1 per packet)", False),
    ("latency", "One-way latency at low load vs spsc_queue", False),
    ("gpadl", "GPADL create+teardown time vs writing the same pages once", False),
    ("control", "Channel open/close and device bring-up through the simulator", False),
    ("storage", "Storage end to end: 4 KiB randread IOPS through satori vs peers", True),
    ("net", "Network end to end", True),
]


def verdict(f):
    """'good', 'bad' (misses its target) or 'info' (no target)."""
    r, t = f.get("ratio"), f.get("target")
    if r is None or t is None:
        return "info"
    ok = r >= t if f.get("higher_is_better", True) else r <= t
    return "good" if ok else "bad"


_COLOR = {"good": "#2e7d32", "bad": "#c62828", "info": "#1565c0"}


def _svg_chart(figs, title, higher):
    gp = shutil.which("gnuplot")
    figs = [f for f in figs if f.get("ratio")]
    if not gp or not figs:
        return None
    ratios = [f["ratio"] for f in figs]
    lo, hi = min(ratios + [1.0]), max(ratios + [1.0])
    log = hi / lo > 20
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "data")
        with open(data, "w") as out:
            for i, f in enumerate(figs):
                label = f["label"].replace('"', "'")
                color = int(_COLOR[verdict(f)][1:], 16)
                t = f.get("target")
                out.write(f'{i} "{label}" {f["ratio"]:.6g} {color} {t if t else "NaN"}\n')
        svg = os.path.join(d, "chart.svg")
        width = max(640, 70 * len(figs) + 200)
        script = f"""
set terminal svg size {width},520 dynamic font "sans,11" background "#ffffff"
set output "{svg}"
set title "{title} ({'higher' if higher else 'lower'} is better)"
set ylabel "ratio to same-run baseline"
set style fill solid 0.8 noborder
set boxwidth 0.7
set grid ytics
set xtics rotate by -35 left
set bmargin 11
set rmargin 14
set key off
set xrange [-0.6:{len(figs) - 0.4}]
{"set logscale y" if log else ""}
set yrange [{lo / 2 if log else 0}:{hi * (3 if log else 1.25)}]
plot "{data}" using 1:3:4:xtic(2) with boxes lc rgb variable, \\
     1 with lines lw 2 dt 2 lc rgb "#444444", \\
     "{data}" using 1:5 with points pt 9 ps 1.5 lc rgb "#000000", \\
     "{data}" using 1:3:(sprintf("%.3g", $3)) with labels offset 0,0.8 font "sans,10"
"""
        r = subprocess.run([gp], input=script, text=True, capture_output=True)
        if r.returncode != 0 or not os.path.exists(svg):
            return None
        with open(svg) as f:
            text = f.read()
        return text[text.index("<svg"):] if "<svg" in text else text


def _fmt(x):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.4g}"
    return html.escape(str(x))


def _table(figs):
    rows = []
    for f in figs:
        extra = ", ".join(f"{k} {_fmt(v)}" for k, v in (f.get("extra") or {}).items() if v is not None)
        noise = f.get("noise")
        rows.append(
            f"<tr class='{verdict(f)}'><td>{html.escape(f['label'])}</td>"
            f"<td>{_fmt(f.get('value'))} {html.escape(f.get('unit', ''))}</td>"
            f"<td>{html.escape(f.get('baseline_name', ''))}: {_fmt(f.get('baseline'))}</td>"
            f"<td><b>{_fmt(f.get('ratio'))}</b></td>"
            f"<td>{'±%.1f%%' % (noise * 100) if noise is not None else '–'}</td>"
            f"<td>{_fmt(f.get('target'))}</td><td>{html.escape(extra)}</td></tr>")
    return ("<table><tr><th>figure</th><th>value</th><th>same-run baseline</th><th>ratio</th>"
            "<th>noise</th><th>target</th><th>details</th></tr>" + "".join(rows) + "</table>")


def render_html(doc, path):
    meta, machine = doc.get("meta", {}), doc.get("machine", {})
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Satori benchmarks</title><style>",
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}",
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;",
        "font-size:13px;text-align:left}tr.good td:nth-child(4){color:#2e7d32}",
        "tr.bad td:nth-child(4){color:#c62828}code{background:#f4f4f4}</style></head><body>",
        "<h1>Satori benchmarks</h1>",
        f"<p>{html.escape(doc.get('date', ''))} · commit <code>{html.escape(meta.get('commit', '?'))}</code>"
        f" · mode <b>{html.escape(meta.get('mode', '?'))}</b> · "
        f"{html.escape(str(machine.get('cpu', '?')))}, {machine.get('cpus_allowed', '?')} CPUs, "
        f"load {', '.join('%.2f' % x for x in machine.get('load_avg', []))}</p>",
        "<p><b>How to read this.</b> Every figure is a <i>ratio</i> to a baseline measured in the "
        "same run, on the same machine, each the median of several repetitions: raw numbers on a "
        "shared machine vary several-fold between runs, ratios much less. Bars: green meets its "
        "target (black diamond), red misses it, blue has no target. The dashed line is 1 (as good "
        "as the baseline). <i>noise</i> is the spread across repetitions; "
        "<code>scripts/bench --compare OLD.json</code> flags only changes beyond it. "
        "See docs/benchmarks.md.</p>",
    ]
    if doc.get("errors"):
        parts.append("<p style='color:#c62828'>Failed: " +
                     html.escape(", ".join(f"{k}: {v}" for k, v in doc["errors"].items())) + "</p>")
    figures = doc.get("figures", [])
    known = {g for g, _, _ in GROUPS}
    groups = GROUPS + [(g, g, True) for g in sorted({f.get("group") for f in figures} - known)]
    for group, title, higher in groups:
        gf = [f for f in figures if f.get("group") == group]
        if not gf:
            continue
        parts.append(f"<h2>{html.escape(title)}</h2>")
        svg = _svg_chart(gf, title, higher)
        parts.append(svg if svg else "<p><i>(install gnuplot-nox for the chart)</i></p>")
        parts.append(_table(gf))
    parts.append("<h2>Machine</h2><pre>" + html.escape(
        "\n".join(f"{k}: {v}" for k, v in machine.items())) + "</pre></body></html>")
    with open(path, "w") as f:
        f.write("\n".join(parts))
