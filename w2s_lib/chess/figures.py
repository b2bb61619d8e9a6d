"""The chess figures' drawing and tables: positions (Fig. 14) and easy-to-hard generalization (Figs. 19-20).

Matplotlib only, in the one style of ``w2s_lib.plotting`` (accuracies in percent, models on the x axis by
size); nothing here changes global state.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from w2s_lib.models.presets import model_order
from w2s_lib.plotting import by_size, plt

_GLYPHS = dict(zip("KQRBNPkqrbnp", "♔♕♖♗♘♙♚♛♜♝♞♟"))  # U+2654-265F, in matplotlib's DejaVu Sans
_LIGHT, _DARK, _MARK = "#f0d9b5", "#b58863", "#e8c547"


def ceilings_by_size(df: pd.DataFrame) -> pd.Series:
    """Each model's mean ground-truth ceiling accuracy, weakest to strongest by size (as names,
    "gpt2-large" sorts before "gpt2-medium", so a groupby's order is not the models' order)."""
    ceil = df[df["role"] == "ceiling"].groupby("model")["test_acc"].mean()
    return ceil.reindex(model_order(list(ceil.index)))


def pgr_by_pair(df: pd.DataFrame, series: str = "naive") -> pd.DataFrame:
    """One series' PGR per (supervisor, student) as ``results.pgr_table`` computes it (paper §3, p. 6): from the
    seed-averaged accuracies, nan where the mean ceiling is not above the supervisor (``excluded``). Columns
    ``weak_model``, ``strong_model``, ``weak_acc``, ``w2s_acc``, ``strong_acc``, ``pgr``, ``excluded``, ..."""
    from w2s_lib.core.results import pgr_table

    table = pgr_table(df[df["series"] == series])
    if table.empty:
        return pd.DataFrame(columns=["weak_model", "strong_model", "weak_acc", "w2s_acc", "strong_acc", "pgr"])
    return table


def mid_size_bootstrap_pgr(df: pd.DataFrame, strong: str) -> float:
    """Mean PGR of the bootstrap chains into ``strong`` whose first supervisor is mid-size: not the weakest
    model of the runs (Fig. 4b's middle curves), each chain's PGR from seed-averaged accuracies
    (``pgr_by_pair``). NaN when there is none: three models make one chain, from the weakest."""
    boot = _chain_ends(df, strong)
    weakest = model_order(sorted(set(df["model"]) | set(df["weak_model"].dropna())))[0]
    mid = boot.loc[boot["weak_model"] != weakest, "pgr"].dropna()
    return float(mid.mean()) if len(mid) else float("nan")


def _chain_ends(df: pd.DataFrame, strong: str) -> pd.DataFrame:
    """``pgr_by_pair`` of the bootstrap chains whose last step is ``strong`` (not a step on the way to a larger one)."""
    boot = df[df["series"] == "bootstrap"]
    last = boot["bootstrap_step"] == boot.groupby("weak_model")["bootstrap_step"].transform("max")
    return pgr_by_pair(boot[last & (boot["model"] == strong)], "bootstrap")


def agreement_by_pair(df: pd.DataFrame, series: str = "naive") -> pd.DataFrame:
    """Fig. 15c's numbers: per (supervisor, student) of one series, the seed-mean agreement of student and
    supervisor on all test puzzles, on those the supervisor got right and on its mistakes."""
    cols = [c for c in ("agreement_all", "agreement_supervisor_right", "agreement_supervisor_wrong") if c in df]
    sub = df[(df["series"] == series) & (df["role"] == "w2s")]
    out = sub.groupby(["weak_model", "model"], as_index=False)[cols].mean()
    return out.rename(columns={"model": "strong_model"})


def change_with_student(table: pd.DataFrame, value: str, order: list[str]) -> pd.Series:
    """Per supervisor (``weak_model``) with ``value`` finite for at least two students: ``value`` at its largest
    student minus at its smallest, students ranked by ``order`` (the models, weakest first; so names need no
    preset). Negative: ``value`` falls as the student grows (Fig. 3e's PGR, Fig. 15c's agreement)."""
    rank = {m: i for i, m in enumerate(order)}
    out = {}
    for weak, g in table.dropna(subset=[value]).groupby("weak_model", sort=False):
        g = g.sort_values("strong_model", key=lambda s: s.map(rank))
        if len(g) >= 2:
            out[weak] = float(g[value].iloc[-1] - g[value].iloc[0])
    return pd.Series(out, dtype=float, name=value)


def bootstrap_gain(df: pd.DataFrame, strong: str) -> pd.Series:
    """Per supervisor with a bootstrap chain into ``strong``: the chain's PGR minus the naive pair's (both from
    seed-averaged accuracies, ``pgr_by_pair``). Positive: bootstrapping recovered more of the gap (Fig. 4b)."""
    boot, naive = _chain_ends(df, strong), pgr_by_pair(df, "naive")
    b = boot.set_index("weak_model")["pgr"]
    n = naive[naive["strong_model"] == strong].set_index("weak_model")["pgr"]
    return (b - n.reindex(b.index)).rename("pgr_gain")


def chain_accuracies(df: pd.DataFrame) -> pd.DataFrame:
    """Fig. 4a's squares: per bootstrap chain (its first supervisor, ``weak_model``), each step's test accuracy,
    seeds averaged, in the order of the steps (``bootstrap_step`` 0 is the first student)."""
    boot = df[df["series"] == "bootstrap"]
    out = boot.groupby(["weak_model", "bootstrap_step", "model"], as_index=False)["test_acc"].mean()
    return out.sort_values(["weak_model", "bootstrap_step"]).reset_index(drop=True)


def monotone_chains(df: pd.DataFrame) -> pd.Series:
    """Per bootstrap chain: True when its accuracy never falls from one step to the next (§4.3.1: with
    bootstrapping, accuracy keeps rising as the student grows)."""
    steps = chain_accuracies(df)
    return steps.groupby("weak_model")["test_acc"].agg(lambda a: bool((np.diff(a.to_numpy()) >= 0).all()))


def draw_board(ax, board, *, highlight=(), title: str | None = None):
    """A position with White at the bottom; ``highlight`` squares (python-chess square indices) shaded."""
    for sq in range(64):
        f, r = sq % 8, sq // 8
        color = _MARK if sq in highlight else (_LIGHT if (f + r) % 2 else _DARK)
        ax.add_patch(plt.Rectangle((f, r), 1, 1, color=color, lw=0))
        piece = board.piece_at(sq)
        if piece is not None:
            ax.text(
                f + 0.5,
                r + 0.47,
                _GLYPHS[piece.symbol()],
                ha="center",
                va="center",
                fontsize=19,
                family="DejaVu Sans",
                gid=f"piece|{'abcdefgh'[f]}{r + 1}|{piece.symbol()}",
            )
    ax.set_xlim(0, 8)
    ax.set_ylim(0, 8)
    ax.set_aspect("equal")
    ax.set_xticks(np.arange(8) + 0.5, list("abcdefgh"))
    ax.set_yticks(np.arange(8) + 0.5, [str(i) for i in range(1, 9)])
    ax.tick_params(length=0)
    if title:
        ax.set_title(title, fontsize="small")
    return ax


def draw_puzzle(ax, puzzle: dict):
    """Fig. 14: the puzzle's position, the answer's squares highlighted, its Elo and answer as the title."""
    from w2s_lib.chess.data import board_of

    board = board_of(puzzle["ctx"])
    move = board.parse_san(puzzle["target"].strip())
    side = "White" if board.turn else "Black"
    return draw_board(
        ax,
        board,
        highlight=(move.from_square, move.to_square),
        title=f"Elo {puzzle['elo']}: {side} to play, answer{puzzle['target']}",
    )


def nearest_elo(puzzles: list[dict], elo: int) -> dict:
    """The puzzle whose Elo is closest to ``elo`` (the first such, so the choice is reproducible)."""
    return min(puzzles, key=lambda p: abs(p["elo"] - elo))


# ---------------------------------------------------------------------------- easy-to-hard


def easy_vs_all(runs: pd.DataFrame) -> pd.DataFrame:
    """Fig. 19's points: per model and seed, each easy cutoff's (and zero-shot's) accuracy on all test
    puzzles and on the hard ones, beside the same model trained on all puzzles."""
    keys = ["model", "seed"]
    base = runs.loc[runs["trained_on"] == "all", keys + ["test_acc", "acc_hard"]]
    other = runs[runs["trained_on"].str.startswith("easy") | (runs["trained_on"] == "zero-shot")]
    out = other.merge(base, on=keys, how="left", suffixes=("", "_all"))
    return out[keys + ["trained_on", "test_acc", "test_acc_all", "acc_hard", "acc_hard_all"]].reset_index(drop=True)


def plot_easy_vs_all(table: pd.DataFrame, ax, metric: str = "test_acc"):
    """Fig. 19: y = trained easy (or zero-shot), x = trained on all, one colour per cutoff, y = x dashed."""
    series = sorted(table["trained_on"].unique(), key=lambda s: (s == "zero-shot", s))
    colors = dict(zip(series, plt.get_cmap("viridis")(np.linspace(0.1, 0.9, max(len(series), 1)))))
    for s in series:
        g = table[table["trained_on"] == s]
        ax.scatter(
            100 * g[f"{metric}_all"],
            100 * g[metric],
            label=s,
            gid=f"e2h|{s}",
            color="grey" if s == "zero-shot" else colors[s],
            marker="x" if s == "zero-shot" else "o",
        )
    hi = 100 * max(table[[metric, f"{metric}_all"]].max().max(), 0.01)
    ax.plot([0, hi], [0, hi], ls="--", color="black", lw=0.8)
    ax.set_xlabel("trained on all puzzles (%)")
    ax.set_ylabel("trained on easy puzzles (%)")
    ax.legend(fontsize="x-small", title="training puzzles")
    return ax


def easy_minus_zero_shot(runs: pd.DataFrame) -> dict:
    """Claim 17's comparison (App. C.1, Figs. 19-20): easy-trained accuracy minus the same model's zero-shot
    accuracy, per (model, seed, cutoff), averaged, on all test puzzles ("all") and on the hard ones ("hard");
    also the mean zero-shot accuracies ("zero_all", "zero_hard"), fractions throughout."""
    keys = ["model", "seed"]
    zero = runs.loc[runs["trained_on"] == "zero-shot", keys + ["test_acc", "acc_hard"]]
    easy = runs[runs["trained_on"].str.startswith("easy")].merge(zero, on=keys, suffixes=("", "_zero"))
    return {
        "all": float((easy["test_acc"] - easy["test_acc_zero"]).mean()),
        "hard": float((easy["acc_hard"] - easy["acc_hard_zero"]).mean()),
        "zero_all": float(zero["test_acc"].mean()),
        "zero_hard": float(zero["acc_hard"].mean()),
    }


def plot_fig20(by_elo: pd.DataFrame, cutoffs):
    """Fig. 20 (p. 37): one row of panels per easy cutoff, (a) the first (the paper: Elo <= 1200), (b) the next
    (<= 900), ...; in each row one axis per model by size (``plot_accuracy_by_elo``). Returns (figure, axes)."""
    models = by_size(by_elo["model"].unique())
    fig, axes = plt.subplots(
        len(cutoffs), len(models), figsize=(4 * len(models), 3.4 * len(cutoffs)), sharey=True, squeeze=False
    )
    for row, (panel, cutoff) in zip(axes, zip("abcdefghij", cutoffs)):
        plot_accuracy_by_elo(by_elo, row, f"easy<={cutoff}")
        for ax, model in zip(row, models):
            ax.set_title(f"({panel}) {model}, easy: Elo ≤ {cutoff}", fontsize="small")
    fig.tight_layout()
    return fig, axes


def plot_accuracy_by_elo(by_elo: pd.DataFrame, axes, easy: str):
    """Fig. 20: per model (one axis each, by size), accuracy against puzzle Elo for training on ``easy``
    (e.g. "easy<=1200"), on all, on hard puzzles, and zero-shot."""
    if easy not in set(by_elo["trained_on"]):
        raise ValueError(f"no runs trained on {easy!r}; valid: {', '.join(sorted(set(by_elo['trained_on'])))}")
    hard = sorted(s for s in set(by_elo["trained_on"]) if s.startswith("hard"))
    styles = {easy: ("C0", "o"), "all": ("black", "s"), **{h: ("C3", "^") for h in hard}, "zero-shot": ("grey", "x")}
    models = by_size(by_elo["model"].unique())
    for ax, model in zip(np.ravel(axes), models):
        for series, (color, marker) in styles.items():
            g = by_elo[(by_elo["model"] == model) & (by_elo["trained_on"] == series)]
            if not g.empty:
                m = g.groupby("elo_bin")["accuracy"].mean()
                ax.plot(m.index, 100 * m, color=color, marker=marker, label=series, gid=f"elo|{model}|{series}")
        ax.set_title(model, fontsize="small")
        ax.set_xlabel("puzzle Elo")
    np.ravel(axes)[0].set_ylabel("test accuracy (%)")
    np.ravel(axes)[0].legend(fontsize="x-small")
    return axes
