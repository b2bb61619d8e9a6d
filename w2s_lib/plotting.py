"""The one plotting style of the notebooks: the paper's visual conventions, applied to our tidy results.

Conventions kept from the paper (Burns et al. 2023, Figs. 3, 5, 8): x = strong student size on a log
axis (we use parameter counts, the paper uses compute); hue = weak supervisor size, light (small) to
dark (large); black = ceiling trained on ground truth; dotted + circles = naive training (``xent``);
solid + triangles = auxiliary confidence loss (``logconf``). Accuracies, PGR and agreement are drawn in
percent, the paper's unit, so its numbers (``w2s_lib.reference``) overlay directly.

Plot functions take the tidy table of ``results.collect`` (fractions, one row per run and seed) and
let seaborn average over seeds, with standard-error bars. With several tasks they first average seeds
within each task, then take the median across tasks, as the paper does for NLP.

Importing this module changes no global state; call ``style()`` to apply the theme.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator

from w2s_lib.core.cache import atomic_write, write_json
from w2s_lib.core.metrics import pgr

# line style and marker of each loss (paper: dotted circles naive, triangles confidence loss,
# squares bootstrapping, pentagons generative finetuning); unlisted losses get a solid line with diamonds
LOSS_STYLES = {
    "xent": dict(linestyle=":", marker="o", label="naive"),
    "logconf": dict(linestyle="-", marker="^", label="aux. conf. loss"),
    "product": dict(linestyle="--", marker="s", label="product loss"),
    # not a loss: the paper's pentagons for generative finetuning (Figs. 10, 17, 18); notebooks label such runs so
    "genft": dict(linestyle="-", marker="p", label="generative finetuning"),
    # not a loss either: bootstrapped runs (variant "bootstrap"), squares as in the paper's Fig. 4
    "bootstrap": dict(linestyle="-", marker="s", label="bootstrapping"),
}
_OTHER_LOSS = dict(linestyle="-", marker="D")
# Fig. 2 bar colours: weak light grey, naive green, best method purple, ceiling dark grey
BAR_COLORS = {
    "weak": "#c7c7c7",
    "naive": "#5aae61",
    "best_method": "#7b3294",
    "best": "#7b3294",
    "conf_loss": "#7b3294",
    "ceiling": "#404040",
}
CEILING_COLOR = "black"
PAPER_COLOR = "#555555"
STAMP_GID = "w2s-preset-stamp"
_RC = {
    "axes.titlesize": "medium",
    "legend.fontsize": "small",
    "legend.title_fontsize": "small",
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,  # embed TrueType so text stays editable in the PDF
    "ps.fonttype": 42,
    "lines.markersize": 5,
}


class _Style(contextlib.AbstractContextManager):
    def __init__(self, rc_context):
        self._ctx = rc_context

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def style(context: str = "notebook", font_scale: float = 0.9) -> contextlib.AbstractContextManager:
    """Apply the project theme (seaborn whitegrid + our rc); as ``with style():`` it is undone on exit.

    Called plainly it stays applied, which is what a notebook wants after its imports.
    """
    ctx = mpl.rc_context()
    ctx.__enter__()
    sns.set_theme(context=context, style="whitegrid", font_scale=font_scale, rc=_RC)
    return _Style(ctx)


# ---------------------------------------------------------------------------------------------
# Model sizes, x axis and colours


def model_x(model: str) -> float:
    """Parameter count of a model (``models.param_count``: a preset's, or counted from a Hub model's or a
    folder's config): the x coordinate of every size axis."""
    from w2s_lib.models.loading import param_count

    return param_count(model)


def by_size(models) -> list[str]:
    """Unique models, smallest first (ties keep the given order)."""
    uniq = list(dict.fromkeys(models))
    return sorted(uniq, key=model_x)


def weak_palette(models: list[str]) -> dict[str, str]:
    """Colour per weak supervisor, light (smallest) to dark (largest) along viridis.

    Depends only on the set of names, so every figure of a notebook colours a supervisor alike.
    """
    order = by_size(models)
    cmap = mpl.colormaps["viridis"]
    stops = [0.5] if len(order) == 1 else np.linspace(0.85, 0.1, len(order))  # skip the pale yellow end
    return {m: mpl.colors.to_hex(cmap(s)) for m, s in zip(order, stops)}


def format_params(n: float) -> str:
    """20k, 124M, 1.6B: short tick labels for parameter counts."""
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            v = n / div
            return f"{v:.2g}{unit}" if v < 10 else f"{v:.0f}{unit}"
    return f"{n:.0f}"


def format_model_axis(ax, models, *, names: bool = True, label: str = "strong student parameters") -> None:
    """Log x axis with a tick at each model's size, labelled with its name and size ("mpnet-base\n110M").
    Labels that would touch their neighbour drop a row (``stagger_tick_labels``): sizes like 110M and 134M
    sit close on a log axis."""
    order = by_size(models)
    xs = [model_x(m) for m in order]
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(label)
    if not xs:
        return
    ax.set_xlim(min(xs) / 1.5, max(xs) * 1.5)
    labels = [f"{m}\n{format_params(x)}" if names else format_params(x) for m, x in zip(order, xs)]
    ax.set_xticks(xs, labels=labels)
    stagger_tick_labels(ax)


def stagger_tick_labels(ax, gap_pt: float = 4.0) -> None:
    """Move x tick labels down a row where they would overlap a neighbour at the axis's current width.

    Widths are the labels' text extents (``TextPath``, no drawing needed); each label takes the highest row
    on which it clears every label already placed there by ``gap_pt`` points."""
    from matplotlib.textpath import TextPath

    fig = ax.figure
    ticks = ax.xaxis.get_major_ticks()
    locs = ax.get_xticks()
    if len(locs) < 2 or fig is None:
        return
    scale = math.log if ax.get_xscale() == "log" else float
    lo, hi = (scale(v) for v in ax.get_xlim())
    width_pt = ax.get_position().width * fig.get_figwidth() * 72
    rows: list[list[tuple[float, float]]] = []
    for tick, loc in zip(ticks, locs):
        text = tick.label1
        size = text.get_fontsize()
        half = max(TextPath((0, 0), line, size=size).get_extents().width for line in text.get_text().split("\n")) / 2
        x = (scale(loc) - lo) / (hi - lo) * width_pt
        row = next((i for i, r in enumerate(rows) if all(abs(x - x2) >= half + h2 + gap_pt for x2, h2 in r)), len(rows))
        if row == len(rows):
            rows.append([])
        rows[row].append((x, half))
        lines = text.get_text().count("\n") + 1
        tick.set_pad(mpl.rcParams["xtick.major.pad"] + row * lines * size * 1.25)


def place_legends(fig) -> None:
    """Legends go to the right of their row of panels, where they cover no data: a legend of a panel that is
    not the last of its row moves to the last one (when that one has none of its own), and every moved or
    last-column legend sits outside the panel's right edge."""
    for ax in fig.axes:
        legend = ax.get_legend()
        spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
        if legend is None or spec is None:
            continue
        row_axes = [a for a in fig.axes if hasattr(a, "get_subplotspec") and a.get_subplotspec() is not None
                    and a.get_subplotspec().rowspan == spec.rowspan and a.get_visible()]  # fmt: skip
        last = max(row_axes, key=lambda a: a.get_subplotspec().colspan.stop)
        target = ax if last is ax else (last if last.get_legend() is None else None)
        if target is None:
            continue
        handles, title = legend.legend_handles, legend.get_title().get_text() or None
        labels = [t.get_text() for t in legend.get_texts()]
        legend.remove()
        target.legend(handles, labels, title=title, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)


# ---------------------------------------------------------------------------------------------
# Data preparation


def seed_summary(df: pd.DataFrame, value: str, by=("task", "weak_model", "model", "loss")) -> pd.DataFrame:
    """Mean, standard error and number of seeds of ``value`` per group: the numbers a figure shows."""
    by = [c for c in by if c in df.columns and df[c].notna().any()]
    g = df.groupby(by, sort=True, dropna=False)[value]
    out = g.agg(mean="mean", sem="sem", n_seeds="count").reset_index()
    return out.rename(columns={"mean": value, "sem": f"{value}_sem"})


# PGR columns and the student accuracy each is computed from (results.collect)
PGR_OF = {"pgr": "test_acc", "pgr_last": "test_acc_last", "pgr_oracle": "test_acc_oracle"}


def _prepare(df: pd.DataFrame, role: str, value: str, losses=None, task=None) -> tuple[pd.DataFrame, dict]:
    """Rows of one role with x and the value in percent, plus the seaborn kwargs for the aggregation."""
    sub = df[df["role"] == role]
    if task is not None:
        sub = sub[sub["task"] == task]
    if losses is not None and role == "w2s":
        sub = sub[sub["loss"].isin(losses)]
    accs = ["weak_acc", PGR_OF.get(value, ""), "strong_acc"]
    many_tasks = sub["task"].nunique() > 1
    if many_tasks and value in PGR_OF and set(accs) <= set(sub.columns):
        sub = sub[sub[accs].notna().all(axis=1)].copy()  # a seed whose own gap is <= 0 still counts
    else:
        sub = sub[sub[value].notna()].copy()
    if sub.empty:
        raise ValueError(f"no {role} rows with {value!r}" + (f" for task {task!r}" if task else ""))
    agg = dict(estimator="mean", errorbar="se", err_style="bars")
    if many_tasks:  # average seeds per task, then the paper's median across tasks
        keys = [c for c in ("task", "weak_model", "model", "loss") if sub[c].notna().any()]
        if value in PGR_OF and set(accs) <= set(sub.columns):  # PGR of the seed-averaged accuracies
            sub = sub.groupby(keys, as_index=False)[accs].mean()
            sub[value] = [pgr(*a) for a in sub[accs].itertuples(index=False)]
            sub = sub[sub[value].notna()]  # pairs without a gap leave the median (results.median_pgr)
        else:
            sub = sub.groupby(keys, as_index=False)[value].mean()
        agg = dict(estimator="median", errorbar=None)
    sub["x"] = sub["model"].map(model_x)
    sub["y"] = 100 * sub[value]
    return sub, agg


def _loss_style(loss: str) -> dict:
    return LOSS_STYLES.get(loss, {**_OTHER_LOSS, "label": loss})


def _lines_by_supervisor(ax, sub, agg, palette, losses) -> None:
    """One line per (loss, weak supervisor): colour = supervisor, line style and marker = loss."""
    for loss in losses:
        st = _loss_style(loss)
        part = sub[sub["loss"] == loss]
        if part.empty:
            continue
        hue_order = [m for m in palette if m in set(part["weak_model"])]
        n0 = len(ax.lines)
        sns.lineplot(data=part, x="x", y="y", hue="weak_model", hue_order=hue_order, palette=palette, ax=ax,
                     linestyle=st["linestyle"], marker=st["marker"], markersize=6.5, legend=False, **agg)  # fmt: skip
        _tag_lines(ax.lines[n0:], {c: f"w2s|{m}|{loss}" for m, c in palette.items()})


def _tag_lines(lines, gid_by_color: dict) -> None:
    """Give each drawn curve a gid (``w2s|<weak>|<loss>``, ``ceiling``) and seaborn's error-bar stubs
    ``errorbar``, so tests and notebooks can find a curve without relying on draw order."""
    for line in lines:
        visible = line.get_linestyle() not in ("None", "", " ")
        line.set_gid(gid_by_color.get(mpl.colors.to_hex(line.get_color()), "curve") if visible else "errorbar")


def curves(ax, prefix: str = "w2s") -> list:
    """Lines on ``ax`` whose gid starts with ``prefix``: "w2s", "w2s|tiny-1", "ceiling", "paper"."""
    return [ln for ln in ax.lines if (ln.get_gid() or "errorbar") != "errorbar" and ln.get_gid().startswith(prefix)]


def _legend(ax, palette, losses, ceiling: bool) -> None:
    """A legend of supervisors (colour) and methods (line style), which seaborn cannot combine."""
    handles = [Line2D([], [], color=c, lw=2, label=m) for m, c in palette.items()]
    handles += [Line2D([], [], color="grey", linestyle=_loss_style(x)["linestyle"], marker=_loss_style(x)["marker"],
                       label=_loss_style(x)["label"]) for x in losses]  # fmt: skip
    if ceiling:
        handles.append(Line2D([], [], color=CEILING_COLOR, marker="o", label="strong ceiling (g.t.)"))
    ax.legend(handles=handles, title="weak supervisor", loc="best")


def _setup(ax, figsize=(5, 3.6)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


# ---------------------------------------------------------------------------------------------
# Figures


def plot_accuracy_vs_student(df, ax=None, losses=("xent",), *, task=None, palette=None, ceiling=True, legend=True):
    """Test accuracy against student size (paper Figs. 3a-c, 5a): ceiling in black, w2s per supervisor."""
    ax = _setup(ax)
    sub, agg = _prepare(df, "w2s", "test_acc", losses, task)
    palette = palette or weak_palette(sub["weak_model"].unique())
    models = set(sub["model"])
    if ceiling:
        ceil, cagg = _prepare(df, "ceiling", "test_acc", task=task)
        models |= set(ceil["model"])
        n0 = len(ax.lines)
        sns.lineplot(data=ceil, x="x", y="y", color=CEILING_COLOR, marker="o", ax=ax, legend=False, **cagg)
        _tag_lines(ax.lines[n0:], {mpl.colors.to_hex(CEILING_COLOR): "ceiling"})
    _lines_by_supervisor(ax, sub, agg, palette, losses)
    format_model_axis(ax, models)
    ax.set_ylabel("test accuracy (%)")
    if legend:
        _legend(ax, palette, losses, ceiling)
    return ax


def plot_pgr_vs_student(df, ax=None, losses=("xent",), *, task=None, palette=None, legend=True):
    """PGR (%) against student size (paper Figs. 3d-f, 5b), one line per supervisor and loss."""
    ax = _setup(ax)
    sub, agg = _prepare(df, "w2s", "pgr", losses, task)
    palette = palette or weak_palette(sub["weak_model"].unique())
    ax.axhline(0, color="grey", lw=0.8)
    _lines_by_supervisor(ax, sub, agg, palette, losses)
    format_model_axis(ax, sub["model"])
    ax.set_ylabel("performance gap recovered (%)")
    if legend:
        _legend(ax, palette, losses, ceiling=False)
    return ax


AGREEMENT_PANELS = {
    "agreement_all": "all samples",
    "agreement_supervisor_right": "supervisor correct",
    "agreement_supervisor_wrong": "supervisor mistakes",
}


def plot_agreement(df, axes=None, losses=("xent", "logconf"), *, task=None, palette=None):
    """Student-supervisor agreement (%) in three panels: all / supervisor right / wrong (paper Fig. 8)."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
    w2s = df[df["role"] == "w2s"]
    palette = palette or weak_palette(w2s["weak_model"].dropna().unique())
    for i, (ax, (col, title)) in enumerate(zip(axes, AGREEMENT_PANELS.items())):
        ax.set_title(f"({'abc'[i]}) {title}")
        if w2s.get(col, pd.Series(dtype=float)).notna().any():
            sub, agg = _prepare(df, "w2s", col, losses, task)
            _lines_by_supervisor(ax, sub, agg, palette, losses)
            format_model_axis(ax, sub["model"])
        else:  # e.g. no supervisor was ever right: nothing to average, say so rather than fail
            ax.text(0.5, 0.5, "no such samples", transform=ax.transAxes, ha="center", color="grey", gid="empty")
        ax.set_ylabel("student-supervisor agreement (%)")
    _legend(axes[-1], palette, losses, ceiling=False)
    return axes


def plot_baseline(
    df, ax, role: str = "zero_shot", *, label: str = "zero-shot", value: str = "test_acc", color: str = "grey"
):
    """A model-by-model baseline without weak supervision (e.g. zero-shot, Fig. 15) as a dashed line in
    ``color``, added to the legend; means over seeds and tasks."""
    sub = df[df["role"] == role]
    if sub.empty:
        raise ValueError(f"no {role} rows to draw")
    m = sub.groupby("model")[value].mean()
    m = m.reindex(by_size(m.index))
    ax.plot([model_x(x) for x in m.index], 100 * m, color=color, ls="--", marker="x", gid=role, label=label)
    _add_to_legend(ax, Line2D([], [], color=color, ls="--", marker="x", label=label))
    return ax


def plot_best_vs_final(df, ax=None, *, task=None, palette=None):
    """Best test accuracy during training (stars) and final accuracy (dashed) against student size, per
    supervisor, with the supervisors' own accuracy in black (paper Fig. 7b). Means over seeds."""
    ax = _setup(ax)
    sub = df if task is None else df[df["task"] == task]
    w2s = sub[sub["role"] == "w2s"]
    palette = palette or weak_palette(w2s["weak_model"].unique())
    for weak, g in w2s.groupby("weak_model"):
        m = g.groupby("model")[["test_acc_oracle", "test_acc_last"]].mean().reindex(by_size(g["model"]))
        xs = [model_x(x) for x in m.index]
        ax.plot(xs, 100 * m["test_acc_last"], ls="--", color=palette[weak], gid=f"final-{weak}")
        ax.plot(xs, 100 * m["test_acc_oracle"], ls="none", marker="*", ms=10, color=palette[weak], gid=f"best-{weak}")
    weak = sub[sub["role"] == "weak"].groupby("model")["test_acc"].mean()
    weak = weak.reindex(by_size(weak.index))
    ax.plot([model_x(x) for x in weak.index], 100 * weak, color=CEILING_COLOR, marker="o", gid="weak")
    format_model_axis(ax, list(w2s["model"]) + list(weak.index))
    ax.set_ylabel("test accuracy (%)")
    handles = [
        mpl.lines.Line2D([], [], color="grey", ls="none", marker="*", ms=10, label="best during training"),
        mpl.lines.Line2D([], [], color="grey", ls="--", label="final"),
        mpl.lines.Line2D([], [], color=CEILING_COLOR, marker="o", label="weak supervisors"),
    ]
    ax.legend(handles=handles, loc="best", fontsize="x-small")
    return ax


def _size_ratio(history: pd.DataFrame) -> pd.Series:
    return history["model"].map(model_x) / history["weak_model"].map(model_x)


def plot_training_curves(history_df, ax=None, *, x="progress", y="test_acc", hue="ratio"):
    """``y`` (test accuracy) in % during training, one line per student/supervisor size ratio (Figs. 7a, 13a).

    ``history_df``: one row per evaluation (``progress``, ``test_acc``, ...) with either a ``ratio``
    column or ``model`` and ``weak_model`` to compute it. With a ``run`` column each run is first put on a
    common grid of ``progress`` (runs evaluate at different points), so a line is the mean over runs at each
    point, with its standard error as the band; without one, rows at the same x are averaged.
    """
    ax = _setup(ax)
    h = history_df.dropna(subset=[y]).copy()
    if "run" in h and x == "progress":
        h = _on_progress_grid(h, y)
    if hue == "ratio" and "ratio" not in h:
        h["ratio"] = _size_ratio(h)
    h["y"] = 100 * h[y]
    order = sorted(h[hue].unique())
    labels = {r: f"×{r:.3g}" if hue == "ratio" else str(r) for r in order}
    h["hue"] = h[hue].map(labels)
    cmap = mpl.colormaps["viridis"]
    pal = {labels[r]: mpl.colors.to_hex(cmap(s)) for r, s in zip(order, np.linspace(0.85, 0.1, len(order)))}
    sns.lineplot(data=h, x=x, y="y", hue="hue", hue_order=list(pal), palette=pal, errorbar="se", ax=ax)
    ax.legend(title="student / supervisor\nparameters" if hue == "ratio" else hue)
    ax.set_xlabel("training progress (fraction of training)" if x == "progress" else x)
    ax.set_ylabel("test accuracy (%)" if y == "test_acc" else f"{y.replace('_', ' ')} (%)")
    return ax


STOPS = {  # the three stopping rules of Figs. 7 and 13, by the history row each picks
    "early stop on weak labels": ("val_acc", "o"),
    "best test accuracy (oracle)": ("test_acc", "*"),
    "last checkpoint": ("progress", "s"),
}


def plot_stopping_rules(history_df: pd.DataFrame, ax=None, *, hue: str = "loss"):
    """Test accuracy (%) across training, one line per ``hue`` (mean over runs on a common progress grid,
    s.e. band), with where each of the three stopping rules stops each run: the evaluation with the best
    weak-label validation accuracy (ties: the earlier one, as ``fit.Selection``), the one with the best test
    accuracy, and the last. ``history_df``: ``results.collect_histories`` rows of the runs to draw."""
    ax = plot_training_curves(history_df, ax=ax, hue=hue)
    colours = {t.get_text(): ln.get_color() for t, ln in zip(ax.get_legend().get_texts(), ax.get_legend().get_lines())}
    evals = history_df.dropna(subset=["test_acc", "val_acc"]).sort_values(["run", "step"])
    for by, marker in STOPS.values():
        picked = evals.loc[evals.groupby("run")[by].idxmax()]
        for key, rows in picked.groupby(hue):
            ax.scatter(rows["progress"], 100 * rows["test_acc"], marker=marker, s=28, color=colours.get(str(key)),
                       edgecolor="black", linewidth=0.5, zorder=3)  # fmt: skip
    handles = ax.get_legend().legend_handles + [
        Line2D([], [], marker=m, linestyle="", color="grey", markeredgecolor="black", label=label)
        for label, (_, m) in STOPS.items()
    ]
    ax.legend(handles=handles, fontsize="x-small", loc="lower right")
    return ax


def _on_progress_grid(h: pd.DataFrame, y: str, n: int = 20) -> pd.DataFrame:
    """Each run's ``y`` interpolated at ``n`` evenly spaced points of training progress (its own evaluations
    between them), keeping the run's other columns."""
    grid = np.linspace(1 / n, 1, n)
    out = []
    for _, run in h.sort_values("progress").groupby("run", sort=False):
        first = run.iloc[0]
        out.append(pd.DataFrame({**first.to_dict(), "progress": grid, y: np.interp(grid, run["progress"], run[y])}))
    return pd.concat(out, ignore_index=True)


MODE_TITLES = {"probe": "probes", "finetune": "finetuned"}  # short: they prefix each panel's title


def mode_rows(df: pd.DataFrame, draw, ncols: int = 1, *, width: float = 5.0, height: float = 4.0):
    """One row of ``ncols`` axes per student mode of ``df`` (its ``student_mode`` column: probe first), each
    row drawn by ``draw(rows_of_that_mode, axes_of_the_row)`` and titled with the mode; a column shares its y."""
    modes = [m for m in MODE_TITLES if m in set(df["student_mode"])]
    fig, axes = plt.subplots(len(modes), ncols, figsize=(width * ncols, height * len(modes)), squeeze=False,
                             sharey="col")  # fmt: skip
    for row, mode in zip(axes, modes):
        draw(df[df["student_mode"] == mode], row)
        for ax in row:
            ax.set_title(f"{MODE_TITLES[mode]}: {ax.get_title()}" if ax.get_title() else MODE_TITLES[mode])
    fig.tight_layout()  # a row's title clears the tick labels of the row above
    return fig, axes


def _accuracy_and_pgr(df: pd.DataFrame, axes, losses, palette, task=None, prefix: str = "") -> None:
    """Figs. 3 and 5's two panels on ``axes``: test accuracy and PGR against student size."""
    plot_accuracy_vs_student(df, ax=axes[0], losses=losses, task=task, palette=palette)
    plot_pgr_vs_student(df, ax=axes[1], losses=losses, task=task, palette=palette, legend=False)
    axes[0].set_title(f"{prefix}test accuracy")
    axes[1].set_title(f"{prefix}gap recovered")


def plot_modes_vs_student(df: pd.DataFrame, losses=("xent",), *, palette=None):
    """Test accuracy and PGR against student size (Figs. 3 and 5's panels), one row per student mode."""

    def draw(rows, axes):
        _accuracy_and_pgr(rows, axes, losses, palette)

    return mode_rows(df, draw, ncols=2)[0]


def plot_agreement_by_mode(df: pd.DataFrame, *, palette=None):
    """Fig. 8's three panels (agreement on all items, the supervisor's right ones, its mistakes) per student mode."""

    def draw(rows, axes):
        plot_agreement(rows, axes=axes, palette=palette)

    return mode_rows(df, draw, ncols=3, width=4.3)[0]


def plot_stopping_by_mode(history: pd.DataFrame, students: list[str]):
    """Test accuracy across training with the three stopping rules (``plot_stopping_rules``), one row per
    student mode and one column per student of ``students``."""

    def draw(rows, axes):
        for ax, student in zip(axes, students):
            plot_stopping_rules(rows[rows["model"] == student], ax=ax)
            ax.set_title(student)

    return mode_rows(history, draw, ncols=max(1, len(students)))[0]


def plot_tasks_vs_student(df: pd.DataFrame, losses=("xent",), *, palette=None):
    """Test accuracy and PGR against student size, one row per task of ``df`` (in its order)."""
    tasks = list(dict.fromkeys(df["task"]))
    fig, axes = plt.subplots(len(tasks), 2, figsize=(10, 3.6 * len(tasks)), squeeze=False)
    for row, task in zip(axes, tasks):
        _accuracy_and_pgr(df, row, losses, palette, task=task, prefix=f"{task}: ")
    fig.tight_layout()  # a row's title clears the tick labels of the row above
    return fig


def plot_bars(values: dict[str, float], ax=None, reference: dict[str, float] | None = None, *, ylim=None):
    """Fig. 2-style bars (weak / naive / best method / ceiling), in percent, with the paper's as markers.

    ``values`` and ``reference`` map a bar name to a test accuracy in percent; reference keys missing
    from ``values`` are ignored.
    """
    ax = _setup(ax, figsize=(3.4, 3.6))
    names = list(values)
    colors = [BAR_COLORS.get(n, f"C{i}") for i, n in enumerate(names)]
    bars = ax.bar(range(len(names)), [values[n] for n in names], color=colors, width=0.7)
    for bar, c in zip(bars, colors):  # value just inside the bar's top, clear of the paper's marker
        dark = np.dot(mpl.colors.to_rgb(c), [0.299, 0.587, 0.114]) < 0.5
        ax.annotate(f"{bar.get_height():.1f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, -4),
                    textcoords="offset points", ha="center", va="top", fontsize="x-small",
                    color="white" if dark else "black")  # fmt: skip
    ax.set_xticks(range(len(names)), [n.replace("_", "\n") for n in names])
    ref = [(i, reference[n]) for i, n in enumerate(names) if reference and n in reference]
    if ref:
        xs, ys = zip(*ref)
        ax.plot(xs, ys, marker="D", mfc="none", mec=PAPER_COLOR, ms=8, mew=1.5, ls="none", label="paper", gid="paper")
        ax.legend(loc="upper left")
    ax.set_ylim(*(ylim or (0, 100)))
    ax.set_ylabel("test accuracy (%)")
    return ax


def overlay_reference(ax, figure: str, *, x_positions: dict | None = None, x_by: str = "x", colors: dict | None = None,
                      label: str = "paper", **filters) -> pd.DataFrame:  # fmt: skip
    """Draw the paper's numbers for ``figure`` (filtered like ``reference.paper_values``) on ``ax``.

    A record whose ``x_by`` value is a key of ``x_positions`` becomes a hollow marker at that x;
    every other one a dashed horizontal line (with a light band when the paper gives a range).
    Each is labelled with its series; the legend, if any, gains one "paper" entry.
    Returns the records drawn, for the figure's JSON.
    """
    from w2s_lib.reference import paper_values

    recs = paper_values(figure, **filters)
    x_positions, colors = x_positions or {}, colors or {}
    for _, r in recs.iterrows():
        color = colors.get(r["series"], PAPER_COLOR)
        text = " ".join(str(v) for v in (r["series"], r["x"]) if v is not None)
        pos = x_positions.get(r[x_by])
        if pos is not None:
            ax.plot(pos, r["value"], marker="D", mfc="none", mec=color, ms=8, mew=1.5, ls="none",
                    gid=f"paper|{r['series']}", zorder=5)  # fmt: skip
            ax.annotate(r["series"], (pos, r["value"]), xytext=(6, 0), textcoords="offset points", va="center",
                        fontsize="xx-small", color=color)  # fmt: skip
            continue
        ax.axhline(r["value"], color=color, ls="--", lw=1, gid=f"paper|{r['series']}")
        if not (math.isnan(r["lo"]) or math.isnan(r["hi"])):
            ax.axhspan(r["lo"], r["hi"], color=color, alpha=0.08, lw=0)
        ax.text(0.99, r["value"], f"{label}: {text}", transform=ax.get_yaxis_transform(), ha="right", va="bottom",
                fontsize="xx-small", color=color)  # fmt: skip
    if len(recs):
        _add_to_legend(ax, Line2D([], [], color=PAPER_COLOR, ls="--", marker="D", mfc="none", label=label))
    return recs


def _add_to_legend(ax, handle) -> None:
    """Append one entry to the axes' legend (or start one), keeping its title."""
    old = ax.get_legend()
    handles = list(old.legend_handles) if old else []
    if handle.get_label() in [h.get_label() for h in handles]:
        return
    title = old.get_title().get_text() if old else None
    ax.legend(handles=handles + [handle], title=title or None, loc="best")


# ---------------------------------------------------------------------------------------------
# Per-task panels

GRID_LEGENDS = ("first", "all", "none")


def task_grid(
    df: pd.DataFrame,
    draw_one,
    *,
    draw_kw: dict | None = None,
    tasks=None,
    task_col: str = "task",
    ncols: int = 4,
    panel_size: tuple[float, float] = (3.4, 2.7),
    sharey: bool = False,
    legend: str = "first",
):
    """One small axis per task, as the paper draws its per-dataset panels (Figs. 6, 12, 13a, 21, 23, 25).

    ``draw_one(rows, ax=ax, **draw_kw)`` draws one task's rows of ``df`` on ``ax`` (any ``plot_*`` function of
    this module that takes ``ax``); the axis is then titled with the task. ``tasks``: the order (default: as
    they first appear in ``df``). ``legend``: keep the legend of the first axis only (default), of all, or of
    none. Cells left over in the last row are hidden. Returns ``(fig, axes)``, one axis per task.
    """
    if legend not in GRID_LEGENDS:
        raise ValueError(f"unknown legend {legend!r}; valid: {', '.join(GRID_LEGENDS)}")
    tasks = list(dict.fromkeys(df[task_col])) if tasks is None else list(tasks)
    if not tasks:
        raise ValueError(f"no tasks to draw: the table has no {task_col!r} values")
    ncols = max(1, min(ncols, len(tasks)))
    nrows = math.ceil(len(tasks) / ncols)
    fig, grid = plt.subplots(
        nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows), sharey=sharey, squeeze=False
    )
    cells = list(grid.flat)
    for i, (ax, task) in enumerate(zip(cells, tasks)):
        draw_one(df[df[task_col] == task], ax=ax, **(draw_kw or {}))
        ax.set_title(str(task))
        if ax.get_legend() is not None and (legend == "none" or (legend == "first" and i > 0)):
            ax.get_legend().remove()
    for ax in cells[len(tasks) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig, cells[: len(tasks)]


# ---------------------------------------------------------------------------------------------
# Saving


def preset_stamp(preset: str) -> str:
    """The line stamped on every saved figure, so a smoke plot is never mistaken for a result."""
    if preset == "smoke":
        return "preset: smoke — not a reproduction"
    if preset == "laptop":  # real pretrained students of 14M-135M on a CPU, mostly probes: not the paper's
        return "preset: laptop — small pretrained students on a CPU, not the paper's setting"
    return f"preset: {preset}"


def stamp(fig, preset: str):
    """Put (or replace) the preset stamp just below everything drawn, at the right.

    Below the drawn area it can overlap nothing; the tight bounding box of ``save_figure`` takes it in.
    """
    for t in [t for t in fig.texts if t.get_gid() == STAMP_GID]:
        t.remove()
    w, h = fig.get_size_inches()
    bb = fig.get_tightbbox(fig.canvas.get_renderer())  # inches, may reach outside the figure
    return fig.text(bb.x1 / w, bb.y0 / h, preset_stamp(preset), ha="right", va="top", fontsize=7, color="grey",
                    gid=STAMP_GID)  # fmt: skip


def save_figure(fig, name: str, preset: str, data, out_dir="figures") -> dict[str, Path]:
    """Stamp the preset and write ``{name}_{preset}`` .png, .pdf and .json (the plotted numbers).

    The PDF has no creation date and neither file names the software version, so saving the same
    figure twice gives identical bytes. The JSON is ``{"figure", "preset", "data"}`` with NaN as null.
    """
    for part in (name, preset):
        if not part or any(c in part for c in "/\\ ") or part.startswith("."):
            raise ValueError(f"figure name and preset must be plain file-name parts, got {part!r}")
    place_legends(fig)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp(fig, preset)
    paths = {ext: out / f"{name}_{preset}.{ext}" for ext in ("png", "pdf", "json")}
    meta = {"png": {"Software": None}, "pdf": {"CreationDate": None, "Creator": None, "Producer": None}}
    for ext in ("png", "pdf"):
        atomic_write(paths[ext], lambda f, e=ext: fig.savefig(f, format=e, metadata=meta[e], bbox_inches="tight"))
    write_json(paths["json"], {"figure": name, "preset": preset, "data": data}, sort_keys=False)
    return paths


# ---------------------------------------------------------------------------------------------
# Analysis figures (Figs. 21, 24, 25, 27)


def plot_grouped_bars(df: pd.DataFrame, x: str, y: str, hue: str, ax=None, *, percent: bool = True, order=None):
    """Bars of ``y`` per ``x`` category, one colour per ``hue`` (seed/task means, s.e. error bars)."""
    ax = _setup(ax, figsize=(6, 3.6))
    d = df[df[y].notna()].copy()
    if d.empty:  # say so on the figure rather than leave a blank panel
        ax.text(
            0.5,
            0.5,
            f"no finite {y} values\n(PGR is undefined when the ceiling does not beat the supervisor)",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="grey",
        )
        return ax
    d["y"] = 100 * d[y] if percent else d[y]
    sns.barplot(data=d, x=x, y="y", hue=hue, order=order, errorbar="se", ax=ax)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel(f"{y.replace('_', ' ')}{' (%)' if percent else ''}")
    ax.tick_params(axis="x", labelrotation=20)
    return ax


def plot_simulation(df: pd.DataFrame, axes=None):
    """Paper Fig. 24 (App. E.1): test accuracy (top) and test agreement with the weak labeller (bottom) for
    simulatable (first k features), random (matched accuracy) and mixed (extra noise) weak labels.

    x = the weak labeller (its k, or the mixed panel's noise); one line per student ``student_k`` (the grid
    of students M_k' with k' >= k; a frame without ``student_k`` has one student), the labeller's own test
    accuracy in grey and the largest student's ceiling (g.t.) dashed."""
    if axes is None:
        _, axes = plt.subplots(2, 3, figsize=(12, 6), sharey="row")
    df = df if "student_k" in df else df.assign(student_k=0)
    titles = {"simulatable": "perfectly simulatable", "random": "random errors", "mixed": "mixed"}
    students = sorted(df["student_k"].unique())
    cmap = mpl.colormaps["viridis"]
    colors = {kk: mpl.colors.to_hex(cmap(s)) for kk, s in zip(students, np.linspace(0.85, 0.1, len(students)))}
    if len(students) == 1:
        colors = {students[0]: "C0"}
    for j, kind in enumerate(("simulatable", "random", "mixed")):
        part = df[df["kind"] == kind]
        if part.empty:
            axes[0, j].set_visible(False)
            axes[1, j].set_visible(False)
            continue
        xcol = "noise" if kind == "mixed" else "k"
        order = sorted(part[xcol].unique(), reverse=kind == "mixed")  # mixed: most noise first, as the paper
        pos = {v: i for i, v in enumerate(order)}
        ax, ax_agree = axes[0, j], axes[1, j]
        for kk in students:
            line = part[part["student_k"] == kk].sort_values(xcol, ascending=kind != "mixed")
            if line.empty:
                continue
            xs = line[xcol].map(pos)
            label = f"student k'={kk}" if kk else "student"
            ax.plot(xs, 100 * line["student_acc"], marker="o", color=colors[kk], label=label, gid=f"student|{kk}")
            ax_agree.plot(xs, 100 * line["agreement"], marker="o", color=colors[kk], gid=f"student|{kk}")
        weak = part.groupby(xcol)["weak_test_acc"].first().reindex(order)
        ax.plot(range(len(order)), 100 * weak.to_numpy(), marker="s", color="grey", ls=":", label="weak labeller")
        top = part[part["student_k"] == students[-1]]
        if not top.empty:
            ax.axhline(100 * top["strong_acc"].iloc[0], color=CEILING_COLOR, ls="--", label="ceiling (g.t.)")
        for a in (ax, ax_agree):
            a.set_xticks(range(len(order)), [str(v) for v in order])
        ax.set_title(titles[kind])
        ax_agree.set_xlabel(
            "# features of the weak model" if kind != "mixed" else f"{int(part['k'].iloc[0])} features + label noise"
        )
    axes[0, 0].set_ylabel("test accuracy (%)")
    axes[1, 0].set_ylabel("test agreement with weak labels (%)")
    axes[0, 0].legend(loc="lower right", fontsize="x-small")
    return axes


def plot_difficulty(df: pd.DataFrame, ax=None):
    """Paper Fig. 21: test accuracy against the training-data difficulty cutoff, one line per model."""
    ax = _setup(ax)
    d = df.copy()
    cut_order = [m for m in sorted(set(d["cutoff_model"]) - {"all"}, key=model_x)] + ["all"]
    d["cutoff"] = d["cutoff_model"].map({m: i for i, m in enumerate(cut_order)})
    d["y"] = 100 * d["test_acc"]
    models = sorted(d["model"].unique(), key=model_x)
    pal = weak_palette(models)
    sns.lineplot(
        data=d, x="cutoff", y="y", hue="model", hue_order=models, palette=pal, marker="o", errorbar="se", ax=ax
    )
    for m in models:  # a star where the cutoff equals the model's own size (paper's convention)
        row = d[(d["model"] == m) & (d["cutoff_model"] == m)]
        if not row.empty:
            ax.plot(row["cutoff"].iloc[0], row["y"].mean(), marker="*", ms=12, color=pal[m], ls="none")
    ax.set_xticks(range(len(cut_order)), [c if c != "all" else "∞ (all)" for c in cut_order])
    ax.set_xlabel("sample difficulty cutoff (smallest model that solves it)")
    ax.set_ylabel("test accuracy (%)")
    return ax


# ---------------------------------------------------------------------------------------------
# Beyond the paper: the methods comparison (w2s compare)

VERDICT_COLORS = {"better": "#2a9d8f", "worse": "#c0392b", "unclear": "#7f7f7f", "baseline": "black"}


def plot_method_comparison(table: pd.DataFrame):
    """Per student (a row of panels): each method's PGR with its interval over seeds (left), and its difference
    from naive training with the paired interval (right; a zero line), coloured by verdict. ``table`` is
    ``nlp.compare.method_table``'s, whose order (by PGR within each student) the rows keep."""
    students = list(dict.fromkeys(table["student"]))
    n_methods = table.groupby("student").size().max()
    fig, axes = plt.subplots(
        len(students), 2, figsize=(10, 0.26 * n_methods * len(students) + 1.2), squeeze=False, sharey="row"
    )
    for (ax_pgr, ax_delta), student in zip(axes, students):
        part = table[table["student"] == student].iloc[::-1]  # best at the top
        y = np.arange(len(part))
        verdict = np.where(part["method"] == "naive", "baseline", part["verdict"])
        colors = [VERDICT_COLORS[v] for v in verdict]
        for ax, col in ((ax_pgr, "pgr"), (ax_delta, "delta")):
            lo, hi = part[f"{col}_lo"].to_numpy(), part[f"{col}_hi"].to_numpy()
            mid = part[col].to_numpy()
            err = np.vstack([np.clip(mid - lo, 0, None), np.clip(hi - mid, 0, None)])
            err = np.nan_to_num(err)
            for i in range(len(part)):
                ax.errorbar(mid[i], y[i], xerr=err[:, i : i + 1], fmt="o", color=colors[i], ms=4, capsize=2)
            ax.axvline(0, color="black", lw=0.6)
            ax.grid(axis="x", alpha=0.3)
        ax_pgr.set_yticks(y, part["method"])
        ax_pgr.set_title(f"{student}: PGR (95% over seeds)", fontsize=9)
        ax_delta.set_title("minus naive (95% paired over seeds, supervisors)", fontsize=9)
    axes[-1, 0].set_xlabel("performance gap recovered")
    axes[-1, 1].set_xlabel("difference in PGR")
    fig.tight_layout()
    return fig
