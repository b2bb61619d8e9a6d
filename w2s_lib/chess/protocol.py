"""The chess protocol (paper §4.2-4.3.1, App. A.2, C.1), every run cached by its config.

One pool of puzzles per (source, sizes, seed) is cut into a test set and ``n_parts`` disjoint training
parts (``data.split_puzzles``). Roles, by ``ChessRunConfig``:

* **weak** (``labels="gt"``, part 0): a model trained on the true moves of part 0. Its greedy moves on
  part 1 are the weak labels (hard labels, as in the paper).
* **ceiling** (``labels="gt"``, part 1): the student's model trained on the true moves of part 1.
* **w2s** (``labels="weak"``): a model trained on its supervisor's greedy moves of part k, where the
  supervisor was trained on part k - 1. With a ground-truth supervisor (k = 1) this is naive
  weak-to-strong; with a weak-to-strong supervisor it is a bootstrapping step (§4.3.1: each step labels a
  new set of puzzles for the next, larger model).
* **zero_shot** (``labels="none"``): the model as it is, no training (Fig. 15).
* **easy** / **hard** (``labels="gt"`` with ``elo_max`` / ``elo_min``): trained on the true moves of the
  first ``n_train`` puzzles at most / at least that hard, drawn from every training part (App. C.1, Figs.
  19-20: 50k, and 25k for Elo <= 800; ``n_train`` None: ``data.n_train``).

A run that may supervise (weak, w2s) also decodes the next part and saves those moves
(``NEXT_LABELS_FILE``): that is what its student trains on, so a student never needs its supervisor's
weights. PGR compares a student with the chain's first supervisor and with its own model's ceiling.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from w2s_lib.chess import data as cdata
from w2s_lib.chess.generative import exact_match, greedy_moves, train_generative
from w2s_lib.core import cache, runs
from w2s_lib.core.metrics import agreement, pgr
from w2s_lib.core.train_config import TrainConfig
from w2s_lib.models.settings import ModelSettings, check_per_model

LABELS = ("gt", "weak", "none")
NEXT_LABELS_FILE = "next_labels.parquet"
TEST_FILE = "test_predictions.parquet"
# the paper's chess training: 5 epochs, batch 32, no early stopping (App. A.2)
CHESS_TRAIN = TrainConfig(epochs=5.0, batch_size=32, minibatch_size=32, max_len=512, select="last")
# The tiny random-init presets' rates on the offline task (measured: 10 epochs of 300 puzzles reach ~22%
# test accuracy each; at their NLP rate of 1e-3 they stay at 0). Other models use their preset's rate.
CHESS_LR = {"tiny-1": 1e-2, "tiny-2": 3e-3, "tiny-3": 3e-3}


@dataclass(frozen=True)
class ChessData:
    source: str = "synth"  # data.SOURCES
    n_train: int = 50_000  # puzzles per training part (paper: 50k)
    n_test: int = 5_000  # paper: 5k
    n_parts: int = 4  # part 0 trains the supervisor; parts 1.. are labelled, one per bootstrap step
    n_pool: int | None = None  # puzzles drawn in all (None: just enough); easy/hard sets filter these
    seed: int = 0

    def __post_init__(self):
        cdata.check_source(self.source)
        if self.n_parts < 2:
            raise ValueError("n_parts must be >= 2: one part trains the supervisor, one the student")
        for name, what in [("n_train", "puzzles per training part"), ("n_test", "test puzzles")]:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} ({what}) must be an integer >= 1, got {value!r}")
        if self.n_pool is not None and (not isinstance(self.n_pool, int) or self.n_pool < 0):
            raise ValueError(f"n_pool must be an integer >= 0 (0 or unset: just the parts), got {self.n_pool!r}")


@dataclass(frozen=True)
class ChessRunConfig:
    data: ChessData
    model: str
    labels: str = "gt"
    part: int = 0
    supervisor: ChessRunConfig | None = None
    elo_max: int | None = None  # train only on puzzles with Elo <= elo_max (easy-to-hard)
    elo_min: int | None = None  # train only on puzzles with Elo >= elo_min
    n_train: int | None = None  # an Elo-filtered set's size, if not data.n_train (App. C.1: 25k for Elo <= 800)
    train: TrainConfig = field(default_factory=lambda: CHESS_TRAIN)
    max_new_tokens: int = 8

    def __post_init__(self):
        if self.labels not in LABELS:
            raise ValueError(f"unknown labels {self.labels!r}; valid: {', '.join(LABELS)}")
        if (self.labels == "weak") != (self.supervisor is not None):
            raise ValueError("a run trains on weak labels exactly when it has a supervisor")
        if not 0 <= self.part < self.data.n_parts:
            raise ValueError(f"part {self.part} is not one of the data's {self.data.n_parts} parts")
        s = self.supervisor
        if s is not None and (s.labels == "none" or s.filtered or s.part + 1 != self.part or s.data != self.data):
            raise ValueError("a supervisor is a weak or weak-to-strong run on the previous part of the same data")
        if self.filtered and self.labels != "gt":
            raise ValueError("Elo filters apply to ground-truth runs (easy-to-hard)")
        if self.n_train is not None and not self.filtered:
            raise ValueError("n_train sizes an Elo-filtered set; other runs train on a whole part (data.n_train)")
        if self.n_train is not None and (not isinstance(self.n_train, int) or self.n_train < 1):
            raise ValueError(f"n_train (puzzles of the Elo-filtered set) must be an integer >= 1, got {self.n_train!r}")

    @property
    def filtered(self) -> bool:
        return self.elo_max is not None or self.elo_min is not None

    @property
    def train_size(self) -> int:
        """How many puzzles the run trains on (at most: a filtered set can run short of its pool)."""
        return self.data.n_train if self.n_train is None else self.n_train

    @property
    def role(self) -> str:
        if self.labels != "gt":
            return {"weak": "w2s", "none": "zero_shot"}[self.labels]
        if self.filtered:
            return "easy" if self.elo_max is not None else "hard"
        return "weak" if self.part == 0 else "ceiling"

    @property
    def labels_next_part(self) -> bool:
        """Whether the run decodes the next part's moves (``NEXT_LABELS_FILE``): it may supervise a student."""
        return self.role in ("weak", "w2s") and self.part + 1 < self.data.n_parts

    def chain(self) -> list[ChessRunConfig]:
        """The supervisors, first (ground truth) to last (this run's own)."""
        out, s = [], self.supervisor
        while s is not None:
            out.insert(0, s)
            s = s.supervisor
        return out

    @staticmethod
    def from_dict(d: dict) -> ChessRunConfig:
        return runs.from_dict(ChessRunConfig, d)


