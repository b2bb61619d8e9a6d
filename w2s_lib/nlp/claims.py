"""Numbers the NLP notebooks' claim rows are decided on (``reference.versus``): PGR medians over tasks per
(supervisor, student, loss) and how PGR changes with model size.

PGR is computed as the paper does (§3, p. 6; its plotting code): per task and pair from seed-averaged
accuracies (``results.pgr_table``), pairs whose ceiling is not above the supervisor left out, then the
median over tasks (``results.median_pgr``). Everything is in percent, as the paper writes PGR.
"""

from __future__ import annotations

import pandas as pd

from w2s_lib.core.results import median_pgr, pgr_table


def pgr_medians(df: pd.DataFrame) -> pd.Series:
    """Median over tasks of PGR (%), indexed by (weak_model, strong_model, loss); nan where no task has a
    gap to recover. ``df``: results rows (``spec.run``, ``results.collect``)."""
    table = pgr_table(df)
    if table.empty:
        return pd.Series(dtype=float, index=pd.MultiIndex.from_tuples([], names=["weak_model", "strong_model", "loss"]))
    return 100 * median_pgr(table).set_index(["weak_model", "strong_model", "loss"])["pgr"]


def pgr_of(pgr: pd.Series, weak: str, strong: str, loss: str) -> float:
    """One pair's median PGR from ``pgr_medians``; nan when the pair was not run or has no gap."""
    return float(pgr.get((weak, strong, loss), float("nan")))


def pgr_by_student(pgr: pd.Series, weak: str, students: list[str], loss: str = "xent") -> pd.Series:
    """``weak``'s median PGR with each of ``students``, in their order (nan where missing)."""
    return pd.Series([pgr_of(pgr, weak, s, loss) for s in students], dtype=float)


def pgr_by_supervisor(pgr: pd.Series, supervisors: list[str], strong: str, loss: str = "xent") -> pd.Series:
    """The median PGR of each of ``supervisors`` with ``strong``, in their order (nan where missing)."""
    return pd.Series([pgr_of(pgr, w, strong, loss) for w in supervisors], dtype=float)


def kept_pgrs(df: pd.DataFrame) -> pd.DataFrame:
    """``pgr_table``'s (task, pair) rows that have a gap to recover."""
    return pgr_table(df).query("not excluded")


def share_positive(table: pd.DataFrame) -> float:
    """% of a PGR table's rows (``kept_pgrs``) whose PGR is above 0; nan for no row."""
    return float(100 * (table["pgr"] > 0).mean()) if len(table) else float("nan")


ACCURACIES = ["weak_acc", "test_acc", "strong_acc"]


def median_accuracies(rows: pd.DataFrame) -> pd.DataFrame:
    """Per loss, the median over tasks of seed-averaged supervisor, student and ceiling accuracies (fractions)."""
    return rows.groupby(["task", "loss"])[ACCURACIES].mean().groupby("loss").median()


def cell_percent(table: pd.DataFrame, cell: tuple[str, str]) -> float:
    """One (loss, accuracy column) cell of ``median_accuracies``, in percent."""
    return float(100 * table.loc[cell])


def cell_gap(table: pd.DataFrame, a: tuple[str, str], b: tuple[str, str]) -> float:
    """Cell ``a`` minus cell ``b`` of ``median_accuracies``, in points."""
    return cell_percent(table, a) - cell_percent(table, b)


def size_steps(pgr: pd.Series, models: list[str], along: str, loss: str = "xent") -> list[tuple[float, float]]:
    """(PGR before, PGR after) for every step to the next larger model in ``models`` (weakest first):
    ``along="student"`` keeps the supervisor and takes the next student, ``"supervisor"`` keeps the student
    and takes the next supervisor. Steps where either PGR is missing are left out."""
    if along not in ("student", "supervisor"):
        raise ValueError(f"unknown along {along!r}; valid: student, supervisor")
    out = []
    for fixed in models:
        for a, b in zip(models, models[1:]):
            pair_a, pair_b = ((fixed, a), (fixed, b)) if along == "student" else ((a, fixed), (b, fixed))
            before, after = pgr_of(pgr, *pair_a, loss), pgr_of(pgr, *pair_b, loss)
            if before == before and after == after:
                out.append((before, after))
    return out


