"""The paper's weak-to-strong protocol, with every run cached by its config.

For one task and seed, the training data is split in two halves by group (A and B) and each half
keeps a validation slice for model selection:

* **weak supervisor** = ``RunConfig(labels="gt", half="A")``: a model trained on the ground truth of
  half A. Its test accuracy is that model's "weak" performance and its soft predictions on half B
  are the weak labels.
* **weak-to-strong student** = ``RunConfig(labels="weak", half="B", weak=<supervisor>)``: a larger
  model trained on the supervisor's labels of half B, selected on weak-labelled validation data.
* **strong ceiling** = ``RunConfig(labels="gt", half="B")``: the student's model trained on the ground
  truth of half B. We train the ceiling on half B (the reference code reuses its half-A run) so that
  it sees exactly the inputs, step count and selection slice of the weak-to-strong student, and
  differs from it only in its labels; ``ceiling_half="A"`` in ``plan_sweep`` reproduces the reference.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from w2s_lib import cache
from w2s_lib.metrics import accuracy, agreement, auroc, ece
from w2s_lib.train import TrainConfig

LABELS = ("gt", "weak")
HALVES = ("A", "B")


@dataclass(frozen=True)
class DataConfig:
    task: str
    n_train: int = 2000  # items before halving
    n_test: int = 500
    val_frac: float = 0.1  # of each half, held out for model selection
    seed: int = 0


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig
    model: str
    labels: str = "gt"
    half: str = "A"
    train: TrainConfig = field(default_factory=TrainConfig)
    head_init: str = "zeros"
    linear_probe: bool = False
    hard_weak_labels: bool = False  # the paper trains on the supervisor's soft labels
    weak: "RunConfig | None" = None

    def __post_init__(self):
        if self.labels not in LABELS or self.half not in HALVES:
            raise ValueError(f"labels must be one of {LABELS} and half one of {HALVES}")
        if (self.labels == "weak") != (self.weak is not None):
            raise ValueError("a run trains on weak labels exactly when it has a weak supervisor")
        if self.weak is not None and (self.weak.labels, self.weak.half, self.half) != ("gt", "A", "B"):
            raise ValueError("weak labels come from a ground-truth half-A run and train on half B")

    @property
    def role(self) -> str:
        if self.labels == "weak":
            return "w2s"
        return "weak" if self.half == "A" else "ceiling"

    @staticmethod
    def from_dict(d: dict) -> "RunConfig":
        d = dict(d)
        d["data"] = DataConfig(**d["data"])
        tr = dict(d["train"])
        tr["loss_kw"] = tuple(tuple(kv) for kv in tr.get("loss_kw", ()))
        d["train"] = TrainConfig(**tr)
        d["weak"] = RunConfig.from_dict(d["weak"]) if d.get("weak") else None
        return RunConfig(**d)


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "--", s)


def run_name(cfg: RunConfig) -> str:
    who = cfg.model if cfg.weak is None else f"{cfg.weak.model}-to-{cfg.model}"
    parts = [cfg.role, _slug(who), cfg.train.loss, f"s{cfg.data.seed}", cache.config_hash(cfg)]
    return "_".join(parts)


def run_dir(cfg: RunConfig, root: str | Path) -> Path:
    return Path(root) / _slug(cfg.data.task) / run_name(cfg)


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Splits:
    test: list
    A_train: list
    A_val: list
    B_train: list
    B_val: list

    def half(self, h: str) -> tuple[list, list]:
        return (self.A_train, self.A_val) if h == "A" else (self.B_train, self.B_val)


@functools.lru_cache(maxsize=8)
def prepare_data(dc: DataConfig) -> Splits:
    """Test set, and two disjoint halves of the training data, each with a validation slice.

    Training items whose group also occurs in the test set are dropped, so train and test never share
    a source question. Halves and slices never split a group.
    """
    from w2s_lib.data import load_items, split_halves
    from w2s_lib.data.load import drop_groups

    test = load_items(dc.task, "test", dc.n_test, dc.seed)
    train = drop_groups(load_items(dc.task, "train", dc.n_train, dc.seed), test)
    a, b = split_halves(train, dc.seed)
    a_val, a_train = split_halves(a, dc.seed + 1, frac=dc.val_frac)
    b_val, b_train = split_halves(b, dc.seed + 2, frac=dc.val_frac)
    return Splits(test, a_train, a_val, b_train, b_val)


# ---------------------------------------------------------------------------------------------
# Running (or loading) one run


def load_metrics(cfg: RunConfig, root) -> dict:
    return cache.read_json(run_dir(cfg, root) / cache.METRICS_FILE)


def run_or_load(
    cfg: RunConfig,
    root: str | Path,
    *,
    force: bool = False,
    checkpoint: bool = False,
    progress: bool | None = None,
) -> dict:
    """Return the metrics of ``cfg``'s run, training it first unless it is already in ``root``.

    ``force`` retrains this run (not its supervisor); ``checkpoint`` also saves the selected model.
    """
    out = run_dir(cfg, root)
    if cache.is_finished(out) and not force and (not checkpoint or (out / "checkpoint").exists()):
        return cache.read_json(out / cache.METRICS_FILE)
    if cfg.weak is not None:
        run_or_load(cfg.weak, root, progress=progress)
    cache.clean_stale_tmp(out.parent)
    writer = cache.RunWriter(out)
    try:
        metrics = _train_run(cfg, root, writer, checkpoint, progress)
        writer.commit(force=True)
    except BaseException:
        writer.abort()
        raise
    return metrics


def _train_run(cfg: RunConfig, root, writer: cache.RunWriter, checkpoint: bool, progress) -> dict:
    import torch

    from w2s_lib.models import build_classifier, load_tokenizer, save_classifier
    from w2s_lib.train import predict, train_classifier

    data = prepare_data(cfg.data)
    train_items, val_items = data.half(cfg.half)
    gt = lambda items: np.array([it["hard_label"] for it in items], dtype=np.float32)  # noqa: E731
    if cfg.weak is None:
        train_y, val_y = gt(train_items), gt(val_items)
    else:
        labels = pd.read_parquet(run_dir(cfg.weak, root) / "weak_labels.parquet").set_index("id")["p1"]
        train_y = labels.loc[[it["id"] for it in train_items]].to_numpy(np.float32)
        val_y = labels.loc[[it["id"] for it in val_items]].to_numpy(np.float32)
        if cfg.hard_weak_labels:
            train_y, val_y = (train_y > 0.5).astype(np.float32), (val_y > 0.5).astype(np.float32)

    torch.manual_seed(cfg.train.seed)
    tok = load_tokenizer(cfg.model)
    model = build_classifier(cfg.model, head_init=cfg.head_init, linear_probe=cfg.linear_probe, tokenizer=tok)
    test_y = gt(data.test)
    res = train_classifier(
        model,
        tok,
        [it["txt"] for it in train_items],
        train_y,
        cfg.train,
        val_texts=[it["txt"] for it in val_items],
        val_soft=val_y,
        test_texts=[it["txt"] for it in data.test],
        test_labels=test_y,
        progress=progress,
        desc=run_name(cfg)[:40],
    )
    p1 = res.test_p1
    hist = pd.DataFrame(res.history)
    metrics = {
        "run": run_name(cfg),
        "role": cfg.role,
        "task": cfg.data.task,
        "model": cfg.model,
        "weak_model": cfg.weak.model if cfg.weak else None,
        "loss": cfg.train.loss,
        "seed": cfg.data.seed,
        "test_acc": accuracy(p1, test_y),
        "test_auroc": auroc(p1, test_y),
        "test_ece": ece(p1, test_y),
        "selected_step": res.selected_step,
        "n_steps": res.n_steps,
        "seconds": res.seconds,
        "n_train": len(train_items),
        "n_val": len(val_items),
        "n_test": len(data.test),
        # for the early-stopping analyses (paper Figs. 7, 13): the last step and the test-best step
        "test_acc_last": float(hist["test_acc"].iloc[-1]),
        "test_acc_oracle": float(hist["test_acc"].max()),
    }
    preds = pd.DataFrame({"id": [it["id"] for it in data.test], "label": test_y.astype(int), "p1": p1})
    if cfg.weak is not None:
        sup = pd.read_parquet(run_dir(cfg.weak, root) / "test_predictions.parquet")
        assert (sup["id"].to_numpy() == preds["id"].to_numpy()).all(), "supervisor saw another test set"
        metrics.update({f"agreement_{k}": v for k, v in agreement(p1, sup["p1"], test_y).items()})
        metrics["weak_label_acc"] = accuracy(train_y, gt(train_items))
        preds["supervisor_p1"] = sup["p1"].to_numpy()
    if cfg.role == "weak":
        # soft labels for the other half: the student's training and validation data
        b_items = data.B_train + data.B_val
        b_p1 = predict(model, tok, [it["txt"] for it in b_items], cfg.train.max_len, cfg.train.eval_batch_size)[:, 1]
        writer.parquet(
            "weak_labels.parquet",
            pd.DataFrame({"id": [it["id"] for it in b_items], "label": gt(b_items).astype(int), "p1": b_p1}),
        )
        metrics["weak_label_acc"] = accuracy(b_p1, gt(b_items))
    if checkpoint:
        save_classifier(model.cpu(), writer.path("checkpoint"), tok)
    writer.json(cache.CONFIG_FILE, cache.config_dict(cfg))
    writer.json("history.json", res.history)
    writer.parquet("test_predictions.parquet", preds)
    writer.json(cache.METRICS_FILE, metrics)
    return cache._clean(metrics)


# ---------------------------------------------------------------------------------------------
# Sweeps


def weak_config(cfg: RunConfig) -> RunConfig:
    return cfg.weak


def ceiling_config(cfg: RunConfig, half: str = "B") -> RunConfig:
    """The ground-truth run that a weak-to-strong run's PGR is measured against."""
    train = dataclasses.replace(cfg.train, loss="xent", loss_kw=())
    return dataclasses.replace(cfg, labels="gt", half=half, weak=None, train=train, hard_weak_labels=False)