def run_name(cfg: ChessRunConfig) -> str:
    who = "-to-".join([c.model for c in cfg.chain()] + [cfg.model])
    bounds = (f"le{cfg.elo_max}" if cfg.elo_max is not None else "") + (
        f"ge{cfg.elo_min}" if cfg.elo_min is not None else ""
    )
    parts = [cfg.role, cache.slug(who), bounds, f"s{cfg.data.seed}", runs.key_hash("chess", cfg)]
    return "_".join(p for p in parts if p)


def run_dir(cfg: ChessRunConfig, root) -> Path:
    return Path(root) / "chess" / cfg.data.source / run_name(cfg)


@functools.lru_cache(maxsize=4)
def prepare(dc: ChessData) -> dict:
    """The test set and the training parts of ``dc`` (and, under "pool", every non-test puzzle)."""
    need = dc.n_test + dc.n_train * dc.n_parts
    puzzles = cdata.load_puzzles(dc.source, max(need, dc.n_pool or 0), dc.seed)
    parts = cdata.split_puzzles(puzzles, dc.n_test, dc.n_train, dc.n_parts)
    parts["pool"] = puzzles[dc.n_test :]
    return parts


def training_puzzles(cfg: ChessRunConfig) -> list[dict]:
    parts = prepare(cfg.data)
    if cfg.filtered:  # easy/hard sets: the first n_train such puzzles of the whole training pool
        return cdata.filter_elo(parts["pool"], cfg.elo_max, cfg.elo_min)[: cfg.train_size]
    return parts[cfg.part]


