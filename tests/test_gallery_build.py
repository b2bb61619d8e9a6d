"""tools/gallery.py without Sphinx: which executed copy each page takes, and what fails the build."""

import base64
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import gallery
from run_notebooks import notebook_names

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake").decode()


def _nb(*outputs, title="# Figure 0: a title"):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": title}]
    cells.append({"cell_type": "code", "metadata": {}, "source": "x", "execution_count": 1, "outputs": list(outputs)})
    return {"cells": cells, "metadata": {"widgets": {"state": {}}}, "nbformat": 4, "nbformat_minor": 5}


def _write(build, preset, name, nb, verdicts=None):
    path = build / "executed" / preset / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    if verdicts is not None:
        path.with_suffix(".verdicts.json").write_text(json.dumps(verdicts))


@pytest.mark.parametrize(
    "name, shown",
    [("fig07_fig13_overfitting", "Figs. 7, 13"), ("fig05_confidence_loss", "Fig. 5"),
     ("table03_imagenet", "Table 3"), ("sandbox_walkthrough", "beyond the paper's figures")],
)  # fmt: skip
def test_a_notebooks_name_says_which_paper_items_it_covers(name, shown):
    assert gallery.paper_items(name) == shown


def test_every_notebook_missing_at_every_preset_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="fig05_confidence_loss.*make figures PRESET=smoke"):
        gallery.assemble(tmp_path, ["laptop", "smoke"], tmp_path / "src")


def test_an_executed_copy_with_an_error_fails_the_build_by_name(tmp_path):
    for name in notebook_names():
        _write(tmp_path, "smoke", name, _nb())
    bad = {"output_type": "error", "ename": "KeyError", "evalue": "'run'", "traceback": []}
    _write(tmp_path, "smoke", "fig08_agreement", _nb(bad))
    with pytest.raises(ValueError, match=r"fig08_agreement \(smoke\): KeyError: 'run'"):
        gallery.assemble(tmp_path, ["smoke"], tmp_path / "src")


def test_pages_take_laptop_where_it_exists_and_say_so(tmp_path):
    image = {"output_type": "display_data", "metadata": {},
             "data": {"image/png": PNG, "text/plain": "<Figure>",
                      gallery.WIDGET: {"model_id": "x"}}}  # fmt: skip
    verdict = [dict(claim="claim_3", preset="laptop", quantity="q", verdict="does not hold")]
    for name in notebook_names():
        _write(tmp_path, "smoke", name, _nb())
    _write(tmp_path, "laptop", "fig03_naive_scaling", _nb(image), verdict)
    _write(tmp_path, "laptop", "fig09_prompting", _nb(image))  # no params/laptop/fig09_prompting.yaml
    src = tmp_path / "src"
    entries = {e["name"]: e for e in gallery.assemble(tmp_path, ["laptop", "smoke"], src)}
    assert set(entries) == set(notebook_names())
    assert entries["fig03_naive_scaling"]["preset"] == "laptop" and entries["fig09_prompting"]["preset"] == "smoke"
    assert entries["fig03_naive_scaling"]["verdicts"] == verdict and entries["fig03_naive_scaling"]["thumb"]
    assert (src / "_static" / "thumbs" / "fig03_naive_scaling.png").read_bytes() == base64.b64decode(PNG)
    page = json.loads((src / "notebooks" / "fig03_naive_scaling.ipynb").read_text())
    assert (
        "**laptop** preset" in page["cells"][1]["source"]
        and "downloads/fig03_naive_scaling.ipynb" in page["cells"][1]["source"]
    )
    assert "widgets" not in page["metadata"] and gallery.WIDGET not in page["cells"][2]["outputs"][0]["data"]
    download = json.loads((src / "notebooks" / "downloads" / "fig03_naive_scaling.ipynb").read_text())
    assert not any(c.get("outputs") for c in download["cells"])  # the source, unexecuted
    index = gallery.index_page(list(entries.values()), ["laptop"])
    assert re.search(r'class="fails" title="q: does not hold">claim 3: does not hold<', index)
    assert "notebooks/fig03_naive_scaling.html" in index
