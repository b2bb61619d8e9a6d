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


def _gpt2_runs() -> pd.DataFrame:
    """Ceilings of the three GPT-2 students and bootstrap chains into gpt2-xl from gpt2 and gpt2-medium."""
    rows = [
        dict(role="ceiling", series="ceiling", model=m, weak_model=None, test_acc=acc, pgr=float("nan"))
        for m, acc in (("gpt2-medium", 0.2), ("gpt2-large", 0.3), ("gpt2-xl", 0.4))
    ]
    rows += [
        dict(role="w2s", series="bootstrap", model="gpt2-xl", weak_model=w, test_acc=0.3, pgr=p)
        for w, p in (("gpt2", 0.1), ("gpt2", 0.2), ("gpt2-medium", 0.6))
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
    assert figures.mid_size_bootstrap_pgr(df, "gpt2-xl") == pytest.approx(0.6)  # not the mean 0.3 of all chains
    only_weakest = df[df["weak_model"] != "gpt2-medium"]
    assert np.isnan(figures.mid_size_bootstrap_pgr(only_weakest, "gpt2-xl"))