def encoders(models: list[str]) -> list[str]:
    """The models of ``models`` that chess cannot train because they are encoders, found without the network: a
    preset of the "bert" family, or a local folder whose config.json names an encoder type. Any other causal LM
    (a preset, a folder, a Hub id such as EleutherAI/pythia-1b or Qwen/Qwen2.5-0.5B) is accepted; a Hub id's
    config is checked when it loads (``models.base_lm`` refuses an encoder before reading any weights)."""
    import json
    import os

    from w2s_lib.models.presets import ENCODER_TYPES, preset_of, split_revision

    out = []
    for m in models:
        preset, folder = preset_of(m), split_revision(m)[0]
        if preset is not None:
            encoder = preset.family == "bert"
        elif os.path.isfile(os.path.join(folder, "config.json")):
            with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
                encoder = json.load(f).get("model_type") in ENCODER_TYPES
        else:
            encoder = False
        if encoder:
            out.append(m)
    return out


def _lm(cfg: ChessRunConfig):
    import torch

    from w2s_lib.models.loading import base_lm, load_tokenizer

    tok = load_tokenizer(cfg.model)
    torch.manual_seed(cfg.train.seed)  # random-init presets: the weights depend on the seed only
    return base_lm(cfg.model), tok


def _predictions(path: Path, puzzles: list[dict]) -> list[str]:
    moves = pd.read_parquet(path).set_index("id")["pred"]
    return [moves[p["id"]] for p in puzzles]


class ChessRun(runs.Run):
    """One chess run (module docstring), computed by the main process of a launch."""

    kind = "chess"
    config_type = ChessRunConfig

    @property
    def folder(self) -> Path:
        return run_dir(self.config, self.root)

    def dependencies(self) -> list[runs.Run]:
        return [ChessRun(self.config.supervisor, self.root)] if self.config.supervisor is not None else []

    def fingerprint(self) -> str:
        return data_fingerprint(self.config.data)

    def compute(self, writer: cache.RunWriter, progress) -> dict:
        return _compute(self.config, self.root, writer, progress)


@functools.lru_cache(maxsize=4)
def data_fingerprint(dc: ChessData) -> str:
    """A digest of the puzzles of ``dc``'s test set and parts (ids, transcripts, moves, ratings), in order."""
    import hashlib
    import json

    parts = prepare(dc)
    h = hashlib.sha256()
    for key in ["test", *range(dc.n_parts), "pool"]:
        rows = [[p["id"], p["ctx"], p["target"], p["elo"]] for p in parts[key]]
        h.update(json.dumps(rows, default=str).encode("utf-8") + b"\x00")
    return h.hexdigest()[:16]


def run_or_load(cfg: ChessRunConfig, root, *, force: bool = False, progress: bool | None = None) -> dict:
    """The metrics of ``cfg``'s run (training, decoding and caching it, and its supervisors, if needed)."""
    return runs.run_or_load(ChessRun(cfg, root), force=force, progress=progress)


