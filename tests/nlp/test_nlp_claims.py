"""The numbers NLP claim rows are decided on: medians over tasks of seed-averaged PGR, size trends."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from w2s_lib.nlp.claims import loss_gain, pgr_medians, pgr_of, share_growing, size_steps

MODELS = ["s", "m", "l"]


def rows(task, weak, strong, loss, accs):
    """Results rows of one (task, pair, loss), one per seed: accs = [(weak, w2s, ceiling), ...]."""
    return [
        dict(
            task=task,
            role="w2s",
            weak_model=weak,
            model=strong,
            loss=loss,
            seed=i,
            weak_acc=w,
            test_acc=x,
            strong_acc=c,
        )
        for i, (w, x, c) in enumerate(accs)
    ]


@pytest.fixture
def df():
    out = []
    # s -> m: task t1 PGR of the seed means (0.65 - 0.6) / (0.7 - 0.6) = 50%; t2 20%; t3 no gap (left out)
    out += rows("t1", "s", "m", "xent", [(0.6, 0.6, 0.7), (0.6, 0.7, 0.7)])
    out += rows("t2", "s", "m", "xent", [(0.5, 0.52, 0.6)])
    out += rows("t3", "s", "m", "xent", [(0.7, 0.8, 0.6)])
    # s -> l: 80% on t1, 40% on t2: median 60
    out += rows("t1", "s", "l", "xent", [(0.6, 0.68, 0.7)])
    out += rows("t2", "s", "l", "xent", [(0.5, 0.54, 0.6)])
    # m -> l: 10%; logconf on s -> m: 30% and 10%, median 20
    out += rows("t1", "m", "l", "xent", [(0.6, 0.61, 0.7)])
    out += rows("t1", "s", "m", "logconf", [(0.6, 0.63, 0.7)])
    out += rows("t2", "s", "m", "logconf", [(0.5, 0.51, 0.6)])
    return pd.DataFrame(out)


def test_pgr_medians_by_hand(df):
    pgr = pgr_medians(df)
    # s -> m, xent: median of 50 and 20 (t3 has no gap and does not enter)
    assert pgr_of(pgr, "s", "m", "xent") == pytest.approx(35)
    assert pgr_of(pgr, "s", "l", "xent") == pytest.approx(60)
    assert pgr_of(pgr, "m", "l", "xent") == pytest.approx(10)
    assert pgr_of(pgr, "s", "m", "logconf") == pytest.approx(20)
    assert math.isnan(pgr_of(pgr, "m", "l", "logconf"))  # never run
    assert pgr_medians(pd.DataFrame(columns=df.columns)).empty


def test_size_steps_and_share_growing(df):
    pgr = pgr_medians(df)
    # students: supervisor s goes m (35) -> l (60); supervisors: student l goes s (60) -> m (10)
    assert size_steps(pgr, MODELS, "student") == [pytest.approx((35.0, 60.0))]
    assert size_steps(pgr, MODELS, "supervisor") == [pytest.approx((60.0, 10.0))]
    assert share_growing(pgr, MODELS, "student") == 100
    assert share_growing(pgr, MODELS, "supervisor") == 0
    assert math.isnan(share_growing(pgr, MODELS, "student", loss="logconf"))  # no step with both ends
    with pytest.raises(ValueError, match="valid: student, supervisor"):
        size_steps(pgr, MODELS, "teacher")


def test_loss_gain(df):
    pgr = pgr_medians(df)
    assert loss_gain(pgr, [("s", "m")]) == pytest.approx(20 - 35)
    assert loss_gain(pgr, [("s", "m"), ("m", "l")]) == pytest.approx(-15)  # (m, l) has no logconf: skipped
    assert math.isnan(loss_gain(pgr, [("m", "l")]))


def test_median_accuracy_is_the_median_over_tasks_of_seed_means(df):
    from w2s_lib.nlp.claims import median_accuracy

    # s -> m, xent: t1 seed mean 0.65, t2 0.52, t3 0.8: median 65; ceilings 0.7, 0.6, 0.6: median 60
    assert median_accuracy(df, "s", "m") == pytest.approx(65)
    assert median_accuracy(df, "s", "m", col="strong_acc") == pytest.approx(60)
    assert median_accuracy(df, "s", "m", "logconf") == pytest.approx(57)  # 0.63 and 0.51
    assert math.isnan(median_accuracy(df, "m", "l", "logconf"))


def test_overfits_within_epoch_by_hand():
    from w2s_lib.nlp.claims import overfits_within_epoch

    def run(name, epochs, accs):
        return [dict(run=name, step=i, epoch=e, test_acc=a) for i, (e, a) in enumerate(zip(epochs, accs))]

    history = pd.DataFrame(
        run("peak_early", [0.5, 1.0, 1.5, 2.0], [0.6, 0.8, 0.75, 0.7])  # peaks in epoch 1, ends 10 points lower
        + run("peak_late", [0.5, 1.0, 1.5, 2.0], [0.6, 0.7, 0.8, 0.75])  # peaks in epoch 2
        + run("flat", [0.5, 1.0, 1.5, 2.0], [0.6, 0.8, 0.8, 0.795])  # ends only half a point lower
        + [dict(run="flat", step=9, train_loss=0.3)]  # a loss row: no test_acc, ignored
    )
    got = overfits_within_epoch(history)
    assert got.to_dict() == {"flat": False, "peak_early": True, "peak_late": False}
    assert overfits_within_epoch(history, drop=0.4)["flat"]


def _per_seed_rows() -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(3)
    rows = [
        dict(seed=s, weak_errors=e, task=t, loss="xent", weak_acc=w, test_acc=w + rng.uniform(0, 0.2), strong_acc=0.9)
        for s in range(4)
        for e in ("random", "easy")
        for t in ("a", "b", "c")
        for w in [rng.uniform(0.5, 0.7)]
    ]
    return pd.DataFrame(rows)


def test_seed_pivot_is_the_notebooks_former_formula():
    """Figs. 25 and 27 wrote this as four lambdas: the pivot, mean accuracies, PGR, the statistic."""
    from w2s_lib.core.metrics import bootstrap_ci
    from w2s_lib.nlp.claims import SeedPivot, group_mean_percent, spread_of_medians

    rows = _per_seed_rows()
    accs = rows.pivot_table(
        index="seed", columns=["weak_errors", "task"], values=["weak_acc", "test_acc", "strong_acc"]
    )
    mean_accs = lambda r: pd.Series(r.mean(axis=0), index=accs.columns)  # noqa: E731
    pgr_of = lambda m: (m["test_acc"] - m["weak_acc"]) / (m["strong_acc"] - m["weak_acc"]).where(lambda g: g > 0)  # noqa: E731
    by_structure = lambda r: pgr_of(mean_accs(r)).groupby(level="weak_errors").median()  # noqa: E731
    spread_of = lambda r: float(by_structure(r).max() - by_structure(r).min())  # noqa: E731
    pivot = SeedPivot(rows, ["weak_errors", "task"])
    want = bootstrap_ci(accs.dropna().to_numpy(), stat=spread_of, n_boot=100)
    assert pivot.ci(spread_of_medians, "weak_errors", n_boot=100) == want
    mean_pgr = lambda r: 100 * pgr_of(mean_accs(r)).groupby(level=["weak_errors"]).mean()  # noqa: E731
    want = bootstrap_ci(accs.dropna().to_numpy(), stat=lambda r: mean_pgr(r)["easy"], n_boot=100)
    assert pivot.ci(group_mean_percent, ["weak_errors"], "easy", n_boot=100) == want
    full = pgr_of(mean_accs(accs.to_numpy()))
    assert pivot.pgr().equals(full) and spread_of_medians(pivot.pgr(), "weak_errors") > 0
