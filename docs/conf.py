# SPDX-License-Identifier: MIT
# Sphinx configuration of the Satori documentation. Built by `cmake --build build --target docs`
# (docs/CMakeLists.txt), which runs Doxygen first and passes its XML directory in
# SATORI_DOXYGEN_XML, then sphinx-build -W: every warning is an error.
import importlib.util
import os
import pathlib
import re

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent


def _project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    m = re.search(r"project\(\s*Satori\s+VERSION\s+([0-9.]+)", text)
    return m.group(1) if m else "0.0.0"


project = "Satori"
author = "the Satori authors"
copyright = "the Satori authors; code MIT, the shim GPL-2.0-only"
release = _project_version()
version = ".".join(release.split(".")[:2])

extensions = ["myst_parser", "breathe", "sphinx.ext.graphviz"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**/node_modules"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
nitpicky = False
# A heading that skips a level (# then ###) is a style matter, not a broken page.
suppress_warnings = ["myst.header"]
graphviz_output_format = "svg"
highlight_language = "none"

breathe_projects = {
    "satori": os.environ.get("SATORI_DOXYGEN_XML", str(DOCS / "_build/doxygen/xml"))
}
breathe_default_project = "satori"
breathe_domain_by_extension = {"h": "c", "hpp": "cpp"}
breathe_show_include = True
breathe_default_members = ("members",)

html_theme = "furo" if importlib.util.find_spec("furo") else "alabaster"
html_title = f"Satori {release}"
html_show_sourcelink = False
html_copy_source = False
if html_theme == "alabaster":
    html_theme_options = {
        "description": "Hyper-V VMBus drivers outside the GPL",
        "fixed_sidebar": True,
        "page_width": "1180px",
        "sidebar_width": "250px",
    }
    html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}

# Pages that live next to these but are written with their features (devices, tests, tools):
# linked from the index only when the file exists, so the build never breaks either way.
# Known ones come first in this order; any other page in docs/ is linked after them, so a new
# page is never an orphan (an orphan is a Sphinx warning, and warnings are errors).
OPTIONAL_PAGES = ["disk-images", "network", "input", "transport", "fuzzing", "benchmarks",
                  "vm-test"]
CORE_PAGES = {"index", "overview", "getting-started", "tutorial", "plugin-model", "protocols",
              "cli", "simulator", "troubleshooting", "abi-rules", "release"}


def _optional_pages():
    found = {p.stem for p in DOCS.glob("*.md")} | {p.stem for p in DOCS.glob("*.rst")}
    extra = sorted(found - CORE_PAGES - set(OPTIONAL_PAGES))
    return [p for p in OPTIONAL_PAGES if p in found] + extra


def _optional_toctree():
    present = _optional_pages()
    if not present:
        return ""
    return ("\n.. toctree::\n   :maxdepth: 1\n   :caption: Devices, tests and tools\n\n"
            + "".join(f"   {p}\n" for p in present))


def _abi_headers():
    """One Breathe section per public ABI header, in file-name order: a new header is covered
    (and its undocumented members fail Doxygen) without editing this site."""
    out = []
    for h in sorted((ROOT / "abi/include/satori").glob("*.h")):
        title = f"``satori/{h.name}``"
        out.append(f"{title}\n{'-' * len(title)}\n\n.. doxygenfile:: {h.name}\n\n")
    return "".join(out)


def _on_source_read(app, docname, source):
    if docname == "index":
        source[0] = source[0].replace(".. satori-optional-pages", _optional_toctree())
    elif docname == "api/abi":
        source[0] = source[0].replace(".. satori-abi-headers", _abi_headers())


def _repo_file_reference(app, env, node, contnode):
    """A Markdown link to a file of the repository that is not a page ([x](../tools/a.cpp)):
    resolved as plain text when the file exists. A link to a file that does not exist stays
    a warning, so links cannot rot."""
    if node.get("reftype") not in ("myst", "any"):
        return None
    target = node.get("reftarget", "").split("#", 1)[0]
    if not target or "://" in target:
        return None
    base = (DOCS / env.doc2path(node.get("refdoc", env.docname), False)).parent
    path = pathlib.Path(os.path.normpath(base / target))
    if ROOT not in path.parents:
        return None
    return contnode if path.exists() else None


def _reread_generated(app, env, added, changed, removed):
    """The index and the ABI page are completed at read time (pages present, headers
    present): re-read them on every build, or an incremental build misses a new page."""
    return ["index", "api/abi"]


def setup(app):
    app.connect("source-read", _on_source_read)
    app.connect("env-get-outdated", _reread_generated)
    app.connect("missing-reference", _repo_file_reference)
    return {"parallel_read_safe": True}