def _compute(cfg: ChessRunConfig, root, writer: cache.RunWriter, progress) -> dict:
    """Train (unless zero-shot) and decode the test set and, for a supervisor, the next part; write both."""
    parts = prepare(cfg.data)
    test = parts["test"]
    lm, tok = _lm(cfg)
    chain = cfg.chain()
    metrics = {
        "setting": "chess",
        "task": cfg.data.source,
        "role": cfg.role,
        "model": cfg.model,
        "weak_model": (chain[0].model if cfg.supervisor else None),
        "seed": cfg.data.seed,
        "bootstrap_step": len(chain) - 1 if cfg.supervisor else None,
        "via": ">".join(c.model for c in chain[1:]) or None,
        "elo_max": cfg.elo_max,
        "elo_min": cfg.elo_min,
        "n_steps": 0,
        "seconds": 0.0,
    }
    desc = f"{cfg.role} {cfg.model}"
    if cfg.labels != "none":
        metrics.update(_learn(cfg, root, lm, tok, progress, desc))
    decode = dict(
        max_len=cfg.train.max_len,
        max_new_tokens=cfg.max_new_tokens,
        batch_size=cfg.train.eval_batch_size,
        progress=progress,
    )
    pred = greedy_moves(lm, tok, [p["ctx"] for p in test], desc=f"{desc}: test", **decode)
    correct = exact_match(pred, [p["target"] for p in test])
    elo = np.array([p["elo"] for p in test])
    metrics.update(
        test_acc=float(correct.mean()),
        acc_hard=float(correct[elo >= cdata.HARD_ELO].mean()) if (elo >= cdata.HARD_ELO).any() else None,
        legal_rate=float(np.mean([cdata.is_legal(p["ctx"], m) for p, m in zip(test, pred)])),
    )
    if cfg.supervisor is not None:
        metrics.update(_agreement(cfg, root, test, pred))
    targets = [p["target"] for p in test]
    ids = [p["id"] for p in test]
    table = {"id": ids, "elo": elo, "pred": pred, "target": targets, "correct": correct}
    writer.parquet(TEST_FILE, pd.DataFrame(table))
    if cfg.labels_next_part:
        nxt = parts[cfg.part + 1]
        moves = greedy_moves(lm, tok, [p["ctx"] for p in nxt], desc=f"{desc}: labels", **decode)
        writer.parquet(NEXT_LABELS_FILE, pd.DataFrame({"id": [p["id"] for p in nxt], "pred": moves}))
        metrics["next_label_acc"] = float(exact_match(moves, [p["target"] for p in nxt]).mean())
    return metrics


def _learn(cfg: ChessRunConfig, root, lm, tok, progress, desc: str) -> dict:
    """Train ``lm`` on the run's puzzles with its labels (true moves, or its supervisor's)."""
    train = training_puzzles(cfg)
    if len(train) < cfg.train_size:  # an Elo-filtered set ran short of its pool
        import warnings

        warnings.warn(
            f"{run_name(cfg)}: only {len(train)} of {cfg.train_size} puzzles pass the Elo filter; "
            "raise n_pool for full sets"
        )
    if cfg.labels == "weak":
        targets = _predictions(run_dir(cfg.supervisor, root) / NEXT_LABELS_FILE, train)
    else:
        targets = [p["target"] for p in train]
    label_acc = float(exact_match(targets, [p["target"] for p in train]).mean())
    res = train_generative(
        lm,
        tok,
        [p["ctx"] for p in train],
        [" " + t.strip() for t in targets],
        cfg.train,
        progress=progress,
        desc=desc,
    )
    return {"n_train": len(train), "label_acc": label_acc, "n_steps": res["n_steps"], "seconds": res["seconds"]}


def _agreement(cfg: ChessRunConfig, root, test: list[dict], pred: list[str]) -> dict:
    """Agreement with the supervisor's test moves, overall and where it is right or wrong (moves as class ids)."""
    sup = _predictions(run_dir(cfg.supervisor, root) / TEST_FILE, test)
    ids = {m: i for i, m in enumerate(sorted(set(pred) | set(sup) | {p["target"].strip() for p in test}))}

    def code(moves):
        return np.array([ids[m.strip()] for m in moves])

    agree = agreement(code(pred), code(sup), code([p["target"] for p in test]))
    return {f"agreement_{k}": v for k, v in agree.items()}


# ---------------------------------------------------------------------------- plans


def _train(data: ChessData, model: str, settings: ModelSettings) -> TrainConfig:
    """The chess training settings of ``model`` (``every`` with its ``per_model`` entry over it): ``CHESS_TRAIN``
    with ``settings.train`` over it, at ``settings.lr``, else ``CHESS_LR``'s rate, else the model preset's."""
    nlp_only = [f for f in ("linear_probe", "lora_r", "head_init", "alpha_max") if getattr(settings, f) is not None]
    if nlp_only:
        raise ValueError(
            f"chess trains whole causal LMs: its ModelSettings take lr and train only, not {', '.join(nlp_only)} "
            f"(model {model})"
        )
    return settings.train_config(model, data.seed, base=CHESS_TRAIN, rates=CHESS_LR)


def _trainer(data: ChessData, every: ModelSettings | None, per_model: dict | None):
    """model -> its TrainConfig (``_train``) under ``every`` and ``per_model``."""
    every, per_model = every or ModelSettings(), check_per_model(per_model)
    return lambda model: _train(data, model, every.overridden_by(per_model.get(model)))


