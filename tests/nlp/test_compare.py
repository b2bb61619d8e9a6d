"""``w2s compare``'s numbers on hand-made rows, and a toy method added in a test run through the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from w2s_lib.nlp import methods
from w2s_lib.nlp.compare import format_table, method_table


def _rows():
    rows = []
    for seed in (0, 1, 2):
        for sup, weak in (("w1", 0.6), ("w2", 0.7)):
            for method, acc in (("naive", 0.7 + 0.01 * seed), ("better", 0.8 + 0.01 * seed)):
                rows.append(dict(method=method, student="s", model="tiny-3", task="t", weak_model=sup, seed=seed,
                                 weak_acc=weak, test_acc=acc, strong_acc=0.9))  # fmt: skip
    return pd.DataFrame(rows)


def test_pgr_and_paired_difference_by_hand():
    table = method_table(_rows(), n=500).set_index("method")
    # means: weak 0.65, naive 0.71, better 0.81, strong 0.9 -> PGR (0.71-0.65)/0.25 and (0.81-0.65)/0.25
    assert table.loc["naive", "pgr"] == pytest.approx(0.06 / 0.25)
    assert table.loc["better", "pgr"] == pytest.approx(0.16 / 0.25)
    assert table.loc["better", "delta"] == pytest.approx(0.10 / 0.25)
    # every (seed, supervisor) unit differs by exactly 0.1 of accuracy: the paired interval cannot be wider than
    # the gap's spread makes it, and it excludes zero
    assert 0 < table.loc["better", "delta_lo"] <= 0.4 <= table.loc["better", "delta_hi"]
    assert table.loc["better", "verdict"] == "better"
    assert table.loc["naive", "delta"] == 0
    assert table.index.tolist() == ["better", "naive"]  # sorted by PGR
    text = format_table(table.reset_index())
    assert "better  0.64 [" in text and "baseline" in text


def test_one_seed_has_no_seed_interval():
    table = method_table(_rows().query("seed == 0"), n=100).set_index("method")
    assert np.isnan(table.loc["better", "pgr_lo"])
    assert np.isfinite(table.loc["better", "delta_lo"])  # two supervisors: two paired units


def _hard(ctx):
    return np.ones(len(ctx.p1), bool), (ctx.p1 > 0.5).astype(np.float32)


@pytest.mark.slow
def test_a_toy_method_runs_through_w2s_compare_at_smoke_scale(tmp_path, capsys):
    from w2s_lib.cli.main import main

    methods.register_transform("toy-hard", _hard)
    methods.register(
        methods.Method(
            "toy-hard",
            "labels",
            "this test",
            "hardened weak labels",
            lambda n, lad: methods.with_transform(n, "toy-hard"),
        )
    )
    try:
        assert main(["compare", "--preset", "smoke", "--methods", "toy-hard", "--out", str(tmp_path), "--quiet"]) == 0
    finally:
        methods.unregister("toy-hard")
    out = capsys.readouterr().out
    assert "toy-hard" in out and "naive" in out
    table = pd.read_csv(tmp_path / "table.csv")
    assert set(table["method"]) == {"naive", "toy-hard"} and set(table["student"]) == {"tiny-2", "tiny-3"}
    rows = pd.read_csv(tmp_path / "rows.csv")
    assert len(rows) == 2 * 3  # two methods x the three (supervisor, student) pairs of one seed
    assert (tmp_path / "methods_comparison_smoke.png").is_file()


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    from w2s_lib.cli.main import main

    out = tmp_path / "out"
    assert main(["compare", "--methods", "nope", "--out", str(out)]) == 2
    assert "registered: naive" in capsys.readouterr().err
    assert main(["compare", "--preset", "huge", "--out", str(out)]) == 2
    assert "valid: smoke, laptop, paper" in capsys.readouterr().err
    assert not out.exists()
