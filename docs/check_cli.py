#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that docs/cli.md documents every subcommand and option the satori tool has.

Asks the built tool itself (`satori --help`, `satori <command> --help`), so a new option
without documentation fails the test. Each option must appear in the page's section of its
command ("## satori <command>").

  check_cli.py --tool build/bin/satori --page docs/cli.md
  check_cli.py ... --self-test     proves the check can fail
"""
import argparse
import re
import subprocess
import sys


def help_text(tool, *args):
    r = subprocess.run([tool, *args, "--help"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise SystemExit(f"check_cli: {tool} {' '.join(args)} --help failed (exit {r.returncode})")
    return r.stdout


def subcommands(tool):
    text = help_text(tool)
    part = text.split("Subcommands:", 1)
    if len(part) != 2:
        raise SystemExit("check_cli: `satori --help` lists no subcommands")
    return re.findall(r"^\s{2}([a-z][a-z-]*)\s", part[1], re.M)


def options(tool, cmd):
    opts = set()
    for line in help_text(tool, cmd).splitlines():
        m = re.match(r"^\s{2}(-[^\s]+(?:,-[^\s]+)*)", line)
        if m:
            for o in m.group(1).split(","):
                if o.startswith("--") and o != "--help":
                    opts.add(o)
    return sorted(opts)


def sections(page):
    out, cur = {}, None
    for line in page.splitlines():
        m = re.match(r"^##\s+satori\s+([a-z-]+)\s*$", line)
        if m:
            cur = m.group(1)
            out[cur] = ""
        elif line.startswith("## "):
            cur = None
        elif cur:
            out[cur] += line + "\n"
    return out


def missing(tool, page):
    secs = sections(page)
    gone, total = [], 0
    for cmd in subcommands(tool):
        if cmd not in secs:
            gone.append(f"no section '## satori {cmd}'")
            continue
        for o in options(tool, cmd):
            total += 1
            if not re.search(re.escape(o) + r"(?![a-z-])", secs[cmd]):
                gone.append(f"satori {cmd} {o}: not documented in its section")
    return gone, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", required=True)
    ap.add_argument("--page", required=True)
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    page = open(a.page, encoding="utf-8").read()
    gone, total = missing(a.tool, page)
    if total < 10:
        print(f"check_cli: only {total} options found; the help parser no longer matches")
        return 1
    if a.self_test:
        cmds = subcommands(a.tool)
        victim = options(a.tool, cmds[0])[0]
        broken = re.sub(re.escape(victim) + r"(?![a-z-])", "", page)
        gone2, _ = missing(a.tool, broken)
        if not any(victim in g for g in gone2):
            print(f"self-test FAILED: removing {victim} from the page went unnoticed")
            return 1
        print(f"self-test ok: a page without {victim} is refused")
        return 0
    for g in gone:
        print(f"cli.md: {g}")
    print(f"check_cli: {total - len(gone)} of {total} options documented")
    return 1 if gone else 0


if __name__ == "__main__":
    sys.exit(main())