def gt_run(data: ChessData, model: str, part: int = 0, **kw) -> ChessRunConfig:
    return ChessRunConfig(data=data, model=model, labels="gt", part=part, **kw)


def student(supervisor: ChessRunConfig, model: str) -> ChessRunConfig:
    """``model`` trained on ``supervisor``'s moves of the next part, with its own training settings."""
    return dataclasses.replace(supervisor, model=model, labels="weak", part=supervisor.part + 1, supervisor=supervisor)


def bootstrap_chain(order: list[str], weak: str, steps: int = 3) -> list[str]:
    """``weak``, then ``steps`` larger models ending with the largest, spaced evenly through ``order``
    (the paper's rounds: three steps, two intermediate sizes)."""
    i = order.index(weak)
    larger = order[i + 1 :]
    if len(larger) <= steps:
        return [weak] + larger
    picks = np.linspace(0, len(larger) - 1, steps + 1)[1:].round().astype(int)
    return [weak] + [larger[j] for j in picks]


def plan(
    data: ChessData,
    models: list[str],
    *,
    every: ModelSettings | None = None,
    per_model: dict[str, ModelSettings] | None = None,
    bootstrap_steps: int = 3,
    zero_shot: bool = True,
) -> dict[str, list[ChessRunConfig]]:
    """Figs. 3b/e, 4 and 15: every naive pair, one bootstrap chain per supervisor, and zero-shot runs.

    ``models`` go from weakest to strongest. How each trains: ``every`` (``settings.ModelSettings``: ``lr`` and
    ``train``, TrainConfig settings over ``CHESS_TRAIN``) with its ``per_model`` entry over it (``_train``).
    Returns lists by series: "weak", "ceiling", "naive", "bootstrap" (every step of every chain of two or more
    steps, the first step included: it is also a naive run), and "zero_shot".
    """
    train = _trainer(data, every, per_model)
    weak = {m: gt_run(data, m, 0, train=train(m)) for m in models[:-1]}
    planned = {
        "weak": list(weak.values()),
        "ceiling": [gt_run(data, m, 1, train=train(m)) for m in models[1:]],
        "naive": [],
        "bootstrap": [],
        "zero_shot": [],
    }
    for i, w in enumerate(models[:-1]):
        for s in models[i + 1 :]:
            planned["naive"].append(dataclasses.replace(student(weak[w], s), train=train(s)))
        chain = bootstrap_chain(models, w, min(bootstrap_steps, data.n_parts - 1))
        sup = weak[w]
        for s in chain[1:] if len(chain) > 2 else []:  # one step is naive training, not bootstrapping
            sup = dataclasses.replace(student(sup, s), train=train(s))
            planned["bootstrap"].append(sup)
    if zero_shot:
        planned["zero_shot"] = [ChessRunConfig(data=data, model=m, labels="none", train=train(m)) for m in models]
    return planned


def plan_easy_to_hard(
    data: ChessData,
    models: list[str],
    cutoffs=(800, 900, 1000, 1100, 1200, 1300),
    *,
    hard_min: int = cdata.HARD_ELO,
    every: ModelSettings | None = None,
    per_model: dict[str, ModelSettings] | None = None,
    easy_n_train: dict | None = None,
):
    """Figs. 19-20: per model, trained on easy puzzles (Elo <= each cutoff), on all, on hard ones, and
    zero-shot. "all" is the ordinary ceiling run on part 1 (the same number of puzzles). ``every`` and
    ``per_model``: as in ``plan``. ``easy_n_train``: cutoff -> puzzles of its easy set, where not
    ``data.n_train`` (the paper: {800: 25000}, App. C.1)."""
    train, planned = _trainer(data, every, per_model), []
    sizes = _easy_sizes(easy_n_train or {}, cutoffs, data.n_train)
    for m in models:
        tr = train(m)
        planned += [gt_run(data, m, 0, train=tr, elo_max=c, n_train=sizes.get(c)) for c in cutoffs]
        planned += [
            gt_run(data, m, 1, train=tr),
            gt_run(data, m, 0, train=tr, elo_min=hard_min),
            ChessRunConfig(data=data, model=m, labels="none", train=tr),
        ]
    return planned


