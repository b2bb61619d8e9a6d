"""The specs of the NLP analysis and laptop notebooks: Fig. 21's difficulty cutoffs, Figs. 25-27's variants of one
pair's students, the example protocol, four paper tasks offline and the sandbox walkthrough.

Each is built from the notebook's flat parameters (``NOTEBOOK_SPECS``) and lists its runs with the library's
planners (``sweep``, ``sandbox``), so ``w2s plan`` lists what the notebook trains without executing it. Where a
notebook's runs are a sweep with changes, the spec holds that sweep's ``SweepSpec``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from w2s_lib.core.spec import Spec
from w2s_lib.models.loading import check_model_name
from w2s_lib.nlp import sandbox
from w2s_lib.nlp.protocol import WEAK_ERRORS, NlpRun, RunConfig
from w2s_lib.nlp.spec import SweepSpec
from w2s_lib.nlp.sweep import (
    SweepPlan,
    difficulty_graders,
    difficulty_results,
    run_configs,
    run_difficulty_graders,
    run_plan,
    with_variant,
)

BOTH_LOSSES = ("xent", "logconf")  # naive training and the confidence loss, as the notebooks fix them


def _nlp_runs(configs, root) -> list[NlpRun]:
    return [NlpRun(c, root) for c in dict.fromkeys(configs)]


@dataclass(frozen=True)
class DifficultySpec(Spec):
    """Paper Fig. 21 (``sweep.difficulty_sweep``) for every task and seed of ``sweep``.

    Only the graders (every model on half A's ground truth, ``sweep.difficulty_graders``) can be listed before
    anything runs: which cutoffs have items and how many items each cutoff run keeps are read from the
    graders' predictions, so ``runs`` lists the graders of every task and seed, and ``run`` trains them first,
    then plans and trains the cutoffs' runs (``sweep.difficulty_results``)."""

    sweep: SweepSpec  # tasks, models, seeds, training settings and setting; its losses and pairs train nothing

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> DifficultySpec:
        return cls(sweep=SweepSpec.from_params(params, **fixed))

    def graders(self) -> dict[tuple[str, int], tuple[RunConfig, ...]]:
        """The graders of each (task, seed), in the notebook's order (tasks, then seeds)."""
        kw, models = self.sweep.plan_kw(), list(self.sweep.models)
        return {(t, s): difficulty_graders(t, models, s, **kw) for t in self.sweep.tasks for s in self.sweep.seeds}

    def runs(self, root) -> list[NlpRun]:
        return _nlp_runs([g for graders in self.graders().values() for g in graders], root)

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Every task's and seed's graders, then its cutoffs' runs; the cutoffs' rows."""
        graders = self.graders()
        for each in graders.values():  # all that can be known first: ``w2s plan`` then lists every grader
            run_difficulty_graders(each, root, progress=progress)
        frames = [difficulty_results(each, root, progress=progress) for each in graders.values()]
        return pd.concat(frames, ignore_index=True)


RUN_FIELDS = tuple(f.name for f in dataclasses.fields(RunConfig))


@dataclass(frozen=True)
class PairVariantsSpec(Spec):
    """One (supervisor, student) pair's weak-to-strong runs in several variants (``sweep.with_variant``), and
    its ceilings: Fig. 25's error structures, Fig. 27's label in the prompt. The pair is the setting's
    weakest supervisor and largest student (``from_params``); both losses."""

    sweep: SweepSpec  # its ``pairs``: the one pair
    variants: tuple[tuple[tuple[str, object], ...], ...]  # each: the RunConfig fields it changes, (key, value)

    @classmethod
    def from_params(cls, params: Mapping, *, variants, **fixed) -> PairVariantsSpec:
        """``variants``: one mapping of RunConfig changes per variant ({}: the runs as planned)."""
        base = SweepSpec.from_params(params, **{"losses": BOTH_LOSSES, **fixed})
        pairs = base.trained_pairs
        sweep = dataclasses.replace(base, pairs=((pairs[0][0], pairs[-1][1]),))
        return cls(sweep=sweep, variants=tuple(tuple(dict(v).items()) for v in variants))

    def __post_init__(self):
        bad = [k for v in self.variants for k, _ in v if k not in RUN_FIELDS]
        if bad:
            raise ValueError(f"unknown run option {bad[0]!r} in a variant; valid: {', '.join(RUN_FIELDS)}")
        self.plan()  # RunConfig checks each variant's values now

    @property
    def pair(self) -> tuple[str, str]:
        """(supervisor, student)."""
        return self.sweep.trained_pairs[0]

    def plan(self) -> list[RunConfig]:
        """The students in each variant, then the ceilings (the supervisors come with the students)."""
        sweep = self.sweep.sweep()
        return [c for v in self.variants for c in with_variant(sweep.w2s, **dict(v))] + sweep.ceilings

    def runs(self, root) -> list[NlpRun]:
        return _nlp_runs(self.plan(), root)

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Their rows (``results.collect``'s columns: role, PGR, the supervisor's accuracy, ...)."""
        return run_configs(self.plan(), root, progress=progress)


def error_structures(params: Mapping) -> PairVariantsSpec:
    """Figs. 25 and 26: the pair's students on labels of every error structure (``protocol.WEAK_ERRORS``)."""
    return PairVariantsSpec.from_params(params, variants=[{"weak_errors": kind} for kind in WEAK_ERRORS])


def label_in_prompt(params: Mapping) -> PairVariantsSpec:
    """Fig. 27: the pair's students on the original prompts and with the supervisor's label appended."""
    return PairVariantsSpec.from_params(params, variants=[{}, {"weak_label_in_prompt": True}])


def one_task(params: Mapping) -> SweepSpec:
    """The example protocol's sweep: its one ``task`` and one ``seed``."""
    return SweepSpec.from_params(params, tasks=(params["task"],), seeds=(params["seed"],))


@dataclass(frozen=True)
class PerTaskSpec(Spec):
    """``sweep`` run task by task, each at its own sizes (``sandbox.per_task_plans``): four paper tasks
    offline. A task that ``sizes`` does not name takes ``sweep``'s n_train, n_test and max_len."""

    sweep: SweepSpec  # tasks, models, seeds, losses, training settings and setting
    sizes: tuple[tuple[str, tuple[int, int, int]], ...] = ()  # (task, (n_train, n_test, max_len))
    student_supervisors: tuple[str, ...] = ()  # laptop: students that also supervise the larger ones

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> PerTaskSpec:
        kw = {**params, **fixed}
        sizes = tuple((t, tuple(v) if isinstance(v, list | tuple) else v) for t, v in (kw.get("sizes") or {}).items())
        return cls(
            sweep=SweepSpec.from_params(kw, **{"losses": BOTH_LOSSES, **fixed}),
            sizes=sizes,
            student_supervisors=tuple(kw.get("student_supervisors") or ()),
        )

    def __post_init__(self):
        for task, size in self.sizes:
            ok = isinstance(size, tuple) and len(size) == 3 and all(isinstance(n, int) and n >= 0 for n in size)
            if not ok:
                raise ValueError(f"sizes of {task!r} must be [n_train, n_test, max_len] (integers >= 0), got {size!r}")
        self.plans()  # every task's runs are built (and checked) now

    def sized(self) -> dict[str, tuple[int, int, int]]:
        """Every task's (n_train, n_test, max_len)."""
        s, given = self.sweep, dict(self.sizes)
        return {t: given.get(t, (s.n_train, s.n_test, s.max_len)) for t in s.tasks}

    def plans(self) -> list[SweepPlan]:
        s = self.sweep
        return sandbox.per_task_plans(
            list(s.tasks), list(s.models), list(s.losses), list(s.seeds), sizes=self.sized(), every=s.every(),
            setting=s.setting, student_supervisors=list(self.student_supervisors),
        )  # fmt: skip

    def runs(self, root) -> list[NlpRun]:
        return _nlp_runs([c for plan in self.plans() for c in plan.runs], root)

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Every task's sweep rows (``sweep.run_plan``'s), task by task."""
        return pd.concat([run_plan(plan, root, progress=progress) for plan in self.plans()], ignore_index=True)


@dataclass(frozen=True)
class WalkthroughSpec(Spec):
    """The sandbox walkthrough: the demo's runs (``sandbox.sandbox_plan``, the design of ``sandbox.SANDBOX``)
    with the notebook's students and seeds, so it shares ``make demo``'s cache."""

    seeds: tuple[int, ...] = (0,)
    students: tuple[str, ...] = ("minilm-l1", "minilm-l6")  # pretrained students (probes), any order

    @classmethod
    def from_params(cls, params: Mapping, **fixed) -> WalkthroughSpec:
        kw = {**params, **fixed}
        return cls(**{k: tuple(kw[k]) for k in ("seeds", "students") if k in kw})

    def __post_init__(self):
        if not self.seeds:
            raise ValueError("no seeds given; e.g. seeds: [0, 1, 2, 3, 4]")
        supervisors = sandbox.SANDBOX["weak_models"]
        if not self.students or any(s in supervisors for s in self.students):
            raise ValueError(
                f"students must be pretrained models, none of the supervisors ({', '.join(supervisors)}); "
                f"e.g. {', '.join(sandbox.LADDER)}; got {list(self.students)}"
            )
        for s in self.students:
            check_model_name(s)

    @property
    def cfg(self) -> dict:
        """The demo's design with these students."""
        return dict(sandbox.SANDBOX, students=list(self.students))

    def plan(self) -> tuple[list[RunConfig], list[RunConfig], list[RunConfig]]:
        """(supervisors, ceilings, students)."""
        return sandbox.sandbox_plan(list(self.seeds), self.cfg)

    def runs(self, root) -> list[NlpRun]:
        return _nlp_runs([c for part in self.plan() for c in part], root)

    def run(self, root, *, progress=None) -> pd.DataFrame:
        """Their rows (``results.collect``'s columns)."""
        return run_configs([c for part in self.plan() for c in part], root, progress=progress)


# The notebooks' specs (``w2s_lib.specs`` gathers every setting's): notebook name -> params -> Spec.
NOTEBOOK_SPECS = {
    "fig21_difficulty_cutoffs": DifficultySpec.from_params,
    "fig25_fig26_error_structures": error_structures,
    "fig27_label_in_prompt": label_in_prompt,
    "example_protocol": one_task,
    "paper_tasks_offline": PerTaskSpec.from_params,
    "sandbox_walkthrough": WalkthroughSpec.from_params,
}
