#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/storage/storage_bench.py — storage end to end (issue #4, "Benchmark (not a test)").

4 KiB random reads at QD 1 and QD 32 on a raw image in tmpfs:
  satori   fio --ioengine=nbd -> satori run --sim --disk (NBD server in the shim -> storvsc
           plugin -> VMBus ring -> simulated storvsp -> image file)
  psync    fio --ioengine=psync directly on the same file (pread; it has no queue: QD is 1)
  io_uring fio --ioengine=io_uring directly on the same file (if the kernel allows it)
  nbdkit   the same fio nbd job against `nbdkit file` serving the same file: a peer NBD
           server without VMBus in between
All in the same run, the engines interleaved within each repetition. Each figure is the
median over repetitions; noise is the relative spread (max-min)/median of the ratio.
Writes {"figures": [...]} (docs/benchmarks.md, "Figures") to --out.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def log(msg):
    print(f"storage: {msg}", file=sys.stderr, flush=True)


def fio(runtime, qd, extra):
    cmd = ["fio", "--name=randread", "--rw=randread", "--bs=4k", f"--iodepth={qd}",
           f"--runtime={int(runtime * 1000)}ms", "--time_based", "--ramp_time=200ms", "--norandommap",
           "--randrepeat=0", "--output-format=json"] + extra
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=runtime + 60)
    if r.returncode != 0:
        raise RuntimeError(f"fio {' '.join(extra)} failed: {r.stderr.strip()[-400:]}")
    job = json.loads(r.stdout[r.stdout.index("{"):])["jobs"][0]
    if job.get("error"):
        raise RuntimeError(f"fio reported error {job['error']} for {' '.join(extra)}")
    rd = job["read"]
    pct = rd.get("clat_ns", {}).get("percentile", {})
    return {"iops": rd["iops"], "p50_us": pct.get("50.000000", 0) / 1000.0,
            "p99_us": pct.get("99.000000", 0) / 1000.0}


def io_uring_works(path):
    try:
        fio(1, 1, [f"--filename={path}", "--ioengine=io_uring", "--size=1m"])
        return True
    except Exception as e:  # noqa: BLE001 - any failure means "not available here"
        log(f"io_uring not usable here ({e}); skipping that baseline")
        return False


class Satori:
    def __init__(self, tool, plugins, disk, sock):
        cmd = [tool, "run", "--sim", "--json", "--plugins", plugins, "--heartbeat-interval",
               "100000", "--nbd-socket", sock, "--disk", disk]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        self.uri = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                continue
            if ev.get("event") == "export_added":
                self.uri = ev["detail"]
                break
        if not self.uri:
            self.stop()
            raise RuntimeError("satori run did not export the disk (run it by hand to see why)")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Nbdkit:
    def __init__(self, disk, sock):
        self.proc = subprocess.Popen(["nbdkit", "-f", "-U", sock, "file", disk],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.uri = f"nbd+unix:///?socket={sock}"
        for _ in range(200):
            if os.path.exists(sock):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("nbdkit did not create its socket")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


def spread(values):
    med = statistics.median(values)
    return (max(values) - min(values)) / med if med else 0.0


def figures_for(qd, runs, engines):
    """runs[engine] = list of per-repetition results. One figure per baseline."""
    out = []
    sat = runs["satori"]
    for base, label in (("psync", "fio psync (pread) on the file"),
                        ("io_uring", "fio io_uring on the file"),
                        ("nbdkit", "fio nbd -> nbdkit file")):
        if base not in engines:
            continue
        ratios = [s["iops"] / b["iops"] for s, b in zip(sat, runs[base]) if b["iops"] > 0]
        if not ratios:
            continue
        target = {("psync", 32): 0.5, ("nbdkit", 32): 0.7, ("nbdkit", 1): 0.7}.get((base, qd))
        out.append({
            "name": f"storage.randread4k.qd{qd}.vs_{base}",
            "group": "storage",
            "label": f"4 KiB randread QD{qd}: satori NBD vs {base}",
            "value": statistics.median(s["iops"] for s in sat),
            "unit": "IOPS",
            "baseline_name": label,
            "baseline": statistics.median(b["iops"] for b in runs[base]),
            "ratio": statistics.median(ratios),
            "higher_is_better": True,
            "noise": spread(ratios) if len(ratios) > 1 else None,
            "target": target,
            "repetitions": len(ratios),
            "extra": {
                "p50_us": statistics.median(s["p50_us"] for s in sat),
                "p99_us": statistics.median(s["p99_us"] for s in sat),
                "baseline_p50_us": statistics.median(b["p50_us"] for b in runs[base]),
                "baseline_p99_us": statistics.median(b["p99_us"] for b in runs[base]),
            },
        })
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--satori", required=True, help="the satori tool")
    ap.add_argument("--plugins", required=True, help="plugin directory (with storvsc.so)")
    ap.add_argument("--out", required=True, help="figures JSON to write")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--runtime", type=float, default=3.0, help="seconds per fio run")
    ap.add_argument("--size-mib", type=int, default=256, help="image size")
    ap.add_argument("--progress", default="", help="prefix for progress lines")
    a = ap.parse_args()

    for tool in ("fio", "nbdkit"):
        if not shutil.which(tool):
            sys.exit(f"storage: {tool} is not installed (apt-get install {tool})")
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    work = tempfile.mkdtemp(prefix="satori-bench-", dir=base)
    disk = os.path.join(work, "disk.img")
    procs = []
    try:
        with open(disk, "wb") as f:
            for _ in range(a.size_mib):
                f.write(os.urandom(1 << 20))
        runtime = a.runtime
        engines = {"psync": [f"--filename={disk}", "--ioengine=psync"]}
        if io_uring_works(disk):
            engines["io_uring"] = [f"--filename={disk}", "--ioengine=io_uring"]
        sat = Satori(a.satori, a.plugins, disk, os.path.join(work, "satori.sock"))
        procs.append(sat)
        kit = Nbdkit(disk, os.path.join(work, "nbdkit.sock"))
        procs.append(kit)
        engines["satori"] = ["--ioengine=nbd", f"--uri={sat.uri}"]
        engines["nbdkit"] = ["--ioengine=nbd", f"--uri={kit.uri}"]

        figures = []
        total = 2 * a.reps * len(engines)
        done = 0
        for qd in (1, 32):
            runs = {e: [] for e in engines}
            for rep in range(a.reps):
                for e, extra in engines.items():
                    done += 1
                    log(f"{a.progress}[{done}/{total}] QD{qd} rep {rep + 1}/{a.reps} {e}")
                    runs[e].append(fio(runtime, qd, extra))
            figures += figures_for(qd, runs, engines)
        with open(a.out, "w") as f:
            json.dump({"figures": figures, "context": {
                "image": f"{a.size_mib} MiB raw in {base or tempfile.gettempdir()}",
                "fio_runtime_s": runtime, "repetitions": a.reps}}, f, indent=1)
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