def _easy_sizes(easy_n_train: dict, cutoffs, n_train: int) -> dict:
    """``easy_n_train`` by cutoff, keys matched as text (papermill passes a dict's keys as strings); a size
    equal to ``n_train`` is left out, so that such a run keeps the name it has without one."""
    by_text = {str(c): c for c in cutoffs}
    unknown = [k for k in easy_n_train if str(k) not in by_text]
    if unknown:
        raise ValueError(f"easy_n_train names no cutoff in {unknown}; valid: {', '.join(by_text)}")
    return {by_text[str(k)]: n for k, n in easy_n_train.items() if n != n_train}


# ---------------------------------------------------------------------------- results


def run_all(configs, root, *, progress: bool | None = None) -> pd.DataFrame:
    """Run (or load) every config; one row of metrics per config (in order), with its run name."""
    return runs.run_all([ChessRun(c, root) for c in configs], progress=progress, desc="chess runs")


def results(series: dict[str, list[ChessRunConfig]], root, *, progress: bool | None = None) -> pd.DataFrame:
    """``plan``'s runs as one tidy table in the NLP tables' columns, with PGR.

    ``loss`` names the plotted series ("xent": naive, "bootstrap"), so ``w2s_lib.plotting`` draws them
    with the paper's markers; a bootstrap chain's first step appears under both. ``weak_acc`` is the
    chain's first supervisor's test accuracy, ``strong_acc`` the student's model's ceiling.
    """
    frames = []
    for name, configs in series.items():
        if configs:
            frames.append(run_all(configs, root, progress=progress).assign(series=name))
    df = pd.concat(frames, ignore_index=True)
    weak_acc = df[df["role"] == "weak"].groupby(["seed", "model"])["test_acc"].first()
    ceiling = df[df["role"] == "ceiling"].groupby(["seed", "model"])["test_acc"].first()
    df["loss"] = df["series"].map({"naive": "xent", "bootstrap": "bootstrap"})
    df.loc[df["series"].isin(["ceiling", "weak"]), "loss"] = "xent"
    df["weak_acc"] = [
        weak_acc.get((s, w), np.nan) if isinstance(w, str) else np.nan for s, w in zip(df["seed"], df["weak_model"])
    ]
    df["strong_acc"] = [ceiling.get((s, m), np.nan) for s, m in zip(df["seed"], df["model"])]
    df["pgr"] = [
        pgr(w, a, s) if r == "w2s" else np.nan
        for r, w, a, s in zip(df["role"], df["weak_acc"], df["test_acc"], df["strong_acc"])
    ]
    return df


