"""The chess notebooks' specs (``chess/spec.py``): their parameters checked once, with the valid choices, and
planned through the same planners that run them. That a spec's plan is what its notebook trains is
``tests/core/test_spec_plans.py``'s."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from w2s_lib.chess import protocol as cp
from w2s_lib.chess.spec import ChessSpec, ExamplesSpec
from w2s_lib.specs import notebook_spec

ROOT = Path(__file__).resolve().parents[2]


def _params(preset: str, name: str) -> dict:
    return yaml.safe_load((ROOT / "params" / preset / f"{name}.yaml").read_text())


class _Ran(Exception):
    """Raised by a recorder in place of the run engine: the configs it was given are what would have run."""


def test_the_spec_plans_what_its_results_functions_run(monkeypatch):
    """``configs`` (``w2s plan``'s list) and ``naive_and_bootstrap`` / ``easy_to_hard`` (the notebooks') take the
    same planner, ``chess_plan`` / ``easy_to_hard_plan``: what reaches the engine is what was planned."""
    ran = []

    def record(configs, root, **kw):
        ran.extend(configs)
        raise _Ran

    monkeypatch.setattr(cp, "run_all", record)
    naive = ChessSpec.from_params({**_params("smoke", "fig04_fig15_chess_bootstrapping"), "seeds": [0, 1]})
    with pytest.raises(_Ran):
        naive.naive_and_bootstrap("unused")
    # the recorder stops the engine at its first call: seed 0's first series, the supervisors
    assert ran == naive.configs()[:2] and [(c.role, c.model, c.data.seed) for c in ran] == [
        ("weak", "tiny-1", 0),
        ("weak", "tiny-2", 0),
    ]
    assert {c.data.seed for c in naive.configs()} == {0, 1}
    ran.clear()
    easy = notebook_spec("fig19_fig20_chess_easy_to_hard", _params("smoke", "fig19_fig20_chess_easy_to_hard"))
    with pytest.raises(_Ran):
        easy.easy_to_hard("unused")
    assert ran == easy.configs() and {c.elo_max for c in ran if c.role == "easy"} == {1000, 1500}
    with pytest.raises(ValueError, match="name cutoffs: they plan Figs. 19-20"):
        easy.naive_and_bootstrap("unused")
    with pytest.raises(ValueError, match="easy-to-hard needs cutoffs"):
        naive.easy_to_hard("unused")


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"source": "chesscom"}, "unknown chess source 'chesscom'; valid: lichess, synth"),
        ({"models": ["tiny-1"]}, r"models must be 2 or more distinct causal LMs, weakest first; got \['tiny-1'\]"),
        ({"models": ["tiny-1", "tiny-1"]}, "models must be 2 or more distinct"),
        ({"models": ["tiny-1", "no_such_model"]}, "unknown model 'no_such_model'; valid: .*tiny-1"),
        ({"models": ["tiny-1", "minilm-l1"]}, "chess needs causal language models; encoders: minilm-l1"),
        ({"seeds": []}, "seeds must be a non-empty list of integers"),
        ({"n_parts": 1}, "n_parts must be >= 2"),
        ({"bootstrap_steps": 0}, "bootstrap_steps must be an integer >= 1"),
        ({"lr": 0.1}, "lr must be a mapping model -> rate"),
    ],
)
def test_bad_parameters_fail_in_one_line_naming_the_valid_choices(bad, match):
    with pytest.raises(ValueError, match=match) as e:
        ChessSpec.from_params({**_params("smoke", "fig03_chess_naive_scaling"), **bad})
    assert "\n" not in str(e.value)


def test_easy_to_hard_parameters_are_checked_too():
    base = _params("smoke", "fig19_fig20_chess_easy_to_hard")
    assert len(ChessSpec.from_params({**base, "models": ["tiny-1"]}).configs()) == 2 + 3  # one model suffices
    for bad, match in [
        ({"cutoffs": []}, "cutoffs must be a non-empty list of integer Elo ratings"),
        ({"easy_n_train": {700: 10}}, "easy_n_train names no cutoff in \\[700\\]; valid: 1000, 1500"),
        ({"elo_width": 0}, "elo_width must be an integer >= 1"),
    ]:
        with pytest.raises(ValueError, match=match):
            ChessSpec.from_params({**base, **bad})


def test_fig14_trains_nothing_and_checks_what_it_draws():
    spec = notebook_spec("fig14_chess_examples", _params("smoke", "fig14_chess_examples"))
    assert spec.runs(".") == [] and len(spec.puzzles()) == spec.n == 500  # synth: generated offline
    with pytest.raises(ValueError, match="unknown chess source 'x'; valid: lichess, synth"):
        ExamplesSpec.from_params({"source": "x"})
    with pytest.raises(ValueError, match="n \\(puzzles to draw\\) must be an integer >= 1"):
        ExamplesSpec.from_params({"n": 0})
