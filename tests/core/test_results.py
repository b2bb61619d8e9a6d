"""The PGR table aggregates as the paper does: PGR of seed-averaged accuracies, median over tasks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from w2s_lib.core.metrics import pgr
from w2s_lib.core.results import median_pgr, pair_pgr_by_task, pgr_table


def _rows(task, weak, w2s, strong, model="b"):
    return [
        dict(
            task=task,
            role="w2s",
            weak_model="a",
            model=model,
            loss="xent",
            seed=i,
            weak_acc=w,
            test_acc=s2,
            strong_acc=s,
            pgr=pgr(w, s2, s),
        )  # fmt: skip
        for i, (w, s2, s) in enumerate(zip(weak, w2s, strong))
    ]


def test_pgr_comes_from_seed_averaged_accuracies():
    # per seed: (0.7-0.6)/(0.8-0.6) = 0.5 and (0.65-0.6)/(0.62-0.6) = 2.5, whose mean is 1.5; the paper's
    # PGR of the means is (0.675-0.6)/(0.71-0.6) = 0.6818...
    table = pgr_table(pd.DataFrame(_rows("t", [0.6, 0.6], [0.7, 0.65], [0.8, 0.62])))
    row = table.iloc[0]
    assert row["pgr"] == pytest.approx(0.075 / 0.11)
    assert row["pgr_seed_mean"] == pytest.approx(1.5)
    assert row["pgr_seed_std"] == pytest.approx(np.std([0.5, 2.5], ddof=1))
    assert row["n_seeds"] == 2 and not row["excluded"]


def test_only_complete_seeds_enter():
    rows = _rows("t", [0.6, 0.6, 0.6], [0.7, 0.7, 0.9], [0.8, 0.8, np.nan])  # seed 2 has no ceiling
    row = pgr_table(pd.DataFrame(rows)).iloc[0]
    assert row["n_seeds"] == 2 and row["w2s_acc"] == pytest.approx(0.7) and row["pgr"] == pytest.approx(0.5)


def test_a_pair_without_a_gap_is_listed_as_excluded_not_dropped():
    rows = (
        _rows("t1", [0.6], [0.7], [0.8])  # 0.5
        + _rows("t2", [0.6], [0.9], [0.7])  # 3.0
        + _rows("t3", [0.6], [0.65], [0.7])  # 0.5
        + _rows("t4", [0.7, 0.7], [0.7, 0.7], [0.75, 0.6])  # mean ceiling 0.675 <= 0.7: excluded
    )
    table = pgr_table(pd.DataFrame(rows))
    assert table.set_index("task")["excluded"].to_dict() == {"t1": False, "t2": False, "t3": False, "t4": True}
    assert np.isnan(table.set_index("task").loc["t4", "pgr"])
    med = median_pgr(table).iloc[0]
    assert med["pgr"] == pytest.approx(0.5) and med["n_tasks"] == 3 and med["excluded_tasks"] == "t4"


def test_the_interval_resamples_seeds_and_brackets_the_pgr():
    # seeds' own PGRs 0.5 and 2.5: the PGR of mean accuracies of any resample lies between them
    table = pgr_table(pd.DataFrame(_rows("t", [0.6, 0.6], [0.7, 0.65], [0.8, 0.62])), ci=True)
    row = table.iloc[0]
    assert 0.5 - 1e-9 <= row["pgr_lo"] < row["pgr"] < row["pgr_hi"] <= 2.5 + 1e-9
    assert row["pgr_lo"] == pytest.approx(0.5) and row["pgr_hi"] == pytest.approx(2.5)  # both seeds twice
    assert "pgr_lo" not in pgr_table(pd.DataFrame(_rows("t", [0.6], [0.7], [0.8])))


def test_a_pairs_per_task_table_takes_pgr_from_seed_averaged_accuracies():
    # Figs. 6/12's table. xent, seeds with different supervisors: per seed (0.7-0.6)/(0.8-0.6) = 0.5 and
    # (0.8-0.5)/(0.9-0.5) = 0.75 (mean 0.625, the old rule); of the means (0.75-0.55)/(0.85-0.55) = 2/3
    rows = _rows("t", [0.6, 0.5], [0.7, 0.8], [0.8, 0.9])
    # logconf: per seed 1.0 and 0.0 (mean 0.5); of the means (0.75-0.6)/(0.85-0.6) = 0.6
    rows += [{**r, "loss": "logconf"} for r in _rows("t", [0.6, 0.6], [0.9, 0.6], [0.9, 0.8])]
    rows += _rows("u", [0.7, 0.7], [0.7, 0.7], [0.65, 0.7])  # no gap: excluded, nan
    rows += _rows("t", [0.6], [0.9], [0.8], model="c")  # another student: not this pair's
    table = pair_pgr_by_task(pd.DataFrame(rows), "a", "b")
    assert list(table.index) == ["t", "u"] and list(table.columns) == ["logconf", "xent"]
    assert table.loc["t", "xent"] == pytest.approx(2 / 3) and table.loc["t", "logconf"] == pytest.approx(0.6)
    assert np.isnan(table.loc["u", "xent"])
    assert pair_pgr_by_task(pd.DataFrame(rows), "a", "z").empty


def _seed_rows() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"seed": np.repeat([0, 1, 2, 3], 5), "task": list("abcde") * 4, "x": rng.normal(size=20)})


def test_seed_bootstrap_is_the_notebooks_former_loop():
    from w2s_lib.core.results import SeedBootstrap

    rows = _seed_rows()
    summary = lambda d: d.groupby("task")["x"].mean()  # noqa: E731
    # the loop five notebooks wrote out before: a seed drawn twice enters twice
    seeds, rng = sorted(set(rows["seed"])), np.random.default_rng(0)
    draws = [summary(pd.concat([rows[rows["seed"] == s] for s in rng.choice(seeds, len(seeds))])) for _ in range(400)]
    want = tuple(np.nanpercentile([d.median() for d in draws], [2.5, 97.5]))
    boot = SeedBootstrap(rows, summary)
    assert boot.ci(lambda d: d.median()) == want == boot.ci(lambda d: d, reduce="median")
    assert boot.ci(lambda d, k: d.iloc[k], 2) == boot.ci(lambda d: d, reduce=2)
    lo, hi = boot.ci(lambda d: d, reduce="min")
    assert lo <= hi <= rows.groupby("task")["x"].mean().max()


def test_seed_bootstrap_of_one_seed_has_no_interval():
    from w2s_lib.core.results import SeedBootstrap

    rows = _seed_rows().query("seed == 0")
    boot = SeedBootstrap(rows, lambda d: d["x"].mean())
    assert boot.draws == [] and np.isnan(boot.ci(lambda d: d)).all()
