"""Figures that read at a glance: no two tick labels overlap, and no legend covers a data point.

Each figure builder is drawn on results shaped like the laptop ladder's (14M, 23M, 110M and 134M students,
whose ticks sit close on a log axis) and saved through ``save_figure``, as the notebooks do; the check reads
the drawn boxes (``get_window_extent``)."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from w2s_lib import plotting as P

STUDENTS = ["minilm-l1", "minilm-l6", "mpnet-base", "smollm2-135m"]
WEAK = ["scratch-1", "scratch-2"]
LOSSES = ("xent", "logconf")


@pytest.fixture(scope="module")
def ladder() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for task, mode, seed in itertools.product(("sandbox_animals", "sandbox_vader"), ("probe", "finetune"), (0, 1)):
        base = dict(task=task, student_mode=mode, seed=seed)
        for w in WEAK:
            rows.append(
                dict(base, role="weak", weak_model=None, model=w, loss="xent", test_acc=0.68 + rng.normal(0, 0.01))
            )
        for i, s in enumerate(STUDENTS):
            sa = 0.9 + 0.02 * i
            rows.append(dict(base, role="ceiling", weak_model=None, model=s, loss="xent", test_acc=sa))
            for w, loss in itertools.product(WEAK, LOSSES):
                wa, frac = 0.68, (0.3 if loss == "xent" else 0.7) * i / 3 + rng.normal(0, 0.05)
                acc = wa + frac * (sa - wa)
                rows.append(dict(base, role="w2s", weak_model=w, model=s, loss=loss, weak_acc=wa, test_acc=acc,
                                 strong_acc=sa, pgr=frac, agreement_all=0.8, agreement_supervisor_right=0.9,
                                 agreement_supervisor_wrong=0.5 - 0.1 * i, test_acc_oracle=acc + 0.02,
                                 test_acc_last=acc - 0.01))  # fmt: skip
    return pd.DataFrame(rows)


def _probes(df):
    return df[df["student_mode"] == "probe"]


def _pair(df):
    """Test accuracy beside PGR, as the demo and the Fig. 3/5/10/23 notebooks draw them."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    P.plot_accuracy_vs_student(df, ax=a, losses=LOSSES)
    P.plot_pgr_vs_student(df, ax=b, losses=LOSSES, legend=False)
    return fig


def _single(draw):
    def build(df):
        fig, ax = plt.subplots(figsize=(5, 3.6))
        draw(df, ax)
        return fig

    return build


BUILDERS = {
    "accuracy and PGR": lambda df: _pair(_probes(df)),
    "accuracy alone": _single(lambda df, ax: P.plot_accuracy_vs_student(_probes(df), ax=ax, losses=LOSSES)),
    "modes": lambda df: P.plot_modes_vs_student(df[df["task"] == "sandbox_animals"], LOSSES),
    "tasks": lambda df: P.plot_tasks_vs_student(_probes(df), LOSSES),
    "agreement": lambda df: P.plot_agreement(_probes(df))[0].figure,
    "agreement by mode": lambda df: P.plot_agreement_by_mode(df[df["task"] == "sandbox_animals"]),
    "best vs final": _single(lambda df, ax: P.plot_best_vs_final(_probes(df), ax=ax)),
    "task grid": lambda df: P.task_grid(_probes(df), P.plot_accuracy_vs_student, ncols=2)[0],
    "bars": _single(
        lambda df, ax: P.plot_bars(
            {"weak": 68.0, "naive": 75.0, "conf. loss": 82.0}, ax=ax, reference={"naive": 70.0, "conf. loss": 80.0}
        )
    ),  # fmt: skip
}


def _boxes(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _tick_overlaps(fig, renderer) -> list[str]:
    bad = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
                if a.overlaps(b):
                    bad.append(f"{labels[i].get_text()!r} and {labels[j].get_text()!r}")
    return bad


def _titles_over_labels(fig, renderer) -> list[str]:
    """A panel's title over another panel's tick labels (rows of panels drawn too close)."""
    bad = []
    for ax in fig.axes:
        if not ax.get_title():
            continue
        title = ax.title.get_window_extent(renderer)
        for other in fig.axes:
            for t in other.xaxis.get_ticklabels():
                if (
                    other is not ax
                    and t.get_visible()
                    and t.get_text()
                    and title.overlaps(t.get_window_extent(renderer))
                ):
                    bad.append(f"{ax.get_title()!r} over {t.get_text()!r}")
    return bad


def _covered_points(fig, renderer) -> list[str]:
    bad = []
    for owner in fig.axes:
        legend = owner.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            for line in ax.lines:
                x, y = (np.asarray(v, dtype=float) for v in line.get_data())
                if not line.get_visible() or not len(x):
                    continue
                pts = line.get_transform().transform(np.column_stack([x, y]))
                inside = [(px, py) for px, py in pts if box.contains(px, py)]
                if inside:
                    bad.append(
                        f"the legend of {owner.get_title()!r} covers {len(inside)} point(s) of {ax.get_title()!r}"
                    )
    return bad


@pytest.mark.parametrize("name", list(BUILDERS))
def test_no_tick_labels_overlap_and_no_legend_covers_data(name, ladder, tmp_path):
    with P.style():
        fig = BUILDERS[name](ladder)
        P.save_figure(fig, "layout", "smoke", [], tmp_path)
        renderer = _boxes(fig)
        assert not _tick_overlaps(fig, renderer), _tick_overlaps(fig, renderer)
        assert not _covered_points(fig, renderer), _covered_points(fig, renderer)
        assert not _titles_over_labels(fig, renderer), _titles_over_labels(fig, renderer)
    plt.close("all")


def test_the_check_catches_the_overlaps_it_is_for():
    """Without the staggering, 110M and 134M collide; a legend placed on the data covers it."""
    fig, ax = plt.subplots(figsize=(5, 3.6))
    xs = [P.model_x(m) for m in STUDENTS]
    dense = np.geomspace(xs[0], xs[-1], 50)
    ax.plot(dense, np.linspace(1, 4, 50), marker="o", label="a line through the middle")
    ax.set_xscale("log")
    ax.set_xticks(xs, labels=[P.format_params(x) for x in xs])
    ax.legend(loc="center")
    renderer = _boxes(fig)
    assert _tick_overlaps(fig, renderer) and _covered_points(fig, renderer)
    P.format_model_axis(ax, STUDENTS, names=False)
    assert not _tick_overlaps(fig, _boxes(fig))
    plt.close("all")
