#!/usr/bin/env python
"""Set up this environment's JupyterLab for the notebooks (``make lab`` runs it once after installing ``.[lab]``).

1. The notebooks' ``.py`` files open as notebooks on a double-click or by URL: JupyterLab's ``defaultViewers``
   setting maps the ``python`` file type to jupytext's "Jupytext Notebook" viewer. It is written into this
   environment's ``share/jupyter/lab/settings/overrides.json`` (merged with what is there), so it holds for
   every JupyterLab started from this environment, for every ``.py`` file, and for no other installation:
   the user's own settings and other environments are untouched. A plain script opens as a notebook too
   (one cell per block); right-click -> Open With -> Editor shows any ``.py`` as text.
2. The kernel: ``ipykernel install --user --name w2s`` registers this environment's Python as "Python (w2s)",
   so that a JupyterLab or VS Code installed elsewhere can run the notebooks with the project's packages.
   Inside ``make lab`` the notebooks' own kernel, ``python3``, is already this environment's Python.
3. Opening a notebook does not mark it changed: JupyterLab writes the kernel's ``language_info`` into a
   notebook's metadata when the kernel starts, and the ``.py`` files do not store it (it names the Python
   version, which differs between machines), so every first open was an unsaved change. Each notebook
   gets its paired ``.ipynb`` (ignored by git; the ``formats: ipynb,py:percent`` pairing of its header)
   with this environment's ``language_info``, written only where none exists yet: jupytext then reads
   the inputs from the ``.py`` and the metadata from the ``.ipynb``, and nothing changes on open.
4. JupyterLab's news and update checks are off: they fetch from the internet at start.

Why a script and not ``jupytext-config set-default-viewer``: that command writes the user's settings
(``~/.jupyter/lab/user-settings``), which every JupyterLab of the user reads, not only this project's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_notebooks import JUPYTEXT_HEADER, NOTEBOOKS

PLUGIN = "@jupyterlab/docmanager-extension:plugin"
NEWS = "@jupyterlab/apputils-extension:notification"
VIEWER = "Jupytext Notebook"  # the name of jupytext's notebook widget factory in JupyterLab 4
KERNEL = ("w2s", "Python (w2s)")


def overrides_file(prefix: str | Path = sys.prefix) -> Path:
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def set_default_viewer(path: Path) -> dict:
    """Merge ``{PLUGIN: {"defaultViewers": {"python": VIEWER}}}`` into the overrides at ``path`` (atomic)."""
    settings = json.loads(path.read_text()) if path.exists() else {}
    settings.setdefault(PLUGIN, {}).setdefault("defaultViewers", {})["python"] = VIEWER
    settings.setdefault(NEWS, {}).update(fetchNews="false", checkForUpdates=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(settings, indent=2) + "\n")
    tmp.replace(path)
    return settings


def pair_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """Write ``NAME.ipynb`` beside each jupytext ``NAME.py`` of ``folder`` that has none, with this
    environment's ``language_info``; returns the files written."""
    import jupytext
    from ipykernel.ipkernel import IPythonKernel

    written = []
    for py in sorted(folder.glob("*.py")):
        ipynb = py.with_suffix(".ipynb")
        if ipynb.exists() or not py.read_text(encoding="utf-8").startswith(JUPYTEXT_HEADER):
            continue
        nb = jupytext.read(py)
        nb.metadata["language_info"] = dict(IPythonKernel.language_info)
        tmp = ipynb.with_name(ipynb.name + ".tmp")
        tmp.write_text(jupytext.writes(nb, fmt="ipynb"), encoding="utf-8")
        tmp.replace(ipynb)
        written.append(ipynb)
    return written


def main() -> int:
    path = overrides_file()
    set_default_viewer(path)
    print(f"lab_setup: .py files open as notebooks ({path})")
    written = pair_notebooks()
    print(f"lab_setup: {len(written)} notebook(s) paired with an .ipynb (notebooks/*.ipynb, ignored by git)")
    name, display = KERNEL
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--user", "--name", name, "--display-name", display],
        check=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
