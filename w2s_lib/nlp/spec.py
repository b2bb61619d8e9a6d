"""The spec of an NLP sweep: a notebook's parameters (or ``w2s sweep``'s preset and flags) as one typed object.

``SweepSpec.from_params(params)`` reads the flat parameters a notebook takes from its preset file (tasks,
models, seeds, sizes, training settings, ``setting``, ``student_mode``, ...), checks them once, and is then the
only thing the library needs: ``spec.plan()`` lists every run it would train (nothing is trained, downloaded or
read), ``spec.run(root)`` runs what is missing and returns its rows. ``w2s plan``, ``w2s sweep``, the notebooks
and ``make figures`` all take this one path, so what ``w2s plan`` prints is what the notebook trains.

A list parameter may name a list of ``data.registry.TASK_LISTS`` (``tasks: paper_nlp``) instead of spelling it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from w2s_lib.core.losses import LOSSES
from w2s_lib.core.spec import Spec
from w2s_lib.data import TASKS
from w2s_lib.data.registry import task_list
from w2s_lib.models.loading import check_model_name
from w2s_lib.models.presets import model_order
from w2s_lib.models.settings import ModelSettings, per_model_lr
from w2s_lib.nlp import sandbox
from w2s_lib.nlp.protocol import NlpRun, RunConfig
from w2s_lib.nlp.settings import DataSettings
from w2s_lib.nlp.sweep import SweepPlan, plan_bootstrap, plan_sweep, run_configs, run_plan

TRAIN_KEYS = ("epochs", "batch_size", "minibatch_size", "max_len")  # flat parameters that are TrainConfig fields


@dataclass(frozen=True)
class SweepSpec(Spec):
    """Every setting of one NLP sweep; a field's comment says what it is (defaults: the library's)."""

    tasks: tuple[str, ...]  # task names, or one name of ``TASK_LISTS``
    models: tuple[str, ...]  # model presets (or Hub ids), weakest first
    losses: tuple[str, ...] = ("xent",)  # the students' losses (``core.losses.LOSSES``)
    seeds: tuple[int, ...] = (0,)
    n_train: int = 2000  # items before halving (0: every item of a Hub split)
    n_test: int = 500
    epochs: float | None = None  # None: TrainConfig's default (so with batch_size, minibatch_size, max_len)
    batch_size: int | None = None
    minibatch_size: int | None = None
    max_len: int | None = None
    head_init: str | None = None  # zeros (reference code) or unembed01 (paper §A.1)
    train_kw: dict = field(default_factory=dict)  # more TrainConfig settings
    select: str | None = None  # model selection (TrainConfig.select)
    lr: float | dict | None = None  # one rate, {model: rate}, or None: each preset's rate
    alpha_max: float | None = None  # the confidence loss's, for every student (None: paper App. A.4's rule)
    setting: str = "finetune"  # finetune (the paper's) or laptop (nlp/sandbox.py's design)
    student_mode: str = "probe"  # laptop students: probe or finetune
    pairs: tuple[tuple[str, str], ...] | None = None  # (weak, strong) pairs; None: the setting's
    compare_modes: dict = field(default_factory=dict)  # laptop: {students, tasks, seeds} both ways (sandbox.py)
    bootstrap: bool = False  # the models as one bootstrapping chain (paper §4.3.1)
    lora_r: int = 0
    genft_epochs: float = 0.0
    genft_supervisors: bool = False
    compile: bool = False

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> SweepSpec:
        """The spec of ``params`` (a notebook's parameters or a preset file's mapping; keys that are no field
        of the spec, such as ``cache_dir``, are the notebook's own and ignored), with ``fixed`` over them (what
        a notebook fixes in code, e.g. its losses). Raises a one-line ValueError on a bad value."""
        kw = {**params, **fixed}
        if "tasks" in kw:
            kw["tasks"] = task_list(kw["tasks"])  # a list's name (``tasks: paper_nlp``) spelt out
        kw["head_init"] = kw.get("head_init") or None
        return super().from_params(kw)

    def __post_init__(self):
        check_choices("task", self.tasks, sorted(TASKS))
        check_choices("loss", self.losses, list(LOSSES))
        check_choices("setting", [self.setting], list(sandbox.SETTINGS))
        for m in self.models:
            check_model_name(m)
        if not self.seeds:
            raise ValueError("no seeds given; e.g. seeds: [0, 1, 2]")
        self.plan_kw()  # every run's config is built (and checked) now, before anything runs

    # ------------------------------------------------------------------ what it trains

    def plan_kw(self) -> dict:
        """``plan_sweep``'s keywords: the data, every model's settings, the pairs and the losses' options."""
        design = sandbox.setting_kw(self.setting, list(self.models), student_mode=self.student_mode)
        per_model = design.get("per_model") or {}
        if isinstance(self.lr, dict):
            per_model = {**per_model, **per_model_lr(self.lr)}
        return dict(
            data=DataSettings(n_train=self.n_train, n_test=self.n_test),
            every=self.every(),
            per_model=per_model or None,
            pairs=list(self.pairs) if self.pairs is not None else design["pairs"],
            loss_kw={"logconf": {"alpha_max": self.alpha_max}} if self.alpha_max is not None else None,
            genft_epochs=self.genft_epochs,
            genft_supervisors=self.genft_supervisors,
        )

    def every(self) -> ModelSettings:
        """How every model trains, before its per-model settings."""
        train = {k: getattr(self, k) for k in TRAIN_KEYS if getattr(self, k) is not None}
        train.update(self.train_kw)
        if self.select:
            train["select"] = self.select
        if self.compile:
            train["compile"] = True
        lr = None if isinstance(self.lr, dict) else self.lr
        return ModelSettings(lr=lr, lora_r=self.lora_r, head_init=self.head_init, train=train)

    @property
    def trained_pairs(self) -> list[tuple[str, str]]:
        """The (supervisor, student) pairs the sweep trains: ``pairs``, else the setting's."""
        return self.plan_kw()["pairs"]

    @property
    def supervisors(self) -> list[str]:
        """The models that supervise, weakest first."""
        return model_order({w for w, _ in self.trained_pairs})

    @property
    def students(self) -> list[str]:
        """The models trained on weak labels, smallest first."""
        return model_order({s for _, s in self.trained_pairs})

    def sweep(self) -> SweepPlan:
        """The main sweep's runs, in dependency order."""
        kw = self.plan_kw()
        if self.bootstrap:
            kw.pop("pairs")
            return plan_bootstrap(list(self.tasks), model_order(self.models), list(self.losses), list(self.seeds), **kw)
        return plan_sweep(list(self.tasks), list(self.models), list(self.losses), list(self.seeds), **kw)

    def modes(self) -> list[RunConfig]:
        """The side-by-side runs of ``compare_modes`` (probes and finetuned students; none when it is empty)."""
        if not self.compare_modes:
            return []
        return sandbox.modes_plan(self.compare_modes, self.losses, data=self.plan_kw()["data"], every=self.every())

    def plan(self) -> list[RunConfig]:
        """Every run the spec trains, each once, in an order where a run comes after those it reads."""
        return list(dict.fromkeys([*self.sweep().runs, *self.modes()]))

    # ------------------------------------------------------------------ running it

    def runs(self, root) -> list[NlpRun]:
        return [NlpRun(c, root) for c in self.plan()]

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Run (or load) the main sweep; its rows (``results.collect``'s columns: unlike ``Spec.run``, a sweep's
        rows carry what the results table derives from its runs, PGR and the weak model's accuracy)."""
        return run_plan(self.sweep(), root, progress=progress)

    def run_modes(self, root) -> pd.DataFrame:
        """Run (or load) the ``compare_modes`` runs; their rows, each with its ``student_mode``."""
        return run_configs(self.modes(), root)


def check_choices(kind: str, values, valid) -> None:
    """A one-line ValueError for the first of ``values`` not in ``valid``, naming the valid ones."""
    bad = [v for v in values if v not in valid]
    if bad:
        raise ValueError(f"unknown {kind} {bad[0]!r}; valid: {', '.join(map(str, valid))}")


def sweep_of(**fixed):
    """A notebook whose runs are one sweep: its ``SweepSpec`` from its parameters, with ``fixed`` over them."""
    return functools.partial(SweepSpec.from_params, **fixed)


# The NLP notebooks' specs (``w2s_lib.specs`` gathers every setting's): notebook name -> params -> Spec, with
# what the notebook fixes in code over its parameters (e.g. its losses).
NOTEBOOK_SPECS = {
    "fig02_headline_bars": sweep_of(losses=("xent", "logconf")),
    "fig03_naive_scaling": sweep_of(losses=("xent",)),
    "fig05_confidence_loss": sweep_of(losses=("xent", "logconf")),
    "fig07_fig13_overfitting": sweep_of(losses=("xent", "logconf")),
    "fig08_agreement": sweep_of(losses=("xent", "logconf")),
    "fig06_fig12_per_dataset": sweep_of(losses=("xent", "logconf")),
    "fig03_rm_naive_scaling": sweep_of(losses=("xent",)),
    "fig07_fig16_rm_overfitting_agreement": sweep_of(losses=("xent",)),
}
