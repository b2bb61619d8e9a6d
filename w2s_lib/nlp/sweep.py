"""Sweeps: every run the paper's figures need, planned from a few lists and run through the cache.

``plan_sweep`` turns tasks x models x losses x seeds into supervisors, ceilings and weak-to-strong
students, and ``plan_bootstrap`` into bootstrapping chains (paper §4.3.1); the helpers below build the
analysis figures' variants (error structures, probes of finetuned models, difficulty cutoffs) from those
plans. What data the runs draw is ``data`` (``nlp.settings.DataSettings``), how each model trains ``every``
and ``per_model`` (``models.settings.ModelSettings``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from w2s_lib.core import runs
from w2s_lib.data.splits import DataConfig, prepare_data
from w2s_lib.models.presets import model_order
from w2s_lib.models.settings import ModelSettings, check_per_model
from w2s_lib.nlp.protocol import NlpRun, RunConfig, item_difficulty, run_name, run_or_load
from w2s_lib.nlp.results import collect
from w2s_lib.nlp.settings import DataSettings
from w2s_lib.nlp.train import TrainConfig

# The confidence loss's alpha_max (paper App. A.4, p. 33): "0.75 for the largest students and 0.5 otherwise".
ALPHA_MAX = 0.5
ALPHA_MAX_LARGEST = 0.75


def logconf_prior(task: str) -> str:
    """The confidence loss's class prior for ``task`` (``LogConfLoss.prior``): "half" on balanced binary
    tasks, as the paper (App. A.4, p. 33), "weak" on those registered unbalanced (``TaskSpec.balanced``,
    the paper's footnote 7) and on names the registry does not know."""
    from w2s_lib.data import TASKS

    spec = TASKS.get(task)
    return "half" if spec is not None and spec.balanced else "weak"


def student_alpha_max(students: list[str], *, every: float | None = None) -> dict[str, float]:
    """alpha_max per student: 0.75 for the largest (by ``model_order``), 0.5 for the others; ``every`` (an
    ``alpha_max`` given in ``loss_kw``) replaces that for all."""
    order = model_order(list(dict.fromkeys(students)))
    if every is not None:
        return dict.fromkeys(order, float(every))
    return {m: ALPHA_MAX_LARGEST if m == order[-1] else ALPHA_MAX for m in order}


def _alphas(students: list[str], loss_kw: dict | None, every: ModelSettings, per_model: dict) -> dict[str, float]:
    """alpha_max per student (``student_alpha_max``), where a ``ModelSettings.alpha_max`` (the student's own,
    else ``every``'s) wins over ``loss_kw``'s and the paper's."""
    if not students:
        return {}
    explicit = ((loss_kw or {}).get("logconf") or {}).get("alpha_max")
    out = student_alpha_max(students, every=explicit)
    for m in out:
        own = every.overridden_by(per_model.get(m)).alpha_max
        out[m] = out[m] if own is None else float(own)
    return out


def _loss_settings(loss_kw: dict, loss: str, task: str, alpha_max: float | None) -> tuple:
    """A student's ``TrainConfig.loss_kw``: ``loss_kw[loss]``, and for the confidence loss its alpha_max and prior."""
    kw = dict(loss_kw.get(loss) or {})
    if loss == "logconf":
        kw["alpha_max"] = alpha_max
        kw.setdefault("prior", logconf_prior(task))
    return tuple(sorted(kw.items()))


def _run_fields(settings: ModelSettings) -> dict:
    """The ``RunConfig`` fields a model's settings set (unset ones keep RunConfig's defaults)."""
    fields = dict(head_init=settings.head_init, linear_probe=settings.linear_probe, lora_r=settings.lora_r)
    return {k: v for k, v in fields.items() if v is not None}


def gt_run(data: DataConfig, model: str, half: str, settings: ModelSettings, genft_epochs: float = 0.0) -> RunConfig:
    """``model`` trained on the ground truth of ``half`` with its ``settings`` (``every`` over which its
    ``per_model`` entry): a sweep's supervisors, ceilings and, with a loss, the settings of its students."""
    return RunConfig(
        data=data,
        model=model,
        labels="gt",
        half=half,
        train=settings.train_config(model, data.seed),
        genft_epochs=genft_epochs,
        **_run_fields(settings),
    )


@dataclass(frozen=True)
class SweepPlan:
    """All runs of a sweep, in an order where every run comes after the runs it needs."""

    weak: list[RunConfig]
    ceilings: list[RunConfig]
    w2s: list[RunConfig]

    @property
    def runs(self) -> list[RunConfig]:
        return self.weak + self.ceilings + self.w2s


def plan_sweep(
    tasks: list[str],
    models: list[str],
    losses: list[str],
    seeds: list[int],
    *,
    data: DataSettings | None = None,
    every: ModelSettings | None = None,
    per_model: Mapping[str, ModelSettings] | None = None,
    pairs: list[tuple[str, str]] | None = None,
    loss_kw: dict | None = None,
    ceiling_half: str = "B",
    genft_epochs: float = 0.0,
    genft_supervisors: bool = False,
) -> SweepPlan:
    """Every (weak < strong) pair of ``models`` (or the given ``pairs``), for each loss, task and seed.

    ``data``: the sizes of every task's data (``settings.DataSettings``; None: its defaults). How each model
    trains: ``every`` (``settings.ModelSettings``: rate, linear probe, LoRA rank, head, TrainConfig settings;
    None: the defaults) with the model's ``per_model`` entry over it, e.g. a frozen pretrained student
    supervised by models trained from scratch: ``per_model={"gpt2": ModelSettings(linear_probe=True, lr=1e-3)}``.
    A model's runs all use its own settings: a student's weak-to-strong runs are its ground-truth run with weak
    labels and the sweep's loss.
    ``loss_kw`` maps a loss name to its kwargs.

    The confidence loss (``logconf``) follows the paper (App. A.4, p. 33) unless told otherwise, and every such
    run records its settings in ``TrainConfig.loss_kw`` (so in config.json and the cache key): ``alpha_max``
    0.75 for the sweep's largest student and 0.5 for the others (``student_alpha_max``; an ``alpha_max`` in
    ``loss_kw["logconf"]`` applies to every student, and a ``ModelSettings.alpha_max`` wins over both), and
    ``prior`` "half" on balanced tasks, else "weak" (``logconf_prior``).
    ``genft_epochs > 0``: students and ceilings first get that many epochs of generative finetuning on the
    task's texts (paper Fig. 10); ``genft_supervisors`` gives it to the weak supervisors too (Fig. 18).
    ``ceiling_half="A"``: the ceilings are the half-A runs (the reference code's).
    """
    order = model_order(models)
    if pairs is None:
        pairs = [(w, s) for i, w in enumerate(order) for s in order[i + 1 :]]
    data, every, per_model = data or DataSettings(), every or ModelSettings(), check_per_model(per_model)
    settings = {m: every.overridden_by(per_model.get(m)) for m in order}
    alphas = _alphas([s for _, s in pairs], loss_kw, every, per_model)
    weak_genft = genft_epochs if genft_supervisors else 0.0
    weak, ceilings, w2s = {}, {}, []
    for task in tasks:
        for seed in seeds:
            dc = data.config(task, seed)
            for m in order:
                weak[(dc, m)] = gt_run(dc, m, "A", settings[m], weak_genft)
            for w, s in pairs:
                ceilings.setdefault((dc, s), gt_run(dc, s, ceiling_half, settings[s], genft_epochs))
                for loss in losses:
                    own = weak[(dc, s)]  # the student's ground-truth run: its settings, with weak labels and a loss
                    kw = _loss_settings(loss_kw or {}, loss, task, alphas[s])
                    tc = dataclasses.replace(own.train, loss=loss, loss_kw=kw)
                    w2s.append(
                        dataclasses.replace(
                            own, labels="weak", half="B", train=tc, weak=weak[(dc, w)], genft_epochs=genft_epochs
                        )
                    )
    used_weak = [c for (d, m), c in weak.items() if any(r.weak == c for r in w2s) or ceiling_half == "A"]
    return SweepPlan(weak=used_weak, ceilings=[c for c in ceilings.values() if c not in used_weak], w2s=w2s)


def plan_bootstrap(
    tasks: list[str],
    chain: list[str] | list[list[str]],
    losses: list[str],
    seeds: list[int],
    *,
    naive: bool = False,
    **plan_kw,
) -> SweepPlan:
    """Bootstrapping chains M1 -> M2 -> ... -> Mn (paper §4.3.1): every step of each chain, for each loss,
    task and seed, in the plan's ``w2s`` list (intermediate steps included, as Fig. 4 plots them).

    ``chain``: models weakest first (at least 3), or a list of such chains. Step k trains M(k+2) on part k of
    half B split into n - 1 parts (``RunConfig.b_slice``), labelled by step k - 1 (step 0: M1's
    ground-truth half-A run). Each step uses its own model's settings, as in ``plan_sweep``, whose
    keyword options (``plan_kw``: ``data``, ``every``, ``per_model``, ..., except ``pairs``) apply. ``naive``
    also plans the plain students of M1 supervising each later model on all of half B, the dotted lines of
    Fig. 4.

    The confidence loss's alpha_max is 0.75 for the largest model of all chains and 0.5 for every other step
    (paper App. A.4, p. 33; ``loss_kw`` and ``ModelSettings.alpha_max`` override it as in ``plan_sweep``), so a
    model trains with the same settings in every chain and step it appears in.
    """
    chains = [list(chain)] if isinstance(chain[0], str) else [list(c) for c in chain]
    every, per_model = plan_kw.get("every") or ModelSettings(), check_per_model(plan_kw.get("per_model"))
    alphas = _alphas([m for ch in chains for m in ch[1:]], plan_kw.get("loss_kw"), every, per_model)
    for m, a in alphas.items():  # every student's alpha_max, fixed over all chains
        per_model[m] = per_model.get(m, ModelSettings()).overridden_by(ModelSettings(alpha_max=a))
    plan_kw = {**plan_kw, "per_model": per_model}
    weak, ceilings, w2s = {}, {}, {}
    for ch in chains:
        if len(set(ch)) < 3 or len(set(ch)) != len(ch):
            raise ValueError(f"a bootstrap chain needs at least 3 different models, got {', '.join(ch)}")
        plan = plan_sweep(tasks, ch, losses, seeds, pairs=[(ch[0], s) for s in ch[1:]], **plan_kw)
        weak.update(dict.fromkeys(plan.weak))
        ceilings.update(dict.fromkeys(plan.ceilings))
        naive_runs: dict[tuple, list[RunConfig]] = {}  # (data, loss) -> M1 supervising M2, M3, ... in order
        for run in plan.w2s:
            naive_runs.setdefault((run.data, run.train.loss), []).append(run)
        for students in naive_runs.values():
            if naive:
                w2s.update(dict.fromkeys(students))
            sup = students[0].weak
            for k, student in enumerate(students):
                sup = dataclasses.replace(student, weak=sup, b_slice=k, b_slices=len(students))
                w2s[sup] = None
    return SweepPlan(weak=list(weak), ceilings=[c for c in ceilings if c not in weak], w2s=list(w2s))


def run_sweep(plan: SweepPlan, root, *, force: bool = False, checkpoint: bool = False, progress=None) -> pd.DataFrame:
    """Run (or load) every run of ``plan`` through the engine (``runs.run_all``: a finished run is reused only
    while its key holds) and return the tidy results table of ``root``."""
    todo = [NlpRun(c, root, checkpoint=checkpoint) for c in dict.fromkeys(plan.runs)]
    runs.run_all(todo, force=force, progress=progress, desc="sweep")
    return collect(root)


def run_plan(plan: SweepPlan, root, *, force: bool = False, checkpoint: bool = False, progress=None) -> pd.DataFrame:
    """Run (or load) ``plan`` and return only its runs' rows (``root`` may hold other sweeps too)."""
    df = run_sweep(plan, root, force=force, checkpoint=checkpoint, progress=progress)
    if df.empty:  # nothing finished (``w2s plan`` records runs instead of training them)
        return df
    names = {run_name(c) for c in plan.runs}
    return df[df["run"].isin(names)].reset_index(drop=True)


def with_variant(configs, **changes) -> list[RunConfig]:
    """Copies of (weak-to-strong) run configs with some options changed, e.g. ``weak_errors="random"``."""
    return [dataclasses.replace(c, **changes) for c in configs]


# How linear probes train (paper App. D.2, p. 40): "Adam, learning rate 1e-3, batch size 128, no weight decay",
# 200 epochs, early-stopped on agreement with the probe's own training labels on a held-out validation slice
# (``select="val"``: weak labels for a student probe, ground truth for a g.t. probe). The schedule is not stated;
# ours stays TrainConfig's (cosine, no warmup). Every probe of Figs. 11 and 23 trains so (``probe_train_config``,
# ``probe_settings``, ``probe_of``); smoke presets shorten only the epochs. A frozen backbone's features are
# memoized per text (``models.Classifier.pooled``): 200 epochs cost one backbone pass per text, then head updates.
PROBE_RECIPE = dict(optimizer="adam", lr=1e-3, batch_size=128, weight_decay=0.0, epochs=200.0, select="val")
# Evaluation schedules are per run, not per recipe: a probe of a finetuned run does not inherit the finetuning's
# (10 evaluations per epoch would be 2000 for 200 epochs); it gets TrainConfig's default number of evaluations.
_EVAL_SCHEDULE = ("eval_every", "min_evals", "evals_per_epoch")


def probe_train_config(base: TrainConfig | None = None, *, epochs: float | None = None) -> TrainConfig:
    """``PROBE_RECIPE`` over ``base``'s other settings (max_len, eval batch, seed, loss...); ``epochs`` replaces
    the recipe's 200 (smoke presets). The minibatch stays ``base``'s when it divides 128, else the whole batch."""
    base = base or TrainConfig()
    recipe = dict(PROBE_RECIPE)
    if epochs is not None:
        recipe["epochs"] = float(epochs)
    defaults = TrainConfig()
    schedule = {k: getattr(defaults, k) for k in _EVAL_SCHEDULE if hasattr(defaults, k)}
    mbs = base.minibatch_size if recipe["batch_size"] % base.minibatch_size == 0 else recipe["batch_size"]
    return dataclasses.replace(base, minibatch_size=mbs, **schedule, **recipe)


def probe_settings(epochs: float | None = None, **train) -> ModelSettings:
    """The ``ModelSettings`` of a linear probe trained by ``PROBE_RECIPE``: ``plan_sweep(..., every=probe_settings())``
    makes every run of the plan one. ``train``: other TrainConfig settings (max_len, minibatch_size, ...); the
    recipe's win where they overlap, and ``epochs`` replaces its 200 (smoke presets)."""
    tc = probe_train_config(TrainConfig(**train), epochs=epochs)
    kept = {k: getattr(tc, k) for k in (*train, *PROBE_RECIPE, "minibatch_size") if k != "lr"}
    return ModelSettings(lr=tc.lr, linear_probe=True, train=kept)


def probe_of(cfg: RunConfig, *, epochs: float | None = None) -> RunConfig:
    """A linear probe trained on the ground truth of half B on top of ``cfg``'s finetuned backbone (paper
    Fig. 11, ft(weak)+lp(gt)), by ``PROBE_RECIPE`` (``epochs`` shortens it), not by ``cfg``'s finetuning settings;
    the model loads from ``cfg``'s checkpoint and gets a fresh zero head."""
    train = dataclasses.replace(probe_train_config(cfg.train, epochs=epochs), loss="xent", loss_kw=())
    return RunConfig(
        data=cfg.data, model=cfg.model, labels="gt", half="B", train=train, linear_probe=True, init_from=cfg
    )


def run_configs(configs, root, *, progress=None) -> pd.DataFrame:
    """Run (or load) arbitrary run configs (and what they depend on), with a bar of the runs left and its ETA;
    return their rows."""
    runs.run_all([NlpRun(c, root) for c in dict.fromkeys(configs)], progress=progress, desc="runs")
    df = collect(root)
    return df[df["run"].isin({run_name(c) for c in configs})].reset_index(drop=True)


def difficulty_graders(task: str, models: list[str], seed: int, **plan_kw) -> tuple[RunConfig, ...]:
    """Paper Fig. 21's graders of one task and seed: every model trained on the ground truth of half A, in
    ``models`` order, with ``plan_sweep``'s options (``plan_kw``: ``data``, ``every``, ``per_model``, e.g.
    ``sandbox.setting_kw``'s; its ``pairs`` plan no runs here: every model trains on ground truth). The only
    runs of the figure that can be planned before anything runs: the cutoffs' runs depend on their predictions."""
    plan_kw = {k: v for k, v in plan_kw.items() if k != "pairs"}
    plan = plan_sweep([task], models, [], [seed], ceiling_half="A", **plan_kw)
    gt_a = {c.model: c for c in [*plan.weak, *plan.ceilings]}
    return tuple(gt_a[m] for m in model_order(models))


def run_difficulty_graders(graders, root, *, progress=None) -> None:
    """Run (or load) ``difficulty_graders``' runs, whose predictions the cutoffs are planned from."""
    for cfg in graders:
        run_or_load(cfg, root, progress=progress)


@dataclass(frozen=True)
class DifficultyCutoffs:
    """Fig. 21's cutoff runs of one task and seed, planned from its graders' predictions on half B."""

    runs: list[RunConfig]
    items: list[dict]  # half B's training items
    level: np.ndarray  # each item's difficulty (``protocol.item_difficulty``)
    n_keep: int  # the items every cutoff trains on (the smallest non-empty cutoff's count)


def plan_difficulty_cutoffs(graders: tuple[RunConfig, ...], root) -> DifficultyCutoffs:
    """Every model trained on the ground truth of half B filtered by each difficulty cutoff that some item
    meets (cutoff ``len(graders)``: no filter), subsampled to equal sizes; reads the graders' predictions,
    so they must have run (``run_difficulty_graders``)."""
    items = prepare_data(graders[0].data).B_train
    level = item_difficulty(graders, root, items)
    counts = [int((level <= k).sum()) for k in range(len(graders) + 1)]
    n_keep = max(min(c for c in counts if c > 0), 1)
    runs = []
    for g in graders:
        base = dataclasses.replace(g, half="B")
        for k in range(len(graders) + 1):
            if counts[k]:  # a cutoff that no item meets has nothing to train on
                runs.append(dataclasses.replace(base, difficulty_runs=graders, difficulty_max=k, difficulty_n=n_keep))
    return DifficultyCutoffs(runs=runs, items=items, level=level, n_keep=n_keep)


def difficulty_results(graders: tuple[RunConfig, ...], root, *, progress=None) -> pd.DataFrame:
    """Run (or load) the cutoffs' runs of ``graders`` (which must have run) and return their rows, with
    ``cutoff_model`` ("all" for no filter) and, where the items carry it, ``rater_agreement``."""
    cut = plan_difficulty_cutoffs(graders, root)
    order = [g.model for g in graders]
    df = run_configs(cut.runs, root, progress=progress)
    df["cutoff_model"] = [order[int(k)] if k < len(order) else "all" for k in df["difficulty_max"]]
    if cut.items and all("agreement" in it for it in cut.items):
        rater = np.array([it["agreement"] for it in cut.items], dtype=float)
        seed, ks = graders[0].data.seed, sorted({r.difficulty_max for r in cut.runs})
        by_k = {k: float(rater[kept_items(cut.level, k, cut.n_keep, seed)].mean()) for k in ks}
        df["rater_agreement"] = [by_k[int(k)] for k in df["difficulty_max"]]
    return df


def difficulty_sweep(root, task: str, models: list[str], seed: int, *, progress=None, **plan_kw) -> pd.DataFrame:
    """Paper Fig. 21: every model trained on ground truth of half B filtered by difficulty cutoffs.

    An item's difficulty is the smallest model (in ``models`` order) from which every larger model,
    trained on half A, gets it right (out of sample). Cutoff k keeps items of difficulty <= k; k =
    len(models) keeps everything. As in the paper (App. C.2), every filtered set is subsampled to the
    size of the smallest one. Rows get ``difficulty_max`` and ``cutoff_model`` ("all" for no filter).
    ``plan_kw``: ``plan_sweep``'s options (``data``, ``every``, ``per_model``, e.g. ``sandbox.setting_kw``'s
    probes and per-model settings; its ``pairs`` plan no runs here: every model trains on ground truth).

    Items that carry the task's own ``agreement`` (``sandbox_vader``: the share of its ten human raters on
    the majority side) also give ``rater_agreement``, the mean over a cutoff's training items (the subsample
    the run trains on), a human view of how hard the model-defined cutoff is (paper App. C).
    """
    graders = difficulty_graders(task, models, seed, **plan_kw)
    run_difficulty_graders(graders, root, progress=progress)
    return difficulty_results(graders, root, progress=progress)


def kept_items(level: np.ndarray, k: int, n_keep: int | None, seed: int) -> np.ndarray:
    """Indices of the training items a difficulty-filtered run trains on: difficulty <= ``k``, subsampled to
    ``n_keep`` with the data seed, as ``protocol._train_run`` draws them."""
    keep = np.flatnonzero(level <= k)
    if n_keep is not None and len(keep) > n_keep:
        keep = np.sort(np.random.default_rng(seed).choice(keep, n_keep, replace=False))
    return keep