def share_growing(pgr: pd.Series, models: list[str], along: str, loss: str = "xent") -> float:
    """% of ``size_steps`` where PGR grows (strictly); nan when there is no step to judge."""
    steps = size_steps(pgr, models, along, loss)
    return 100 * sum(after > before for before, after in steps) / len(steps) if steps else float("nan")


def loss_gain(pgr: pd.Series, pairs: list[tuple[str, str]], loss: str = "logconf", base: str = "xent") -> float:
    """Median over ``pairs`` (weak, strong) of ``loss``'s PGR minus ``base``'s, in points; nan if none has both."""
    gains = pd.Series([pgr_of(pgr, w, s, loss) - pgr_of(pgr, w, s, base) for w, s in pairs], dtype=float)
    return float(gains.median()) if gains.notna().any() else float("nan")


def median_accuracy(df: pd.DataFrame, weak: str, strong: str, loss: str = "xent", col: str = "test_acc") -> float:
    """Median over tasks of one pair's seed-averaged ``col`` (``test_acc``: the student's, ``strong_acc``: its
    ceiling), in percent; nan when the pair was not run."""
    rows = df[(df["role"] == "w2s") & (df["weak_model"] == weak) & (df["model"] == strong) & (df["loss"] == loss)]
    return float(100 * rows.groupby("task")[col].mean().median()) if len(rows) else float("nan")


def overfits_within_epoch(history: pd.DataFrame, drop: float = 1.0) -> pd.Series:
    """Per run (indexed by ``run``): True when its test accuracy peaks within its first epoch and its last
    evaluation ends at least ``drop`` points below that peak, the paper's "overfitting ... even within one
    epoch" (§5.1.1). ``history``: ``results.collect_histories`` rows (evaluations have ``test_acc``)."""
    evals = history.dropna(subset=["test_acc"]).sort_values(["run", "step"])

    def one(run: pd.DataFrame) -> bool:
        peak = run.loc[run["test_acc"].idxmax()]
        return bool(peak["epoch"] <= 1 and 100 * (peak["test_acc"] - run["test_acc"].iloc[-1]) >= drop)

    return evals.groupby("run").apply(one, include_groups=False).astype(bool)


class SeedPivot:
    """Per-seed accuracies as one row per seed (columns: accuracy x ``groups``), for intervals over seeds of
    a PGR statistic: ``pgr(draw)`` is the PGR of every group from the mean accuracies of a draw of those rows
    (all rows: the point value), and ``ci(stat, *args)`` the percentile-bootstrap interval of
    ``stat(pgr(draw), *args)`` (``metrics.bootstrap_ci``; seeds with a missing accuracy are left out)."""

    def __init__(self, rows: pd.DataFrame, groups):
        self.table = rows.pivot_table(index="seed", columns=list(groups), values=ACCURACIES)

    def pgr(self, draw=None) -> pd.Series:
        values = self.table.to_numpy() if draw is None else draw
        m = pd.Series(values.mean(axis=0), index=self.table.columns)
        gap = m["strong_acc"] - m["weak_acc"]
        return (m["test_acc"] - m["weak_acc"]) / gap.where(gap > 0)

    def ci(self, stat, *args, n_boot: int = 2000) -> tuple[float, float]:
        from w2s_lib.core.metrics import bootstrap_ci

        values = self.table.dropna().to_numpy()
        return bootstrap_ci(values, stat=lambda draw: stat(self.pgr(draw), *args), n_boot=n_boot)


def spread_of_medians(pgr: pd.Series, level: str) -> float:
    """The largest minus the smallest median over the other levels of ``pgr``, grouped by ``level``."""
    medians = pgr.groupby(level=level).median()
    return float(medians.max() - medians.min())


def group_mean_percent(pgr: pd.Series, levels: list[str], key) -> float:
    """The mean over the other levels of ``pgr`` (e.g. tasks) of group ``key`` of ``levels``, in percent."""
    return float(100 * pgr.groupby(level=list(levels)).mean()[key])
