"""Every headline claim of the paper (1..18, in the order of the paper digest's list) is checked in a
notebook's "ours vs the paper" cell: a ``versus`` row with ``claim=N`` and a ``holds=`` verdict, and a
``# claim_N`` comment that a grep finds. The notebooks tier executes those cells."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from w2s_lib.reference import N_CLAIMS

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _claim_rows(path: Path) -> list[tuple[int, set[str]]]:
    """(claim number, keywords) of every ``dict(claim=N, ...)`` call in the notebook's code."""
    rows = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            if isinstance(kw.get("claim"), ast.Constant):
                rows.append((kw["claim"].value, set(kw)))
    return rows


def test_every_claim_has_a_verdict_row_and_a_greppable_name():
    found: dict[int, list[str]] = {}
    for path in sorted(NOTEBOOKS.glob("*.py")):
        text = path.read_text()
        for claim, keys in _claim_rows(path):
            assert ("holds" in keys or "reason" in keys) and {"quantity", "ours"} <= keys, (path.name, claim, keys)
            assert ("figure" in keys and "series" in keys) or ("paper_says" in keys and "page" in keys)
            assert re.search(rf"#\s*claim_{claim}\b", text), f"{path.name}: claim {claim} has no '# claim_{claim}'"
            found.setdefault(claim, []).append(path.name)
    missing = sorted(set(range(1, N_CLAIMS + 1)) - set(found))
    assert not missing, f"claims without a check: {missing}"
    assert set(found) <= set(range(1, N_CLAIMS + 1))


ROOT = NOTEBOOKS.parent
# names a verdict must not depend on: the policy gives a verdict at every preset (w2s_lib/claims.yaml)
PRESET_NAMES = {"preset", "setting", "pretrained", "measurable"}


def test_the_claims_registry_names_the_notebooks_that_check_each_claim():
    from w2s_lib.reference import claims

    checked: dict[int, set[str]] = {}
    for path in sorted(NOTEBOOKS.glob("*.py")):
        for claim, _ in _claim_rows(path):
            checked.setdefault(claim, set()).add(path.stem)
    assert {n: set(c["notebooks"]) for n, c in claims().items()} == checked


@pytest.mark.parametrize("preset", ["smoke", "laptop", "paper"])
def test_every_claim_is_decided_or_explained_at_every_preset(preset):
    from w2s_lib.reference import PRESETS, claims, claims_at

    assert preset in PRESETS and sorted(p.name for p in (ROOT / "params").iterdir()) == sorted(PRESETS)
    for n, c in claims().items():
        runs_here = [nb for nb in c["notebooks"] if (ROOT / "params" / preset / f"{nb}.yaml").exists()]
        # a reason exactly where no notebook of the claim runs at this preset: never silent, never stale
        assert bool(runs_here) != (preset in c["not_at"]), (n, preset, runs_here, c["not_at"])
    table = claims_at(preset)
    assert len(table) == 18 and table["preset"].eq(preset).all()
    assert all(
        w.startswith(("decided in fig", "decided in table", f"not measurable at {preset}: ")) for w in table["where"]
    )


def test_no_claim_verdict_depends_on_the_preset():
    """One policy at every preset: a claim row's ``holds`` is decided by numbers alone, and a row without a
    verdict gives its reason."""
    for path in sorted(NOTEBOOKS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
                kw = {k.arg: k.value for k in node.keywords if k.arg}
                if "claim" not in kw:
                    continue
                holds = kw.get("holds", ast.Constant(None))
                names = {n.id for n in ast.walk(holds) if isinstance(n, ast.Name)}
                assert not names & PRESET_NAMES, (path.name, kw["claim"].value, names & PRESET_NAMES)
                if isinstance(holds, ast.Constant) and holds.value is None:
                    assert "reason" in kw, (path.name, kw["claim"].value)


def test_versus_gives_the_same_verdict_at_every_preset():
    from w2s_lib.reference import PRESETS, versus

    rows = [
        dict(claim=1, quantity="q", ours=60.0, paper_says="s", page=8, holds=True),
        dict(claim=2, quantity="q", ours=10.0, paper_says="s", page=3, holds=False),
        dict(claim=3, quantity="q", ours=float("nan"), paper_says="s", page=8, holds=True, reason="no students"),
    ]
    for preset in PRESETS:
        df = versus(rows, preset=preset)
        assert df["verdict"].tolist() == ["holds", "does not hold", f"not measurable at {preset}: no students"]
        assert df["preset"].eq(preset).all() and df["paper_says"].eq("s").all()
