#!/usr/bin/env python
"""Build the gallery: a static site of every executed notebook (``make gallery``; opens from disk).

Sphinx with myst-nb renders the notebooks that ``tools/run_notebooks.py`` executed (``BUILD/executed/PRESET``)
and the Markdown pages of ``docs/``. Why Sphinx and myst-nb: a maintained, pure-Python pair whose build reads
no network (its default theme's files ship in the wheels), unlike builders that fetch a theme at build time.

For each notebook the first of ``--presets`` (default: laptop, then smoke) with an executed copy is used, and
its page says which. A notebook that is missing at every preset, or whose executed copy holds an error
output, fails the build, with its name: Sphinx would publish it silently. Each page starts with its preset
and a download of the notebook as ``.ipynb`` (its source, unexecuted). The index shows a thumbnail of each
notebook's first figure, the paper figures it covers, its preset and the claim verdicts its "ours vs the
paper" cells printed (``NAME.verdicts.json``, written by run_notebooks.py). Widget outputs (tqdm's bars)
keep only their text: their JavaScript would come from a CDN.

Exit status: 0 built, 1 the build failed, 2 bad arguments or missing executed notebooks.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_notebooks import PARAMS, ROOT, convert, notebook_names

DOCS = ROOT / "docs"
WIDGET = "application/vnd.jupyter.widget-view+json"
CONF = """\
project = "w2s: weak-to-strong generalization, executed"
extensions = ["myst_nb"]
nb_execution_mode = "off"  # tools/run_notebooks.py executed them, at their presets
myst_enable_extensions = ["colon_fence"]
exclude_patterns = ["_build", "notebooks/downloads"]  # offered as downloads, not pages
html_theme = "alabaster"
html_static_path = ["_static"]
html_css_files = ["gallery.css"]
html_theme_options = {"page_width": "1200px", "sidebar_width": "230px"}
suppress_warnings = ["myst.header", "myst.xref_missing", "misc.highlighting_failure"]
"""
CSS = """\
.gallery { display: flex; flex-wrap: wrap; gap: 1em; }
.gallery .card { width: 260px; border: 1px solid #ddd; padding: 0.5em; font-size: 0.85em; }
.gallery .card img { width: 100%; height: 160px; object-fit: contain; background: #fff; }
.gallery .preset { font-weight: bold; }
.gallery .holds { color: #1a7f37; } .gallery .fails { color: #b42318; } .gallery .na { color: #666; }
"""


def usage_error(msg: str) -> int:
    print(f"gallery.py: error: {msg}", file=sys.stderr)
    return 2


def choose(name: str, build: Path, presets: list[str]) -> tuple[str, Path] | None:
    """The first preset with a params file and an executed copy of notebook ``name``."""
    for preset in presets:
        executed = build / "executed" / preset / f"{name}.ipynb"
        if (PARAMS / preset / f"{name}.yaml").is_file() and executed.is_file():
            return preset, executed
    return None


def errors(nb: dict) -> list[str]:
    """``ename: evalue`` of each error output of an executed notebook."""
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def strip_widgets(nb: dict) -> dict:
    """Widget outputs keep their text fallback; the notebook's saved widget state goes."""
    nb.get("metadata", {}).pop("widgets", None)
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            o.get("data", {}).pop(WIDGET, None)
    return nb


def first_png(nb: dict) -> bytes | None:
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            png = o.get("data", {}).get("image/png")
            if png:
                return base64.b64decode("".join(png) if isinstance(png, list) else png)
    return None


def title(nb: dict, name: str) -> str:
    for c in nb["cells"]:
        if c["cell_type"] == "markdown":
            m = re.search(r"^# (.+)$", "".join(c["source"]), re.M)
            if m:
                return m.group(1).strip()
    return name


def paper_items(name: str) -> str:
    """What of the paper a notebook covers, from its name: fig07_fig13_... -> "Figs. 7, 13"."""
    figs = [str(int(n)) for n in re.findall(r"fig(\d+)", name)]
    tables = [str(int(n)) for n in re.findall(r"table(\d+)", name)]
    parts = ([("Fig. " if len(figs) == 1 else "Figs. ") + ", ".join(figs)] if figs else []) + (
        [f"Table {', '.join(tables)}"] if tables else []
    )
    return "; ".join(parts) or "beyond the paper's figures"


def verdicts(executed: Path) -> list[dict]:
    path = executed.with_suffix(".verdicts.json")
    return json.loads(path.read_text()) if path.exists() else []


def _verdict_html(rows: list[dict]) -> str:
    if not rows:
        return '<span class="na">no claim checked here</span>'
    out = []
    for r in rows:
        v = r["verdict"] or ""
        cls = "holds" if v == "holds" else "fails" if v == "does not hold" else "na"
        short = v if cls != "na" else "not measurable"
        what = html.escape(f"{r.get('quantity') or ''}: {v}", quote=True)  # the full row on hover
        out.append(f'<span class="{cls}" title="{what}">{r["claim"].replace("claim_", "claim ")}: {short}</span>')
    return "<br>".join(out)


def page_header(name: str, preset: str) -> dict:
    label = {"laptop": "the **laptop** preset (real small pretrained students, 2 CPU cores, offline)"}.get(
        preset, f"the **{preset}** preset" + (" (tiny models: it shows the plumbing, not the paper's findings)"
                                                if preset == "smoke" else "")
    )  # fmt: skip
    text = (
        f"*Executed at {label}; the parameters are `params/{preset}/{name}.yaml`.* "
        f"{{download}}`Download this notebook (.ipynb) <downloads/{name}.ipynb>`"
    )
    return {"cell_type": "markdown", "id": "w2s-gallery-preset", "metadata": {}, "source": text}


def assemble(build: Path, presets: list[str], src: Path) -> list[dict]:
    """Lay out Sphinx's source folder; one entry per notebook for the index. Raises ValueError on a
    notebook missing at every preset or one with error outputs."""
    missing, failed, entries = [], [], []
    for name in notebook_names():
        found = choose(name, build, presets)
        if found is None:
            missing.append(name)
            continue
        preset, executed = found
        nb = json.loads(executed.read_text(encoding="utf-8"))
        if errors(nb):
            failed.append(f"{name} ({preset}): {errors(nb)[0]}")
            continue
        strip_widgets(nb)
        nb["cells"].insert(
            1 if nb["cells"] and nb["cells"][0]["cell_type"] == "markdown" else 0, page_header(name, preset)
        )
        (src / "notebooks" / "downloads").mkdir(parents=True, exist_ok=True)
        (src / "notebooks" / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        shutil.copyfile(convert(name, build), src / "notebooks" / "downloads" / f"{name}.ipynb")  # the source
        thumb = first_png(nb)
        if thumb:
            (src / "_static" / "thumbs").mkdir(parents=True, exist_ok=True)
            (src / "_static" / "thumbs" / f"{name}.png").write_bytes(thumb)
        entries.append(dict(name=name, preset=preset, title=title(nb, name), paper=paper_items(name),
                            thumb=bool(thumb), verdicts=verdicts(executed)))  # fmt: skip
    if missing:
        raise FileNotFoundError(
            f"no executed copy at {'/'.join(presets)} of: {', '.join(missing)} (make figures PRESET=smoke first)"
        )
    if failed:
        raise ValueError("executed notebooks with errors: " + "; ".join(failed))
    return entries


def index_page(entries: list[dict], docs: list[str]) -> str:
    cards = []
    for e in entries:
        img = f'<img src="_static/thumbs/{e["name"]}.png" alt="{e["name"]}">' if e["thumb"] else "<p>(no figure)</p>"
        cards.append(
            f'<div class="card"><a href="notebooks/{e["name"]}.html">{img}<br><b>{e["paper"]}</b></a><br>'
            f'{e["title"]}<br><span class="preset">preset: {e["preset"]}</span><br>{_verdict_html(e["verdicts"])}</div>'
        )
    toctree = "\n".join(f"notebooks/{e['name']}" for e in entries)
    doc_tree = "\n".join(f"docs/{d}" for d in docs)
    return (
        "# w2s: the notebooks, executed\n\n"
        "One card per notebook: the paper figures it covers, the preset it was executed at, and the verdicts\n"
        'of the paper\'s headline claims its "ours vs the paper" cells printed. A verdict at the smoke preset\n'
        "(tiny models) or the laptop preset (small pretrained students) says whether that setting shows the\n"
        "paper's effect, not whether the paper is right.\n\n"
        '```{raw} html\n<div class="gallery">\n' + "\n".join(cards) + "\n</div>\n```\n\n"
        f"```{{toctree}}\n:caption: Notebooks\n:hidden:\n\n{toctree}\n```\n\n"
        f"```{{toctree}}\n:caption: Documentation\n:maxdepth: 1\n\n{doc_tree}\n```\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="where run_notebooks.py put executed/ (default: build)")
    ap.add_argument("--presets", default="laptop,smoke", help="presets in order of preference (default: laptop,smoke)")
    ap.add_argument("--out", default=None, help="the site (default: BUILD/gallery/html)")
    args = ap.parse_args(argv)
    presets = [p for p in args.presets.split(",") if p]
    valid = sorted(p.name for p in PARAMS.iterdir() if p.is_dir())
    bad = [p for p in presets if p not in valid]
    if not presets or bad:
        return usage_error(f"unknown preset {bad[0] if bad else ''!r}; valid: {', '.join(valid)}")
    build = Path(args.build).resolve()
    src, out = build / "gallery" / "src", Path(args.out or build / "gallery" / "html").resolve()
    shutil.rmtree(src, ignore_errors=True)
    (src / "_static").mkdir(parents=True)
    try:
        entries = assemble(build, presets, src)
    except FileNotFoundError as e:
        return usage_error(str(e))
    except ValueError as e:
        print(f"gallery.py: {e}", file=sys.stderr)
        return 1
    docs = sorted(p.stem for p in DOCS.glob("*.md"))
    shutil.copytree(DOCS, src / "docs", ignore=shutil.ignore_patterns("*.py"))
    # the pages' images are ../figures/...: the committed figures, beside them as in the repository
    shutil.copytree(ROOT / "figures", src / "figures", ignore=shutil.ignore_patterns("*.pdf", "*.json", "*.md"))
    (src / "conf.py").write_text(CONF)
    (src / "_static" / "gallery.css").write_text(CSS)
    (src / "index.md").write_text(index_page(entries, docs))
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    code = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(tmp)]).returncode
    if code:
        print(f"gallery.py: sphinx failed (exit {code})", file=sys.stderr)
        return 1
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)  # the previous site stays until the new one is complete
    print(f"gallery: {len(entries)} notebooks -> {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
