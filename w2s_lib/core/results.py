"""Results: a folder of finished runs as tidy tables (one row per run, or per evaluation)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def seed_pgr_ci(part: pd.DataFrame, level: float = 0.95) -> tuple[float, float]:
    """A percentile-bootstrap interval of the PGR of mean accuracies, resampling seeds (a seed's rows, e.g.
    its several supervisors, stay together): how far another draw of seeds could move ``pgr_table``'s PGR."""
    from w2s_lib.core.metrics import bootstrap_ci, pgr

    per_seed = part.groupby("seed")[["weak_acc", "test_acc", "strong_acc"]].mean().to_numpy()
    return bootstrap_ci(per_seed, stat=lambda r: pgr(*r.mean(0)), level=level)


class SeedBootstrap:
    """A summary of results rows recomputed on their seeds drawn with replacement, for percentile intervals.

    Each of ``n`` draws picks as many seeds as there are, with replacement (``numpy`` generator ``seed``), and
    a drawn seed's rows enter once per time it is drawn, so the runs of one seed (every task and pair) stay
    together; ``summary`` turns each draw's rows into what the statistics read (e.g. median PGRs). With one
    seed there is no draw and every interval is (nan, nan): "n/a" in the claims tables."""

    def __init__(self, rows: pd.DataFrame, summary, *, n: int = 400, seed: int = 0):
        seeds, rng = sorted(set(rows["seed"])), np.random.default_rng(seed)
        picks = [rng.choice(seeds, len(seeds)) for _ in range(n if len(seeds) > 1 else 0)]
        self.draws = [summary(pd.concat([rows[rows["seed"] == s] for s in pick])) for pick in picks]

    def ci(self, stat, *args, reduce: str | int | None = None, level: float = 0.95) -> tuple[float, float]:
        """The interval of ``stat(draw, *args)`` over the draws; ``reduce`` takes the "median", "min" or the
        i-th value of a statistic that is a Series."""
        if not self.draws:
            return (np.nan, np.nan)
        return percentile_interval([_reduced(stat(d, *args), reduce) for d in self.draws], level)


def percentile_interval(values, level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` percentile interval of ``values`` (nan values dropped; (nan, nan) if none is left)."""
    values = np.asarray(values, float)
    if not np.isfinite(values).any():
        return (np.nan, np.nan)
    tail = round(50 * (1 - level), 10)  # 2.5 exactly for 0.95 (1 - 0.95 is not 0.05 in floating point)
    lo, hi = np.nanpercentile(values, [tail, 100 - tail])
    return float(lo), float(hi)


def _reduced(value, reduce: str | int | None):
    if reduce is None:
        return value
    return value.iloc[reduce] if isinstance(reduce, int) else getattr(value, reduce)()


def seed_draw_indices(n_seeds: int, *, n: int = 2000, seed: int = 0) -> np.ndarray:
    """``n`` draws of ``n_seeds`` seed positions with replacement (draw x position): the vectorised form of
    ``SeedBootstrap``, for statistics computed on arrays of per-seed values."""
    return np.random.default_rng(seed).integers(0, n_seeds, size=(n, n_seeds))


def pgr_table(df: pd.DataFrame, ci: bool = False) -> pd.DataFrame:
    """PGR per (task, weak, strong, loss, variant), computed as the paper does (§3, p. 6; its plotting code):
    from the seed-averaged accuracies, ``pgr(mean weak, mean w2s, mean strong)``.

    Only seeds with all three accuracies enter (``n_seeds`` counts them). ``pgr_seed_mean`` and
    ``pgr_seed_std`` are the per-seed PGRs' spread (seeds whose own gap is not positive have none).
    ``excluded`` marks a pair whose seed-averaged ceiling is not above its supervisor: it has no gap to
    recover, its ``pgr`` is nan, and ``median_pgr`` lists it instead of counting it.

    Runs of different variants (e.g. with and without generative finetuning) are never averaged together;
    the ``variant`` column is shown only when a folder holds more than one. Bootstrap steps are also
    grouped by their intermediate supervisors and chain length (``via``, ``bootstrap_steps``) when present.
    ``ci=True`` adds ``pgr_lo``/``pgr_hi``, the 95% interval of ``seed_pgr_ci``.
    """
    from w2s_lib.core.metrics import pgr

    w2s = df[df["role"] == "w2s"]
    if w2s.empty:
        return w2s
    w2s = w2s.assign(variant=w2s["variant"].fillna("") if "variant" in w2s else "")
    accs = ["weak_acc", "test_acc", "strong_acc"]
    w2s = w2s[w2s[accs].notna().all(axis=1)]
    keys = ["task", "weak_model", "model", "loss"] + (["variant"] if w2s["variant"].nunique() > 1 else [])
    keys += [c for c in ("via", "bootstrap_steps") if c in w2s and w2s[c].notna().any()]
    seed_pgr = [pgr(*accs_) for accs_ in w2s[accs].itertuples(index=False)]
    g = w2s.assign(pgr_seed=seed_pgr).groupby(keys, sort=False, dropna=False)
    out = g[accs].mean()
    out["pgr"] = [pgr(w, s2, s) for w, s2, s in out[accs].itertuples(index=False)]
    out["excluded"] = out["strong_acc"] <= out["weak_acc"]
    out["pgr_seed_mean"] = g["pgr_seed"].mean()
    out["pgr_seed_std"] = g["pgr_seed"].std()
    out["n_seeds"] = g.size()
    if ci:
        bounds = [seed_pgr_ci(part) for _, part in g]
        out["pgr_lo"], out["pgr_hi"] = [b[0] for b in bounds], [b[1] for b in bounds]
    return out.reset_index().rename(columns={"model": "strong_model", "test_acc": "w2s_acc"})


def pair_pgr_by_task(df: pd.DataFrame, weak: str, strong: str) -> pd.DataFrame:
    """One (supervisor, student) pair's ``pgr_table`` PGR, tasks as rows and losses as columns: from the
    seed-averaged accuracies like every PGR table (nan where the pair is excluded, or a loss was not run)."""
    table = pgr_table(df)
    if table.empty:
        return pd.DataFrame(index=pd.Index([], name="task"))
    pair = table[(table["weak_model"] == weak) & (table["strong_model"] == strong)]
    return pair.pivot(index="task", columns="loss", values="pgr").rename_axis(columns=None)


def median_pgr(table: pd.DataFrame, by=("weak_model", "strong_model", "loss")) -> pd.DataFrame:
    """The paper's NLP aggregate: per group of ``by``, the median over tasks of ``pgr_table``'s PGR.

    Excluded pairs (ceiling not above supervisor) do not enter the median; they are listed in
    ``excluded_tasks`` so that a reader sees what was left out. ``n_tasks`` counts the tasks that entered.
    """
    by = [c for c in by if c in table.columns]
    rows = []
    for key, sub in table.groupby(by, sort=False, dropna=False):
        kept = sub[~sub["excluded"]]
        rows.append(
            {
                **dict(zip(by, key if isinstance(key, tuple) else (key,))),
                "pgr": float(kept["pgr"].median()) if len(kept) else np.nan,
                "n_tasks": int(kept["task"].nunique()),
                "excluded_tasks": ", ".join(sorted(sub.loc[sub["excluded"], "task"].astype(str))),
            }
        )
    return pd.DataFrame(rows)
