#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that docs/troubleshooting.md explains every error message the satori tool can print.

Messages are collected from the sources, not from a list, so a new message without an entry
fails the test:
  tools/*.cpp                 fail(...), throw GateError{...}, error = ...;, Rule::bad(...),
                              out.event("warning", ...)
  shim_gpl/loader/loader.c    fail(err, len, "...") -- why a plugin is skipped
  shim_gpl/runtime/strerror.c the text of every SATORI_E* code (satori_shim_strerror)
Every string literal in such a call is split at printf conversions; every fragment with at
least three letters must appear verbatim (whitespace squeezed) in docs/troubleshooting.md.

  check_troubleshooting.py --root SRC              the check
  check_troubleshooting.py --root SRC --self-test  proves the check can fail
"""
import argparse
import pathlib
import re
import sys

CALL_OPENERS = [
    (re.compile(r"\bfail\s*\("), "(", ")"),
    (re.compile(r"\bthrow\s+GateError\s*\{"), "{", "}"),
    (re.compile(r"\.bad\s*\("), "(", ")"),
    (re.compile(r"\bevent\s*\(\s*\"warning\"\s*,"), "(", ")"),
]
ASSIGN = re.compile(r"\berror\s*=\s*(?=[\"a-zA-Z(])")
STRERROR_RETURN = re.compile(r"return\s+(\"(?:[^\"\\]|\\.)*\")\s*;")
LITERAL = re.compile(r"\"((?:[^\"\\]|\\.)*)\"")
PRINTF_CONV = re.compile(r"%[-+ #0]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|z|j|t)?[a-zA-Z%]")


def strip_comments(text):
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def balanced(text, start, open_ch, close_ch):
    """Text from start (just after the opening bracket) to its matching closing bracket."""
    depth, i, n = 1, start, len(text)
    while i < n:
        c = text[i]
        if c == "\"":
            i += 1
            while i < n and text[i] != "\"":
                i += 2 if text[i] == "\\" else 1
        elif c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return text[start:i]
        i += 1
    return text[start:]


def unescape(s):
    return re.sub(r"\\(.)", lambda m: {"n": " ", "t": " "}.get(m.group(1), m.group(1)), s)


def literals(expr):
    """String literals of an expression; adjacent literals ("a" "b") are joined."""
    joined = re.sub(r"\"\s*\"", "", expr)
    return [unescape(m.group(1)) for m in LITERAL.finditer(joined)]


def fragments(message):
    out = []
    for part in PRINTF_CONV.split(message):
        part = " ".join(part.split()).strip(" :;,.'()\"")
        if sum(ch.isalpha() for ch in part) >= 3:
            out.append(part)
    return out


def collect(root):
    """[(source file, message fragment)]"""
    found = []

    def add(path, exprs):
        for e in exprs:
            for lit in literals(e):
                for frag in fragments(lit):
                    found.append((path.relative_to(root).as_posix(), frag))

    for path in sorted((root / "tools").glob("*.cpp")):
        text = strip_comments(path.read_text())
        exprs = []
        for opener, o, c in CALL_OPENERS:
            for m in opener.finditer(text):
                start = m.end() if text[m.end() - 1] == o else text.index(o, m.start()) + 1
                expr = balanced(text, start, o, c)
                if "warning" in m.group(0):
                    expr = expr.split("{")[0]  # the message, not the JSON fields after it
                exprs.append(expr)
        for m in ASSIGN.finditer(text):
            end = text.find(";", m.end())
            exprs.append(text[m.end():end])
        add(path, exprs)

    loader = root / "shim_gpl/loader/loader.c"
    if loader.exists():
        text = strip_comments(loader.read_text())
        add(loader, [balanced(text, m.end(), "(", ")")
                     for m in re.finditer(r"\bfail\s*\(\s*err", text)])
    strerr = root / "shim_gpl/runtime/strerror.c"
    if strerr.exists():
        text = strip_comments(strerr.read_text())
        add(strerr, [m.group(1) for m in STRERROR_RETURN.finditer(text)])
    return found


def missing(found, page):
    squeezed = " ".join(page.replace("\\|", "|").split())  # \| escapes a pipe in a table
    seen, out = set(), []
    for src, frag in found:
        if frag not in seen and frag not in squeezed:
            out.append((src, frag))
        seen.add(frag)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, type=pathlib.Path)
    ap.add_argument("--page", type=pathlib.Path, help="default: ROOT/docs/troubleshooting.md")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    root = a.root.resolve()
    page_path = a.page or root / "docs/troubleshooting.md"
    page = page_path.read_text()
    found = collect(root)
    files = {src for src, _ in found}
    # The extractor itself must still see the tool: a refactoring that hides the messages
    # from it must fail here, not pass with nothing checked.
    if len({f for _, f in found}) < 40 or not any(f.startswith("tools/") for f in files):
        print(f"check_troubleshooting: only {len(found)} messages found in {sorted(files)}; "
              "the extractor no longer matches the sources")
        return 1

    if a.self_test:
        victim = max((f for _, f in found if f in page), key=len)
        broken = page.replace(victim, "")
        gone = missing(found, broken)
        if not any(f == victim for _, f in gone):
            print(f"self-test FAILED: removing {victim!r} from the page went unnoticed")
            return 1
        print(f"self-test ok: a page without {victim!r} is refused")
        return 0

    gone = missing(found, page)
    for src, frag in gone:
        print(f"{page_path.name}: no entry for the message from {src}: {frag!r}")
    uniq = len({f for _, f in found})
    print(f"check_troubleshooting: {uniq - len(gone)} of {uniq} message fragments explained")
    return 1 if gone else 0


if __name__ == "__main__":
    sys.exit(main())
