"""The specs of the NLP variant notebooks: Fig. 9's prompting, Figs. 10, 17 and 18's generative finetuning,
Fig. 11's probes of finetuned models, Fig. 23's linear-probe scaling and Fig. 24's simulation difficulty.

Each is built from the notebook's flat parameters (``NOTEBOOK_SPECS``) and lists its runs with the library's
planners (``sweep``, ``prompting``, ``sandbox``), so ``w2s plan`` lists what the notebook trains without
executing it. Where a notebook's runs are a sweep with changes, the spec holds that sweep's ``SweepSpec``.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from w2s_lib.core.spec import Spec
from w2s_lib.models.loading import check_model_name
from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp import sandbox
from w2s_lib.nlp.prompting import PromptConfig, PromptRun, check_prompts, prompting_plan, prompting_rows
from w2s_lib.nlp.protocol import NlpRun, RunConfig, run_name
from w2s_lib.nlp.settings import PromptSettings
from w2s_lib.nlp.simulation import check_source, simulation_data, simulation_experiment
from w2s_lib.nlp.spec import SweepSpec
from w2s_lib.nlp.sweep import SweepPlan, plan_sweep, probe_of, probe_settings, run_configs, run_plan

BOTH_LOSSES = ("xent", "logconf")  # naive training and the confidence loss, as the notebooks fix them


def _nlp_runs(configs, root) -> list[NlpRun]:
    return [NlpRun(c, root) for c in dict.fromkeys(configs)]


def _positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")


def _probe(sweep: SweepSpec, epochs: float) -> ModelSettings:
    """The paper's probe recipe (``sweep.probe_settings``, ``epochs`` of it) on ``sweep``'s head, token limit and
    minibatch: how Figs. 11 and 23 train every probe they plan with ``plan_sweep``."""
    train = {k: getattr(sweep, k) for k in ("max_len", "minibatch_size") if getattr(sweep, k) is not None}
    return ModelSettings(head_init=sweep.head_init).overridden_by(probe_settings(epochs, **train))


# ---------------------------------------------------------------------------- Fig. 9: prompting


@dataclass(frozen=True)
class PromptingSpec(Spec):
    """Paper Fig. 9: Fig. 5's finetuning sweep (both losses; the same settings, so the same runs), then every
    model prompted with each shot count on ground truth, and every model larger than a supervisor with that
    supervisor's labels in the shots (``prompting.prompting_plan``; the supervisors are the sweep's)."""

    sweep: SweepSpec
    supervisors: tuple[str, ...]  # whose labels go into the weak shots
    prompt: PromptSettings  # shot counts (0 and ``shots``), prompt length, batch and instruction set

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> PromptingSpec:
        kw = {**params, **fixed}
        prompt = PromptSettings(
            shots=(0, kw["shots"]),
            max_len=kw["prompt_max_len"],
            batch_size=kw["prompt_batch_size"],
            prompts=kw["prompts"],
        )
        sweep = SweepSpec.from_params(params, **{"losses": BOTH_LOSSES, **fixed})
        return cls(sweep=sweep, supervisors=tuple(kw["supervisors"]), prompt=prompt)

    def __post_init__(self):
        check_prompts(self.prompt.prompts)
        for m in self.supervisors:
            check_model_name(m)
        self.prompt_plan()

    def prompt_plan(self) -> list[PromptConfig]:
        """The prompting runs, in the order they are run."""
        s, kw = self.sweep, self.sweep.plan_kw()
        return prompting_plan(
            list(s.tasks),
            list(s.models),
            list(s.seeds),
            prompt=self.prompt,
            supervisors=list(self.supervisors),
            data=kw["data"],
            every=kw["every"],
            per_model=kw["per_model"],
        )

    def runs(self, root) -> list:
        return [*self.sweep.runs(root), *(PromptRun(c, root) for c in self.prompt_plan())]

    def run_sweep(self, root, *, progress=None) -> pd.DataFrame:
        """Run (or load) the finetuning sweep; its rows (``SweepSpec.run``'s)."""
        return self.sweep.run(root, progress=progress)

    def run_prompts(self, root, *, progress=None) -> pd.DataFrame:
        """Run (or load) the prompting runs; one row each (``prompting.prompting_rows``')."""
        return prompting_rows(self.prompt_plan(), root, progress=progress)

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Run (or load) the sweep, then the prompting runs; the prompting runs' rows."""
        self.run_sweep(root, progress=progress)
        return self.run_prompts(root, progress=progress)


# ---------------------------------------------------------------------------- Figs. 10, 17, 18


GENFT_SWEEPS = ("naive", "tuned", "tuned_all")  # without the pass, students and ceilings with it, everyone


@dataclass(frozen=True)
class GenerativeFinetuningSpec(Spec):
    """Paper Figs. 10, 17 and 18: one reward-modelling sweep (cross-entropy) three ways (``GENFT_SWEEPS``):
    ``naive`` (no generative finetuning: ``fig03_rm_naive_scaling``'s runs), ``tuned`` (``genft_epochs`` of it
    for the students and ceilings) and ``tuned_all`` (for the supervisors too)."""

    sweep: SweepSpec  # the naive sweep: every setting but the generative finetuning
    genft_epochs: float  # epochs of the language-modelling pass of the tuned sweeps

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> GenerativeFinetuningSpec:
        kw = {**params, **fixed}
        naive = {"losses": ("xent",), **fixed, "genft_epochs": 0.0, "genft_supervisors": False}
        return cls(sweep=SweepSpec.from_params(params, **naive), genft_epochs=kw["genft_epochs"])

    def __post_init__(self):
        _positive("genft_epochs", self.genft_epochs)
        if self.sweep.genft_epochs or self.sweep.genft_supervisors:
            raise ValueError("sweep must be the naive one (genft_epochs 0); the spec adds the generative finetuning")

    def sweeps(self) -> dict[str, SweepSpec]:
        """The three sweeps, by name (``GENFT_SWEEPS``)."""
        tuned = dataclasses.replace(self.sweep, genft_epochs=self.genft_epochs)
        return dict(zip(GENFT_SWEEPS, (self.sweep, tuned, dataclasses.replace(tuned, genft_supervisors=True))))

    def runs(self, root) -> list[NlpRun]:
        return _nlp_runs([c for s in self.sweeps().values() for c in s.plan()], root)

    def run_sweeps(self, root, *, progress=None) -> dict[str, pd.DataFrame]:
        """Run (or load) each sweep; its rows (``SweepSpec.run``'s), by name. A run two sweeps share (the
        supervisors of ``naive`` and ``tuned``) trains once and is a row of both."""
        return {name: s.run(root, progress=progress) for name, s in self.sweeps().items()}

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """``run_sweeps``' rows as one table, with the sweep's name in ``sweep``."""
        frames = self.run_sweeps(root, progress=progress)
        return pd.concat([df.assign(sweep=name) for name, df in frames.items()], ignore_index=True)


# ---------------------------------------------------------------------------- Fig. 11: probes


@dataclass(frozen=True)
class LinearProbesSpec(Spec):
    """Paper Fig. 11: the weakest model supervising the strongest, five ways (``methods``): probes on the
    pretrained student trained on weak labels (``lp(weak)``, the finetuned supervisor's) and on ground truth
    (``lp(gt)``), the student finetuned on weak labels (``ft(weak)``), a probe on ground truth on top of that
    (``ft(weak)+lp(gt)``, ``sweep.probe_of``) and the student finetuned on ground truth (``ft(gt)``). Every
    probe trains by the paper's recipe (``sweep.PROBE_RECIPE``) for ``probe_epochs``."""

    sweep: SweepSpec  # the finetuned runs: its one pair, cross-entropy, laptop students finetuned whole
    probe_epochs: float

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> LinearProbesSpec:
        kw = {**params, **fixed}
        models = list(kw["models"])
        pair = ((models[0], models[-1]),) if models else ()
        ft = {"losses": ("xent",), "pairs": pair, "student_mode": "finetune", **fixed}
        return cls(sweep=SweepSpec.from_params(params, **ft), probe_epochs=kw["probe_epochs"])

    def __post_init__(self):
        _positive("probe_epochs", self.probe_epochs)
        if len(self.sweep.trained_pairs) != 1:
            raise ValueError(f"Fig. 11 trains one (supervisor, student) pair, got {self.sweep.trained_pairs}")

    def methods(self) -> dict[str, list[RunConfig]]:
        """Each method's runs, in the figure's order."""
        s, kw = self.sweep, self.sweep.plan_kw()
        ft = s.sweep()
        lp = plan_sweep(
            list(s.tasks),
            list(s.models),
            list(s.losses),
            list(s.seeds),
            pairs=kw["pairs"],
            data=kw["data"],
            every=_probe(s, self.probe_epochs),
        )
        return {
            # the supervisor is always the finetuned weak model: the probes differ only in what the student does
            "lp(weak)": [dataclasses.replace(c, weak=f.weak) for c, f in zip(lp.w2s, ft.w2s)],
            "lp(gt)": lp.ceilings,
            "ft(weak)": ft.w2s,
            "ft(weak)+lp(gt)": [probe_of(c, epochs=self.probe_epochs) for c in ft.w2s],
            "ft(gt)": ft.ceilings,
        }

    def plan(self) -> list[RunConfig]:
        return [c for cs in self.methods().values() for c in cs]

    def runs(self, root) -> list[NlpRun]:
        return _nlp_runs(self.plan(), root)

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Run (or load) every method's runs; their rows (``results.collect``'s), each with its ``method``."""
        methods = self.methods()
        df = run_configs([c for cs in methods.values() for c in cs], root, progress=progress)
        name_of = {run_name(c): k for k, cs in methods.items() for c in cs}
        return df.assign(method=df["run"].map(name_of))


# ---------------------------------------------------------------------------- Fig. 23: probe scaling


@dataclass(frozen=True)
class ProbeScalingSpec(Spec):
    """Paper Fig. 23: ``sweep``'s naive runs with every model a linear probe by the paper's recipe
    (``probe_epochs`` of it). At ``setting: laptop`` the runs are the laptop design's own (``sandbox.setting_kw``:
    supervisors from scratch, probes by ``SANDBOX["probe_train"]``), the shared laptop sweep's, and
    ``compare_modes`` adds its students as probes and finetuned whole (``sandbox.modes_plan``)."""

    sweep: SweepSpec  # tasks, models, seeds, sizes, head, setting, student_mode and compare_modes; cross-entropy
    probe_epochs: float

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> ProbeScalingSpec:
        kw = {**params, **fixed}
        sweep = SweepSpec.from_params(params, **{"losses": ("xent",), **fixed})
        return cls(sweep=sweep, probe_epochs=kw["probe_epochs"])

    def __post_init__(self):
        _positive("probe_epochs", self.probe_epochs)
        self.modes()  # compare_modes' keys and students are checked now, before anything runs

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The (supervisor, student) pairs the sweep trains (the setting's)."""
        return self.sweep.trained_pairs

    def every(self) -> ModelSettings:
        """Every model's settings: the probe recipe at ``finetune``, the head alone at ``laptop`` (the laptop
        design's per-model settings then say how each model trains)."""
        if self.sweep.setting == "finetune":
            return _probe(self.sweep, self.probe_epochs)
        return ModelSettings(head_init=self.sweep.head_init)

    def sweep_plan(self) -> SweepPlan:
        """The sweep's runs, in dependency order."""
        s = self.sweep
        kw = {**s.plan_kw(), "every": self.every()}
        return plan_sweep(list(s.tasks), list(s.models), list(s.losses), list(s.seeds), **kw)

    def modes(self) -> list[RunConfig]:
        """The runs of ``compare_modes`` (none when it is empty)."""
        s = self.sweep
        if not s.compare_modes:
            return []
        return sandbox.modes_plan(s.compare_modes, list(s.losses), data=s.plan_kw()["data"], every=self.every())

    def runs(self, root) -> list[NlpRun]:
        return _nlp_runs([*self.sweep_plan().runs, *self.modes()], root)

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Run (or load) the sweep; its rows (``sweep.run_plan``'s)."""
        return run_plan(self.sweep_plan(), root, progress=progress)

    def run_modes(self, root, *, progress=None) -> pd.DataFrame:
        """Run (or load) the ``compare_modes`` runs; their rows, each with its ``student_mode``."""
        return run_configs(self.modes(), root, progress=progress)


# ---------------------------------------------------------------------------- Fig. 24: simulation


@dataclass(frozen=True)
class SimulationSpec(Spec):
    """Paper Fig. 24 (``simulation.simulation_experiment``) for every feature source and seed. Its models are
    scikit-learn logistic regressions fitted in the notebook's process, not runs of the engine, so ``runs`` is
    empty (``w2s plan`` lists nothing, as executing the notebook recorded nothing); a ``MODEL:TASK`` source's
    features are embedded once into the feature cache under ``root``."""

    features: str = "sklearn:digits"  # sources, comma-separated (``simulation.load_features``)
    n_items: int = 0  # items of the pool (0: all)
    n_weak: int = 700
    n_student: int = 0  # 0: the rest of the pool
    n_test: int = 300  # 0: all (a task's test split) or ``simulation_experiment``'s share of the pool
    ks: tuple[int, ...] = (4, 8, 16, 32)
    student_ks: tuple[int, ...] = (4, 8, 16, 32, 64)
    mixed_k: int = 16
    noise: tuple[float, ...] = (0.1, 0.07, 0.05, 0.01, 0.0)
    seed: int = 0
    n_seeds: int = 1  # seeds seed .. seed + n_seeds - 1
    setting: str = "finetune"  # finetune: mean-pooled features; laptop: each model's own pooling, as its probes

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> SimulationSpec:
        kw = {**params, **fixed}
        kw.update({k: tuple(kw[k]) for k in ("ks", "student_ks", "noise") if k in kw})
        return super().from_params(kw)

    def __post_init__(self):
        if self.setting not in sandbox.SETTINGS:
            raise ValueError(f"unknown setting {self.setting!r}; valid: {', '.join(sandbox.SETTINGS)}")
        for source in self.sources:
            check_source(source)
        if len(set(self.sources)) != len(self.sources):
            raise ValueError(f"features names a source twice: {self.features!r}")
        if not self.ks or self.mixed_k not in self.ks:
            raise ValueError(f"mixed_k={self.mixed_k} must be one of ks={list(self.ks)}")
        if not (isinstance(self.n_seeds, int) and self.n_seeds >= 1):
            raise ValueError(f"n_seeds must be an integer >= 1, got {self.n_seeds!r}")

    @property
    def sources(self) -> list[str]:
        """The feature sources, each its own figure."""
        return [f.strip() for f in self.features.split(",")]

    @property
    def seeds(self) -> list[int]:
        return list(range(self.seed, self.seed + self.n_seeds))

    def runs(self, root) -> list:
        return []  # logistic regressions on features: nothing for the run engine

    def experiment(self, source: str, seed: int, root) -> pd.DataFrame:
        """The grid of one source and seed (``simulation_experiment``'s rows); ``attrs["sizes"]``: the items
        of each part (weak, student, test)."""
        pooling = "mean" if self.setting == "finetune" else None  # laptop: the features its probes train on
        X, y, test = simulation_data(
            source, seed=seed, n=self.n_items or None, n_test=self.n_test or None, cache_dir=root, pooling=pooling
        )
        grid = simulation_experiment(
            X,
            y,
            ks=self.ks,
            student_ks=self.student_ks,
            mixed_k=self.mixed_k,
            noise=self.noise,
            n_weak=self.n_weak,
            n_student=self.n_student or None,
            n_test=self.n_test or None,
            test=test,
            seed=seed,
        )
        sizes = {part: len(idx) if idx is not None else len(test[1]) for part, idx in grid.attrs["splits"].items()}
        grid.attrs["sizes"] = sizes
        return grid

    def experiments(self, root) -> dict[tuple[str, int], pd.DataFrame]:
        """``experiment`` of every (source, seed), sources first."""
        return {(src, s): self.experiment(src, s, root) for src in self.sources for s in self.seeds}

    @staticmethod
    def pooled(grids: Mapping[tuple[str, int], pd.DataFrame]) -> pd.DataFrame:
        """The grids as one table, each row with its ``source`` and ``seed``."""
        return pd.concat([g.assign(source=src, seed=s) for (src, s), g in grids.items()], ignore_index=True)

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Every grid (``experiments``), pooled."""
        return self.pooled(self.experiments(root))


# The notebooks' specs (``w2s_lib.specs`` gathers every setting's): notebook name -> params -> Spec.
NOTEBOOK_SPECS = {
    "fig09_prompting": PromptingSpec.from_params,
    "fig10_fig17_fig18_generative_finetuning": GenerativeFinetuningSpec.from_params,
    "fig11_linear_probes": LinearProbesSpec.from_params,
    "fig23_linear_probe_scaling": ProbeScalingSpec.from_params,
    "fig24_simulation_difficulty": SimulationSpec.from_params,
}
