"""Every headline claim of the paper (1..18, in the order of the paper digest's list) is checked in a
notebook's "ours vs the paper" cell: a ``versus`` row with ``claim=N`` and a ``holds=`` verdict, and a
``# claim_N`` comment that a grep finds. The notebooks tier executes those cells."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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
            assert "holds" in keys and "quantity" in keys and "ours" in keys, (path.name, claim, keys)
            assert ("figure" in keys and "series" in keys) or ("paper_says" in keys and "page" in keys)
            assert re.search(rf"#\s*claim_{claim}\b", text), f"{path.name}: claim {claim} has no '# claim_{claim}'"
            found.setdefault(claim, []).append(path.name)
    missing = sorted(set(range(1, N_CLAIMS + 1)) - set(found))
    assert not missing, f"claims without a check: {missing}"
    assert set(found) <= set(range(1, N_CLAIMS + 1))