def model_order(models: list[str]) -> list[str]:
    """Models from weakest to strongest: presets by parameter count, others where the user put them."""
    from w2s_lib.models import MODEL_PRESETS

    if all(m in MODEL_PRESETS for m in models):
        return sorted(models, key=lambda m: (MODEL_PRESETS[m].params, list(MODEL_PRESETS).index(m)))
    return list(models)


def default_lr(model: str) -> float:
    from w2s_lib.models import MODEL_PRESETS

    return MODEL_PRESETS[model].lr if model in MODEL_PRESETS else 1e-5


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
    pairs: list[tuple[str, str]] | None = None,
    n_train: int = 2000,
    n_test: int = 500,
    val_frac: float = 0.1,
    lr: float | None = None,
    loss_kw: dict | None = None,
    ceiling_half: str = "B",
    train_kw: dict | None = None,
    head_init: str = "zeros",
    linear_probe: bool = False,
) -> SweepPlan:
    """Every (weak < strong) pair of ``models`` (or the given ``pairs``), for each loss, task and seed.

    ``lr=None`` uses each model's preset learning rate. ``loss_kw`` maps a loss name to its kwargs.
    """
    order = model_order(models)
    if pairs is None:
        pairs = [(w, s) for i, w in enumerate(order) for s in order[i + 1 :]]
    loss_kw = loss_kw or {}
    weak, ceilings, w2s = {}, {}, []

    def gt_run(data, model, half):
        tc = TrainConfig(lr=lr or default_lr(model), seed=data.seed, **(train_kw or {}))
        return RunConfig(data=data, model=model, labels="gt", half=half, train=tc, head_init=head_init,
                         linear_probe=linear_probe)

    for task in tasks:
        for seed in seeds:
            data = DataConfig(task=task, n_train=n_train, n_test=n_test, val_frac=val_frac, seed=seed)
            for m in order:
                weak[(data, m)] = gt_run(data, m, "A")
            for w, s in pairs:
                ceilings.setdefault((data, s), gt_run(data, s, ceiling_half))
                for loss in losses:
                    kw = tuple(sorted((loss_kw.get(loss) or {}).items()))
                    tc = dataclasses.replace(weak[(data, s)].train, loss=loss, loss_kw=kw)
                    w2s.append(
                        RunConfig(data=data, model=s, labels="weak", half="B", train=tc, head_init=head_init,
                                  linear_probe=linear_probe, weak=weak[(data, w)])
                    )
    used_weak = [c for (d, m), c in weak.items() if any(r.weak == c for r in w2s) or ceiling_half == "A"]
    return SweepPlan(weak=used_weak, ceilings=[c for c in ceilings.values() if c not in used_weak], w2s=w2s)


