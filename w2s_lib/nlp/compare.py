"""``w2s compare``: every registered method (``nlp.methods``) on the same supervisors' labels, tasks and seeds,
in one table with intervals.

``CompareSpec`` plans the naive sweep once (supervisors trained on half A's ground truth, ceilings, naive
students) and lets each method turn every naive student into its own run, so every method reads the same cached
weak labels and is measured against the same supervisor and ceiling runs. ``method_table`` then gives, per
student and method:

* ``pgr``: the PGR of the mean accuracies over every task, supervisor and seed (the paper's PGR of means, §3,
  over one more axis), with a 95% percentile interval from resampling seeds (``pgr_lo``, ``pgr_hi``);
* ``delta``: its difference from naive training's PGR over the same cells, with an interval paired over seeds
  and supervisors: each draw resamples (seed, supervisor) units and takes both methods' accuracies from the
  same units. The supervisor and ceiling of a cell are shared by both rows, so the difference is
  (mean method accuracy - mean naive accuracy) / (mean ceiling - mean supervisor accuracy). ``verdict`` is
  "better" or "worse" only when the interval excludes zero.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from w2s_lib.core.results import percentile_interval, seed_draw_indices
from w2s_lib.core.spec import Spec
from w2s_lib.data import TASKS
from w2s_lib.data.registry import task_list
from w2s_lib.models.presets import model_order
from w2s_lib.models.settings import ModelSettings, per_model_lr
from w2s_lib.nlp import methods, sandbox
from w2s_lib.nlp.protocol import NlpRun, RunConfig, run_name
from w2s_lib.nlp.settings import DataSettings
from w2s_lib.nlp.spec import check_choices
from w2s_lib.nlp.sweep import plan_sweep, run_configs

LEVEL = 0.95
N_DRAWS = 2000
PLANNED_LOSSES = ("xent", "logconf", "product")  # planned for their settings; naive (xent) students train
MODES = {"probe": "probe", "finetune": "finetuned"}  # student mode -> the word in a student's label


def once(fn):
    """``fn`` computed once per spec (a frozen dataclass with dict fields is not hashable, so no lru_cache)."""
    name = f"_cached_{fn.__name__}"

    def wrapper(self):
        if name not in self.__dict__:
            object.__setattr__(self, name, fn(self))
        return self.__dict__[name]

    wrapper.__doc__, wrapper.__name__ = fn.__doc__, fn.__name__
    return wrapper


@dataclass(frozen=True)
class CompareSpec(Spec):
    """One comparison: which supervisors teach which students on which tasks and seeds, and which methods."""

    tasks: tuple[str, ...]
    supervisors: tuple[str, ...]  # the weak models (trained on half A's ground truth)
    students: tuple[str, ...]  # finetuned whole at setting "finetune"; linear probes at setting "laptop"
    seeds: tuple[int, ...] = (0,)
    methods: tuple[str, ...] = ()  # registered method names; empty: all of them
    setting: str = "finetune"  # finetune (the paper's) or laptop (nlp/sandbox.py's design)
    finetuned: tuple[str, ...] = ()  # laptop: students also finetuned whole, on ``finetuned_tasks``
    finetuned_tasks: tuple[str, ...] = ()  # empty: every task
    finetuned_supervisors: tuple[str, ...] = ()  # empty: every supervisor
    sizes: dict = field(default_factory=dict)  # task -> [n_train, n_test, max_len]; others: the three below
    n_train: int = 2000
    n_test: int = 500
    max_len: int = 128
    epochs: float | None = None
    batch_size: int | None = None
    minibatch_size: int | None = None
    lr: float | dict | None = None
    head_init: str | None = None
    train_kw: dict = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> CompareSpec:
        kw = {**params, **fixed}
        if "tasks" in kw:
            kw["tasks"] = task_list(kw["tasks"])
        kw["head_init"] = kw.get("head_init") or None
        return super().from_params(kw)

    def __post_init__(self):
        check_choices("task", [*self.tasks, *self.finetuned_tasks], sorted(TASKS))
        check_choices("setting", [self.setting], list(sandbox.SETTINGS))
        if not self.seeds or not self.supervisors or not (self.students or self.finetuned):
            raise ValueError("a comparison needs seeds, supervisors and students")
        if self.finetuned and self.setting != "laptop":
            raise ValueError("finetuned students are the laptop setting's; at 'finetune' every student is finetuned")
        methods.pick(self.methods)  # a one-line error for an unknown name
        self.plan()  # every run built and checked now, and each method's requirements

    # ------------------------------------------------------------------ planning

    def groups(self) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
        """(student mode, students, tasks, supervisors) of each way students learn here."""
        out = []
        if self.students:
            out.append(
                ("finetune" if self.setting == "finetune" else "probe", self.students, self.tasks, self.supervisors)
            )
        if self.finetuned:
            sups = self.finetuned_supervisors or self.supervisors
            out.append(("finetune", self.finetuned, self.finetuned_tasks or self.tasks, sups))
        return out

    def task_sizes(self, task: str) -> tuple[int, int, int]:
        return tuple(self.sizes.get(task, (self.n_train, self.n_test, self.max_len)))

    def _every(self, max_len: int) -> ModelSettings:
        train = {k: getattr(self, k) for k in ("epochs", "batch_size", "minibatch_size") if getattr(self, k)}
        lr = None if isinstance(self.lr, dict) else self.lr
        return ModelSettings(lr=lr, head_init=self.head_init, train={**train, "max_len": max_len, **self.train_kw})

    def _design(self, mode: str, students, sups, max_len: int) -> dict:
        models = [*sups, *students]
        if self.setting == "laptop":
            # finetuned students score the test set once, on their selected weights: the curves of every
            # evaluation (SANDBOX["finetune_curves"]) would cost more than their steps, and no table reads them
            cfg = {**sandbox.with_max_len(sandbox.SANDBOX, max_len), "finetune_curves": ()}
            design = sandbox.setting_kw("laptop", models, cfg, mode)
        else:
            order = model_order(models)
            design = dict(pairs=[(w, s) for w in sups for s in students if order.index(w) < order.index(s)])
        if isinstance(self.lr, dict):
            design["per_model"] = {**(design.get("per_model") or {}), **per_model_lr(self.lr)}
        return design

    @once
    def naive_plans(self) -> list:
        """The naive sweeps (``sweep.SweepPlan``), one per student mode and task, every loss of
        ``PLANNED_LOSSES`` planned so that a method finds the settings a sweep gives that loss."""
        plans = []
        for mode, students, tasks, sups in self.groups():
            for task in tasks:
                n_train, n_test, max_len = self.task_sizes(task)
                plans.append(
                    plan_sweep(
                        [task],
                        [*sups, *students],
                        list(PLANNED_LOSSES),
                        list(self.seeds),
                        data=DataSettings(n_train=n_train, n_test=n_test),
                        every=self._every(max_len),
                        **self._design(mode, students, sups, max_len),
                    )
                )
        return plans

    def ladder(self) -> methods.Ladder:
        naive = tuple(c for p in self.naive_plans() for c in p.w2s if c.train.loss == "xent")
        sups = tuple(dict.fromkeys(c.weak for c in naive))
        kw = {_loss_key(c): c.train.loss_kw for p in self.naive_plans() for c in p.w2s}

        def loss_kw(run, loss):
            return kw[_loss_key(dataclasses.replace(run, train=dataclasses.replace(run.train, loss=loss)))]

        return methods.Ladder(naive=naive, supervisors=sups, loss_kw=loss_kw)

    @once
    def plan(self) -> tuple[list[tuple[str, RunConfig, RunConfig]], dict[str, list[str]]]:
        """``([(method, naive run, method's run)], {method: why it skipped some students})``; raises when a
        chosen method applies to no student, naming what it needs."""
        ladder, rows, skipped = self.ladder(), [], {}
        for m in methods.pick(self.methods):
            mine = []
            for naive in ladder.naive:
                try:
                    mine.append((m.name, naive, m.build(naive, ladder)))
                except methods.NotApplicable as e:
                    skipped.setdefault(m.name, [])
                    if str(e) not in skipped[m.name]:
                        skipped[m.name].append(str(e))
            if not mine:
                raise ValueError(f"method {m.name!r} applies to no student here: {skipped[m.name][0]}")
            rows += mine
        return rows, skipped

    def configs(self) -> list[RunConfig]:
        """Every run: the naive sweeps' supervisors and ceilings, then each method's students."""
        base = [c for p in self.naive_plans() for c in [*p.weak, *p.ceilings]]
        return list(dict.fromkeys([*base, *(run for _, _, run in self.plan()[0])]))

    def runs(self, root) -> list[NlpRun]:
        return [NlpRun(c, root) for c in self.configs()]

    # ------------------------------------------------------------------ running

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Run (or load) every run; one row per method and naive student cell (``method``, ``student``)."""
        from w2s_lib.core.metrics import pgr

        df = run_configs(self.configs(), root, progress=progress)
        by_name = df.set_index("run")
        rows = []
        for method, naive, run in self.plan()[0]:
            row, base = by_name.loc[run_name(run)], by_name.loc[run_name(naive)]
            # every method is measured against its naive student's supervisor and ceiling, the same runs
            weak, strong = base["weak_acc"], base["strong_acc"]
            rows.append(
                {
                    "method": method,
                    "student": self.student_label(naive),
                    "model": naive.model,
                    "task": naive.data.task,
                    "weak_model": naive.weak.model,
                    "seed": naive.data.seed,
                    "weak_acc": weak,
                    "test_acc": row["test_acc"],
                    "strong_acc": strong,
                    "pgr": pgr(weak, row["test_acc"], strong),
                    "seconds": row["seconds"],
                    "run": run_name(run),
                }
            )
        return pd.DataFrame(rows)

    def student_label(self, run: RunConfig) -> str:
        if self.setting == "finetune":
            return run.model
        return f"{run.model} ({MODES['probe' if run.linear_probe else 'finetune']})"


def _loss_key(run: RunConfig) -> tuple:
    return (run.data, run.weak, run.model, run.linear_probe, run.train.loss)


# ---------------------------------------------------------------------------------------------
# The table


def _unit_sums(part: pd.DataFrame, unit_cols, cols) -> tuple[np.ndarray, np.ndarray]:
    """Per unit (a group of ``unit_cols``), the count of cells and the sums of ``cols``."""
    g = part.groupby(list(unit_cols))
    return g.size().to_numpy(float), g[list(cols)].sum().to_numpy(float)


def _draw_means(counts, sums, draws) -> np.ndarray:
    """Means of ``sums``' columns over each draw's units (draw x unit indices): [draws, cols]."""
    picked_n = counts[draws].sum(1)
    return sums[draws].sum(1) / picked_n[:, None]


def _gap_ratio(means: np.ndarray) -> np.ndarray:
    """(col1 - col2) / (col3 - col0) of weak, value, base, strong means: a PGR or a PGR difference."""
    weak, value, base, strong = means.T
    gap = strong - weak
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, (value - base) / gap, np.nan)


def method_row(part: pd.DataFrame, *, level: float = LEVEL, n: int = N_DRAWS) -> dict:
    """One method's numbers for one student from its cells joined with naive's (``test_acc_naive``)."""
    cols = ["weak_acc", "test_acc", "weak_acc", "strong_acc"]  # PGR = (test - weak) / (strong - weak)
    delta_cols = ["weak_acc", "test_acc", "test_acc_naive", "strong_acc"]
    point = _gap_ratio(part[cols].mean().to_numpy()[None])[0]
    delta = _gap_ratio(part[delta_cols].mean().to_numpy()[None])[0]
    counts, sums = _unit_sums(part, ["seed"], cols)
    by_seed = _gap_ratio(_draw_means(counts, sums, seed_draw_indices(len(counts), n=n))) if len(counts) > 1 else []
    counts, sums = _unit_sums(part, ["seed", "weak_model"], delta_cols)
    by_unit = _gap_ratio(_draw_means(counts, sums, seed_draw_indices(len(counts), n=n))) if len(counts) > 1 else []
    pgr_lo, pgr_hi = percentile_interval(by_seed, level)
    d_lo, d_hi = percentile_interval(by_unit, level)
    verdict = "better" if d_lo > 0 else "worse" if d_hi < 0 else "unclear"
    return dict(
        pgr=point, pgr_lo=pgr_lo, pgr_hi=pgr_hi, delta=delta, delta_lo=d_lo, delta_hi=d_hi, verdict=verdict,
        test_acc=part["test_acc"].mean(), n_cells=len(part), n_seeds=part["seed"].nunique(),
    )  # fmt: skip


def method_table(rows: pd.DataFrame, *, level: float = LEVEL, n: int = N_DRAWS) -> pd.DataFrame:
    """Per student and method (``CompareSpec.run``'s rows): PGR with its interval over seeds, the difference from
    naive with its paired interval, and the verdict (module docstring); naive's own difference is 0. Students in
    size order, each one's methods by PGR, best first."""
    naive = rows[rows["method"] == "naive"][["student", "task", "weak_model", "seed", "test_acc"]]
    joined = rows.merge(naive, on=["student", "task", "weak_model", "seed"], suffixes=("", "_naive"))
    out = []
    for (student, method), part in joined.groupby(["student", "method"], sort=False):
        out.append(
            {"student": student, "model": part["model"].iloc[0], "method": method, **method_row(part, level=level, n=n)}
        )
    table = pd.DataFrame(out)
    order = {s: i for i, s in enumerate(_student_order(table))}
    table["_order"] = table["student"].map(order)
    table = table.sort_values(["_order", "pgr"], ascending=[True, False], na_position="last")
    return table.drop(columns="_order").reset_index(drop=True)


def _student_order(table: pd.DataFrame) -> list[str]:
    sizes = model_order(list(dict.fromkeys(table["model"])))
    model = dict(zip(table["student"], table["model"]))
    return sorted(model, key=lambda s: (sizes.index(model[s]), s))


def _signed(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:+.2f}"


def format_table(table: pd.DataFrame) -> str:
    """One line per student and method: PGR [lo, hi] over seeds, the difference from naive [lo, hi] paired over
    seeds and supervisors, and whether that interval excludes zero."""

    def num(x):
        return "n/a" if not np.isfinite(x) else f"{x:.2f}"

    width = max(len(s) for s in table["student"])
    mwidth = max(len(m) for m in table["method"])
    lines = [f"{'student':<{width}}  {'method':<{mwidth}}  PGR [95% over seeds]   vs naive [95% paired]   verdict"]
    for r in table.itertuples():
        pgr = f"{num(r.pgr)} [{num(r.pgr_lo)}, {num(r.pgr_hi)}]"
        delta = (
            "baseline" if r.method == "naive" else f"{_signed(r.delta)} [{_signed(r.delta_lo)}, {_signed(r.delta_hi)}]"
        )
        verdict = "" if r.method == "naive" else r.verdict
        lines.append(f"{r.student:<{width}}  {r.method:<{mwidth}}  {pgr:<21}  {delta:<22}  {verdict}")
    return "\n".join(lines)


def save_outputs(rows: pd.DataFrame, table: pd.DataFrame, out, preset: str) -> dict:
    """Write ``rows.csv`` (one row per method's student run), ``table.csv`` and ``table.txt`` (``method_table``,
    ``format_table``) and the figure ``methods_comparison_PRESET`` into ``out``, each file atomically."""
    from pathlib import Path

    from w2s_lib import plotting
    from w2s_lib.core.cache import atomic_write

    out = Path(out)
    for name, text in (
        ("rows.csv", rows.to_csv(index=False)),
        ("table.csv", table.to_csv(index=False)),
        ("table.txt", format_table(table) + "\n"),
    ):
        atomic_write(out / name, lambda f, t=text: f.write(t.encode()))
    fig = plotting.plot_method_comparison(table)
    paths = plotting.save_figure(fig, "methods_comparison", preset, table.to_dict("records"), out)
    plotting.plt.close(fig)
    return paths


NOTEBOOK_SPECS = {"methods_comparison": CompareSpec.from_params}
