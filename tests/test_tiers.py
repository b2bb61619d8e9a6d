"""The developer's loop: the tier runner behind make test, and make figures' rebuild rule."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import run_tests  # noqa: E402 - a script in tools/, not a package


def test_tiers_run_in_order_stop_at_a_failure_and_summarise(monkeypatch, capsys):
    ok = [sys.executable, "-c", "print('3 passed in 0.1s')"]
    bad = [sys.executable, "-c", "import sys; print('1 failed, 2 passed'); sys.exit(1)"]
    monkeypatch.setattr(run_tests, "TIERS", {"a": [ok], "b": [ok, bad, ok], "c": [ok]})
    assert run_tests.main(["a", "b", "c"]) == 1
    out = capsys.readouterr().out
    summary = out.split(" summary ")[1].strip().splitlines()[1:]
    assert summary[0].split()[:2] == ["a", "ok"] and summary[0].endswith("3 passed in 0.1s")
    assert summary[1].split()[:2] == ["b", "FAILED"] and summary[1].endswith("1 failed, 2 passed")
    assert summary[2] == "not run after the failure: c"


def test_an_unknown_tier_names_the_valid_ones(capsys):
    assert run_tests.main(["nope"]) == 2
    assert "valid: lint, fast, tests, notebooks" in capsys.readouterr().err


def _make(*args: str) -> str:
    """``make -n ARGS`` as a fresh make would print it, also when this test itself runs under make."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEFILES")}
    cmd = ["make", "--no-print-directory", "-n", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True, env=env).stdout


def test_make_test_is_lint_then_tests_then_notebooks_then_the_browser_tier():
    lines = _make("test").strip().splitlines()
    first = next(i for i, line in enumerate(lines) if line.endswith("tools/run_tests.py lint tests notebooks"))
    assert "W2S_NBVAL_RESULTS=" in lines[first]  # the runs the browser tier's gallery reuses
    later = "\n".join(lines[first + 1 :])
    assert "test-browser" in later and "OMP_NUM_THREADS=1" in later
    if "browser tier skipped" not in later:
        assert later.strip().endswith("tools/run_tests.py browser")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_figures_reruns_only_notebooks_whose_inputs_changed(tmp_path):
    def planned() -> list[str]:
        out = _make("figures", "PRESET=smoke", f"BUILD={tmp_path}", f"VENV={sys.prefix}")
        return [line.split("--only ")[1] for line in out.splitlines() if "run_notebooks.py" in line]

    names = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py") if p.name != "conftest.py")
    assert sorted(planned()) == names  # nothing executed yet: all of them
    stamps = tmp_path / "executed" / "smoke"
    stamps.mkdir(parents=True)
    later = time.time() + 3600
    for name in names:
        (stamps / f"{name}.done").touch()
        os.utime(stamps / f"{name}.done", (later, later))
    assert planned() == []
    os.utime(stamps / "fig05_confidence_loss.done", (0, 0))  # as if its notebook changed after it ran
    assert planned() == ["fig05_confidence_loss"]
