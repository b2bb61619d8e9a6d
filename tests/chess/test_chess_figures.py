"""The chess figures' helpers: board drawing (Fig. 14) and the easy-to-hard tables and plots (Figs. 19-20)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from w2s_lib.chess import figures
from w2s_lib.chess.data import board_of


def _pieces(ax) -> dict:
    return {
        t.get_gid().split("|")[1]: t.get_gid().split("|")[2]
        for t in ax.texts
        if (t.get_gid() or "").startswith("piece|")
    }


def test_draw_board_puts_each_piece_on_its_square():
    fig, ax = figures.plt.subplots()
    figures.draw_board(ax, board_of("1. e4 1... Nf6 2."))
    pieces = _pieces(ax)
    assert len(pieces) == 32 and pieces["e4"] == "P" and "e2" not in pieces and pieces["f6"] == "n"
    assert pieces["e1"] == "K" and pieces["d8"] == "q" and "g8" not in pieces
    glyph = [t.get_text() for t in ax.texts if t.get_gid() == "piece|e1|K"]
    assert glyph == ["♔"]
    figures.plt.close(fig)


def test_draw_puzzle_highlights_the_answer_squares():
    fig, ax = figures.plt.subplots()
    figures.draw_puzzle(ax, {"ctx": "1. e4 1... e5 2.", "target": " Nf3", "elo": 700})
    marked = {
        (int(p.get_x()), int(p.get_y()))
        for p in ax.patches
        if matplotlib.colors.to_hex(p.get_facecolor()) == figures._MARK
    }
    assert marked == {(6, 0), (5, 2)}  # g1 and f3
    assert "answer Nf3" in ax.get_title() and "White" in ax.get_title()
    figures.plt.close(fig)


def _runs():
    rows = []
    for model, base in (("tiny-1", 0.2), ("tiny-2", 0.4)):
        rows += [
            dict(model=model, seed=0, trained_on="all", test_acc=base, acc_hard=base / 2),
            dict(model=model, seed=0, trained_on="easy<=1000", test_acc=base - 0.1, acc_hard=0.01),
            dict(model=model, seed=0, trained_on="hard>=2000", test_acc=0.05, acc_hard=0.3),
            dict(model=model, seed=0, trained_on="zero-shot", test_acc=0.0, acc_hard=0.0),
        ]
    return pd.DataFrame(rows)


def test_easy_vs_all_pairs_each_easy_run_with_its_models_all_run():
    t = figures.easy_vs_all(_runs())
    assert len(t) == 4 and set(t["trained_on"]) == {"easy<=1000", "zero-shot"}
    row = t[(t["model"] == "tiny-2") & (t["trained_on"] == "easy<=1000")].iloc[0]
    assert row["test_acc"] == pytest.approx(0.3) and row["test_acc_all"] == 0.4 and row["acc_hard_all"] == 0.2


def test_plots_draw_every_series_and_refuse_an_unknown_cutoff():
    fig, ax = figures.plt.subplots()
    figures.plot_easy_vs_all(figures.easy_vs_all(_runs()), ax)
    assert sorted(c.get_gid() for c in ax.collections) == ["e2h|easy<=1000", "e2h|zero-shot"]
    by_elo = pd.DataFrame(
        [
            dict(model=m, trained_on=s, elo_bin=b, accuracy=0.5)
            for m in ("tiny-1", "tiny-2")
            for s in ("all", "easy<=1000", "hard>=2000", "zero-shot")
            for b in (500, 1000)
        ]
    )
    fig2, axes = figures.plt.subplots(1, 2)
    figures.plot_accuracy_by_elo(by_elo, axes, "easy<=1000")
    assert len([ln for ln in axes[1].lines if (ln.get_gid() or "").startswith("elo|tiny-2|")]) == 4
    with pytest.raises(ValueError, match="no runs trained on 'easy<=900'; valid: all, easy<=1000"):
        figures.plot_accuracy_by_elo(by_elo, axes, "easy<=900")
    figures.plt.close("all")


def _row(series, weak, strong, weak_acc, acc, strong_acc, *, seed=0, step=None, via=None, wrong=None):
    """One chess results row (``protocol.results``' columns) of a student trained on ``weak``'s moves."""
    return dict(
        task="synth",
        role="w2s",
        series=series,
        loss={"naive": "xent", "bootstrap": "bootstrap"}[series],
        weak_model=weak,
        via=via,
        model=strong,
        seed=seed,
        bootstrap_step=step,
        weak_acc=weak_acc,
        test_acc=acc,
        strong_acc=strong_acc,
        agreement_supervisor_wrong=wrong,
    )


def _gpt2_runs() -> pd.DataFrame:
    """Ceilings of the three GPT-2 students and bootstrap chains into gpt2-xl from gpt2 and gpt2-medium."""
    rows = [
        dict(role="ceiling", series="ceiling", model=m, weak_model=None, test_acc=acc, pgr=float("nan"))
        for m, acc in (("gpt2-medium", 0.2), ("gpt2-large", 0.3), ("gpt2-xl", 0.6))
    ]
    rows += [  # gpt2's chain, two seeds: PGR 1/7 and 1/2 per seed, 0.25 from the seed means (0.2, 0.3, 0.6)
        _row("bootstrap", "gpt2", "gpt2-xl", 0.2, 0.25, 0.55, step=1, via="gpt2-large", seed=0),
        _row("bootstrap", "gpt2", "gpt2-xl", 0.2, 0.35, 0.65, step=1, via="gpt2-large", seed=1),
        _row("bootstrap", "gpt2-medium", "gpt2-xl", 0.3, 0.48, 0.6, step=0),  # PGR 0.6
    ]
    return pd.DataFrame(rows)


def test_ceilings_are_ordered_by_size_not_by_name():
    df = _gpt2_runs()
    by_name = df[df["role"] == "ceiling"].groupby("model")["test_acc"].mean()
    assert by_name.index[0] == "gpt2-large"  # what the notebook's "smallest student" row read before
    ceil = figures.ceilings_by_size(df)
    assert list(ceil.index) == ["gpt2-medium", "gpt2-large", "gpt2-xl"] and ceil.iloc[0] == 0.2


def test_mid_size_bootstrap_pgr_leaves_out_the_weakest_supervisors_chains():
    df = _gpt2_runs()
    assert figures.mid_size_bootstrap_pgr(df, "gpt2-xl") == pytest.approx(0.6)  # not 0.425 with gpt2's chain
    only_weakest = df[df["weak_model"] != "gpt2-medium"]
    assert np.isnan(figures.mid_size_bootstrap_pgr(only_weakest, "gpt2-xl"))


def _naive_and_chains() -> pd.DataFrame:
    """Naive pairs (two seeds for gpt2 -> gpt2-medium, one pair with no gap) and two bootstrap chains."""
    return pd.DataFrame(
        [
            # seed PGRs 1.0 and 0.25 (mean 0.625); from the seed-averaged accuracies (0.2, 0.3, 0.45): 0.4
            _row("naive", "gpt2", "gpt2-medium", 0.2, 0.3, 0.3, seed=0, wrong=0.8),
            _row("naive", "gpt2", "gpt2-medium", 0.2, 0.3, 0.6, seed=1, wrong=0.6),
            _row("naive", "gpt2", "gpt2-large", 0.2, 0.25, 0.7, wrong=0.5),  # PGR 0.1
            _row("naive", "gpt2-medium", "gpt2-large", 0.4, 0.5, 0.7, wrong=0.9),  # PGR 1/3
            _row("naive", "gpt2-medium", "gpt2-xl", 0.4, 0.45, 0.35, wrong=0.2),  # ceiling below: excluded
            _row("bootstrap", "gpt2", "gpt2-medium", 0.2, 0.3, 0.45, step=0),
            _row("bootstrap", "gpt2", "gpt2-large", 0.2, 0.45, 0.7, step=1, via="gpt2-medium"),  # PGR 0.5
            _row("bootstrap", "gpt2-medium", "gpt2-large", 0.4, 0.5, 0.7, step=0),
            _row("bootstrap", "gpt2-medium", "gpt2-xl", 0.4, 0.4, 0.35, step=1, via="gpt2-large"),  # falls
        ]
    )


def test_pgr_by_pair_averages_seeds_first_and_leaves_pairs_without_a_gap_undefined():
    t = figures.pgr_by_pair(_naive_and_chains()).set_index(["weak_model", "strong_model"])
    assert t.loc[("gpt2", "gpt2-medium"), "pgr"] == pytest.approx(0.4)  # not the seed PGRs' mean 0.625
    assert t.loc[("gpt2", "gpt2-large"), "pgr"] == pytest.approx(0.1)
    assert t.loc[("gpt2-medium", "gpt2-xl"), "excluded"] and np.isnan(t.loc[("gpt2-medium", "gpt2-xl"), "pgr"])
    assert figures.pgr_by_pair(_naive_and_chains(), "ceiling").empty


def test_changes_with_the_student_gains_of_bootstrapping_and_monotone_chains():
    df, order = _naive_and_chains(), ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"]
    trend = figures.change_with_student(figures.pgr_by_pair(df), "pgr", order)
    assert trend.to_dict() == pytest.approx({"gpt2": 0.1 - 0.4})  # gpt2-medium has one student with a PGR
    agree = figures.agreement_by_pair(df).set_index(["weak_model", "strong_model"])
    assert agree.loc[("gpt2", "gpt2-medium"), "agreement_supervisor_wrong"] == pytest.approx(0.7)
    wrong = figures.change_with_student(agree.reset_index(), "agreement_supervisor_wrong", order)
    assert wrong.to_dict() == pytest.approx({"gpt2": 0.5 - 0.7, "gpt2-medium": 0.2 - 0.9})
    # ranked by the given order, not by name: reversed, the change flips sign
    assert figures.change_with_student(figures.pgr_by_pair(df), "pgr", order[::-1])["gpt2"] == pytest.approx(0.3)
    assert figures.bootstrap_gain(df, "gpt2-large").to_dict() == pytest.approx({"gpt2": 0.5 - 0.1})
    steps = figures.chain_accuracies(df)
    assert list(steps.loc[steps["weak_model"] == "gpt2", "model"]) == ["gpt2-medium", "gpt2-large"]
    assert figures.monotone_chains(df).to_dict() == {"gpt2": True, "gpt2-medium": False}


def test_easy_minus_zero_shot_on_all_and_hard_puzzles():
    runs = pd.DataFrame(
        [
            dict(model=m, seed=0, trained_on=t, test_acc=a, acc_hard=h)
            for m, t, a, h in (
                ("tiny-1", "zero-shot", 0.1, 0.05),
                ("tiny-1", "easy<=1000", 0.3, 0.05),
                ("tiny-1", "easy<=1500", 0.4, 0.0),
                ("tiny-1", "all", 0.9, 0.9),
                ("tiny-2", "zero-shot", 0.2, 0.1),
                ("tiny-2", "easy<=1000", 0.2, 0.2),
            )
        ]
    )
    got = figures.easy_minus_zero_shot(runs)
    assert got["all"] == pytest.approx((0.2 + 0.3 + 0.0) / 3) and got["hard"] == pytest.approx((0 - 0.05 + 0.1) / 3)
    assert got["zero_all"] == pytest.approx(0.15) and got["zero_hard"] == pytest.approx(0.075)


def test_fig20_draws_one_row_of_panels_per_cutoff():
    by_elo = pd.DataFrame(
        [
            dict(model=m, trained_on=s, elo_bin=b, accuracy=0.5)
            for m in ("tiny-2", "tiny-1")
            for s in ("all", "easy<=900", "easy<=1200", "hard>=2000", "zero-shot")
            for b in (500, 1000)
        ]
    )
    fig, axes = figures.plot_fig20(by_elo, [1200, 900])
    assert axes.shape == (2, 2)
    assert [ax.get_title() for ax in axes[:, 0]] == ["(a) tiny-1, easy: Elo ≤ 1200", "(b) tiny-1, easy: Elo ≤ 900"]
    for row, easy in zip(axes, ("easy<=1200", "easy<=900")):
        for ax, model in zip(row, ("tiny-1", "tiny-2")):
            gids = {ln.get_gid() for ln in ax.lines}
            assert gids == {f"elo|{model}|{s}" for s in (easy, "all", "hard>=2000", "zero-shot")}
    with pytest.raises(ValueError, match="no runs trained on 'easy<=800'"):
        figures.plot_fig20(by_elo, [1200, 800])
    figures.plt.close("all")