def run_sweep(plan: SweepPlan, root, *, force: bool = False, checkpoint: bool = False, progress=None) -> pd.DataFrame:
    """Run (or load) every run of ``plan`` and return the tidy results table of ``root``."""
    from tqdm.auto import tqdm

    runs = plan.runs
    show = progress if progress is not None else True
    todo = [c for c in runs if force or not cache.is_finished(run_dir(c, root))]
    with tqdm(total=len(runs), initial=len(runs) - len(todo), desc="sweep", disable=not show) as bar:
        done = set()
        for cfg in runs:
            if cfg in done:
                continue
            if cfg in todo:
                bar.set_postfix_str(run_name(cfg)[:48])
                run_or_load(cfg, root, force=force, checkpoint=checkpoint, progress=progress)
                bar.update(1)
            done.add(cfg)
    return collect(root)


# ---------------------------------------------------------------------------------------------
# Results


def collect(root: str | Path) -> pd.DataFrame:
    """One row per finished run under ``root``; weak-to-strong rows get weak_acc, strong_acc and pgr.

    ``weak_acc`` is the supervisor's test accuracy and ``strong_acc`` that of the matching ceiling
    (same model, data and training settings, trained on ground truth); missing ones give nan.
    """
    from w2s_lib.metrics import pgr

    root = Path(root)
    rows, configs = [], {}
    for d in cache.iter_runs(root):
        m = cache.read_json(d / cache.METRICS_FILE)
        cfg = RunConfig.from_dict(cache.read_json(d / cache.CONFIG_FILE))
        configs[d.name] = cfg
        rows.append({**m, "run": d.name, "dir": str(d.relative_to(root))})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    acc = dict(zip(df["run"], df["test_acc"]))
    weak_acc, strong_acc = [], []
    for run in df["run"]:
        cfg = configs[run]
        if cfg.weak is None:
            weak_acc.append(np.nan)
            strong_acc.append(np.nan)
            continue
        weak_acc.append(acc.get(run_name(cfg.weak), np.nan))
        ceil = [acc.get(run_name(ceiling_config(cfg, h)), np.nan) for h in HALVES]
        strong_acc.append(ceil[1] if not np.isnan(ceil[1]) else ceil[0])
    df["weak_acc"], df["strong_acc"] = weak_acc, strong_acc
    df["pgr"] = [pgr(w, s2, s) for w, s2, s in zip(df["weak_acc"], df["test_acc"], df["strong_acc"])]
    front = ["task", "role", "weak_model", "model", "loss", "seed", "weak_acc", "test_acc", "strong_acc", "pgr"]
    return df[front + [c for c in df.columns if c not in front]].sort_values(["task", "role", "run"], ignore_index=True)


def pgr_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracies and PGR per (task, weak, strong, loss) over seeds, with the number of seeds."""
    w2s = df[df["role"] == "w2s"]
    if w2s.empty:
        return w2s
    g = w2s.groupby(["task", "weak_model", "model", "loss"], sort=False)
    out = g[["weak_acc", "test_acc", "strong_acc", "pgr"]].mean()
    out["n_seeds"] = g.size()
    return out.reset_index().rename(columns={"model": "strong_model", "test_acc": "w2s_acc"})
