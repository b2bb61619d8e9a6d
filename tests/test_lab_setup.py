"""tools/lab_setup.py: the setting that makes JupyterLab open the notebooks' .py files as notebooks."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from lab_setup import NEWS, PLUGIN, VIEWER, overrides_file, set_default_viewer

NO_NEWS = {NEWS: {"fetchNews": "false", "checkForUpdates": False}}  # no fetch from the internet at start


def test_the_setting_goes_into_this_environments_overrides(tmp_path):
    path = overrides_file(tmp_path)
    assert path == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    set_default_viewer(path)
    assert json.loads(path.read_text()) == {PLUGIN: {"defaultViewers": {"python": VIEWER}}, **NO_NEWS}


def test_other_settings_in_the_file_are_kept(tmp_path):
    path = overrides_file(tmp_path)
    path.parent.mkdir(parents=True)
    theme = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}
    path.write_text(
        json.dumps({**theme, PLUGIN: {"autosave": False, "defaultViewers": {"markdown": "Markdown Preview"}}})
    )
    set_default_viewer(path)
    set_default_viewer(path)  # twice: the same file
    got = json.loads(path.read_text())
    assert got == {
        **theme,
        PLUGIN: {"autosave": False, "defaultViewers": {"markdown": "Markdown Preview", "python": VIEWER}},
        **NO_NEWS,
    }
    assert not list(path.parent.glob("*.tmp"))


def test_each_notebook_gets_a_paired_ipynb_with_this_kernels_language_info_once(tmp_path):
    """JupyterLab marks a notebook changed when the kernel's language_info differs from its metadata."""
    import jupytext
    from ipykernel.ipkernel import IPythonKernel
    from lab_setup import pair_notebooks

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "nb.py").write_text((root / "notebooks" / "sandbox_walkthrough.py").read_text())
    (tmp_path / "conftest.py").write_text("import pytest\n")  # not a notebook
    assert pair_notebooks(tmp_path) == [tmp_path / "nb.ipynb"]
    nb = jupytext.read(tmp_path / "nb.ipynb")
    assert nb.metadata["language_info"] == IPythonKernel.language_info
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert [c.source for c in nb.cells] == [c.source for c in jupytext.read(tmp_path / "nb.py").cells]
    (tmp_path / "nb.ipynb").write_text("{}")  # the user's own copy is never overwritten
    assert pair_notebooks(tmp_path) == [] and (tmp_path / "nb.ipynb").read_text() == "{}"