def accuracy_by_elo(configs, root, width: int = 250) -> pd.DataFrame:
    """Fig. 20: per run, test accuracy in Elo bins of ``width`` (one row per run and bin); the paper's axis
    spans 500-2500, so the first and last bins also hold the puzzles below and above it."""
    rows = []
    for cfg in configs:
        t = pd.read_parquet(run_dir(cfg, root) / TEST_FILE)
        t["elo_bin"] = cdata.elo_bins(t["elo"], width)
        for b, g in t.groupby("elo_bin"):
            rows.append(
                {
                    "model": cfg.model,
                    "role": cfg.role,
                    "elo_max": cfg.elo_max,
                    "elo_min": cfg.elo_min,
                    "seed": cfg.data.seed,
                    "elo_bin": int(b),
                    "accuracy": float(g["correct"].mean()),
                    "n": len(g),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- the notebooks' calls


def _seeded(data: ChessData | None, seed: int) -> ChessData:
    """``data`` (None: its defaults, the paper's sizes) with ``seed``: each seed draws its own puzzles."""
    return dataclasses.replace(data or ChessData(), seed=seed)


def chess_plan(
    models: list[str],
    seeds: list[int],
    *,
    data: ChessData | None = None,
    every: ModelSettings | None = None,
    per_model: dict[str, ModelSettings] | None = None,
    bootstrap_steps: int = 3,
) -> list[dict[str, list[ChessRunConfig]]]:
    """What ``chess_results`` runs, listed without running anything: ``plan``'s series for each seed."""
    kw = dict(every=every, per_model=per_model, bootstrap_steps=bootstrap_steps)
    return [plan(_seeded(data, seed), models, **kw) for seed in seeds]


def chess_results(
    root,
    models: list[str],
    seeds: list[int],
    *,
    data: ChessData | None = None,
    every: ModelSettings | None = None,
    per_model: dict[str, ModelSettings] | None = None,
    bootstrap_steps: int = 3,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Figs. 3b/e, 4 and 15 for each seed (``chess_plan`` + ``results``): one table, cached in ``root``.

    ``data``: the puzzles (``ChessData``, its seed replaced by each of ``seeds``; None: its defaults, the
    paper's sizes). ``every``, ``per_model``: how each model trains, as in ``plan``.
    """
    kw = dict(data=data, every=every, per_model=per_model, bootstrap_steps=bootstrap_steps)
    frames = [results(series, root, progress=progress) for series in chess_plan(models, seeds, **kw)]
    return pd.concat(frames, ignore_index=True)


def easy_to_hard_plan(
    models: list[str],
    seeds: list[int],
    cutoffs,
    *,
    data: ChessData | None = None,
    hard_min: int = cdata.HARD_ELO,
    every: ModelSettings | None = None,
    per_model: dict[str, ModelSettings] | None = None,
    easy_n_train: dict | None = None,
) -> list[list[ChessRunConfig]]:
    """What ``easy_to_hard_results`` runs, listed without running anything: ``plan_easy_to_hard``'s runs for
    each seed."""
    kw = dict(hard_min=hard_min, every=every, per_model=per_model, easy_n_train=easy_n_train)
    return [plan_easy_to_hard(_seeded(data, seed), models, cutoffs, **kw) for seed in seeds]


def easy_to_hard_results(
    root,
    models: list[str],
    seeds: list[int],
    cutoffs,
    *,
    data: ChessData | None = None,
    hard_min: int = cdata.HARD_ELO,
    every: ModelSettings | None = None,
    per_model: dict[str, ModelSettings] | None = None,
    elo_width: int = 250,
    easy_n_train: dict | None = None,
    progress: bool | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figs. 19-20 for each seed (``easy_to_hard_plan``): (one row of metrics per run, accuracy per run and Elo bin).

    ``data``, ``every``, ``per_model``: as in ``chess_results``; with the same ones the "all" and zero-shot runs
    are shared with it. ``easy_n_train``: as in ``plan_easy_to_hard``.
    """
    kw = dict(data=data, hard_min=hard_min, every=every, per_model=per_model, easy_n_train=easy_n_train)
    runs_df, elo_df = [], []
    for planned in easy_to_hard_plan(models, seeds, cutoffs, **kw):
        done = run_all(planned, root, progress=progress)
        # "hard" test puzzles are those of the hard training set's bound (metrics.json keeps HARD_ELO's)
        done["acc_hard"] = [_accuracy(cfg, root, hard_min) for cfg in planned]
        runs_df.append(done)
        elo_df.append(accuracy_by_elo(planned, root, elo_width))
    df = pd.concat(runs_df, ignore_index=True)
    df["trained_on"] = [_trained_on(r) for _, r in df.iterrows()]
    by_elo = pd.concat(elo_df, ignore_index=True)
    by_elo["trained_on"] = [_trained_on(r) for _, r in by_elo.iterrows()]
    return df, by_elo


def _accuracy(cfg: ChessRunConfig, root, elo_min: int) -> float:
    """A finished run's test accuracy on the puzzles with Elo >= ``elo_min`` (nan if there are none)."""
    t = pd.read_parquet(run_dir(cfg, root) / TEST_FILE)
    hard = t[t["elo"] >= elo_min]
    return float(hard["correct"].mean()) if len(hard) else float("nan")


def _trained_on(row) -> str:
    """ "easy<=1200", "hard>=2000", "all" or "zero-shot": which puzzles a run learnt from."""
    if row["role"] == "zero_shot":
        return "zero-shot"
    if row["role"] == "easy":
        return f"easy<={int(row['elo_max'])}"
    if row["role"] == "hard":
        return f"hard>={int(row['elo_min'])}"
    return "all"
