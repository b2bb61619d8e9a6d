"""Table 3's protocol: an ImageNet classifier supervises linear probes on frozen features.

Three roles, as in the NLP protocol (``w2s_lib.nlp.protocol``), on one pool of images split into disjoint
train and test parts (the paper: 40k / 10k of the ImageNet validation set):

* **supervisor** (``strong=None``): the weak classifier itself; its test top-1 is the weak accuracy and
  its softmax on the train part gives the weak labels. It is pretrained, so nothing trains.
* **ceiling** (``labels="gt"``): a linear probe on the strong backbone's features, trained on the
  ground truth of the train part.
* **weak-to-strong student** (``labels="weak"``): the same probe trained on the supervisor's labels.

Each run is cached like the NLP runs (``w2s_lib.core.cache``: one folder per config, published atomically),
and the frozen models' outputs are cached once per image source (``w2s_lib.vision.features``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from w2s_lib.core import cache, runs
from w2s_lib.core.metrics import accuracy, agreement, pgr
from w2s_lib.core.train_config import TrainConfig
from w2s_lib.vision import features as feats
from w2s_lib.vision.data import EvalTransform, open_dataset, parse_source, source_name, split
from w2s_lib.vision.probe import PAPER_EPOCHS, PROBE_TRAIN, train_probe

LABELS = ("gt", "weak")


@dataclass(frozen=True)
class VisionRunConfig:
    source: str = "fake"  # see vision.data.parse_source
    weak: str = "alexnet"
    strong: str | None = None  # None: the supervisor's own evaluation
    labels: str = "gt"
    pretrained: bool = True  # False: random weights, offline (tests, smoke)
    n_train: int = 40000
    n_test: int = 10000
    seed: int = 0  # the split and the probe's initialisation and batches
    image_size: int = 224
    num_classes: int = 1000  # classes of random-init classifiers and of fake sources
    hard_weak_labels: bool = False  # the paper trains on the supervisor's soft labels
    train: TrainConfig = field(default_factory=lambda: PROBE_TRAIN)

    def __post_init__(self):
        if self.labels not in LABELS:
            raise ValueError(f"unknown labels {self.labels!r}; valid: {', '.join(LABELS)}")
        if self.strong is None and self.labels != "gt":
            raise ValueError("the supervisor is evaluated, not trained: it has no weak labels")
        for name, low in [("n_train", 1), ("n_test", 1), ("image_size", 1), ("num_classes", 2)]:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")

    @property
    def role(self) -> str:
        if self.strong is None:
            return "weak"
        return "w2s" if self.labels == "weak" else "ceiling"

    @staticmethod
    def from_dict(d: dict) -> VisionRunConfig:
        return runs.from_dict(VisionRunConfig, d)


def run_name(cfg: VisionRunConfig) -> str:
    parts = [source_name(cfg.source), cfg.role, cfg.weak]
    if cfg.strong:
        parts += [cfg.strong, cfg.train.loss]
    name = cache.slug("--".join(parts))
    return f"{name}--s{cfg.seed}-{runs.key_hash('vision', cfg)}"


def run_dir(cfg: VisionRunConfig, root) -> Path:
    return Path(root) / "runs" / run_name(cfg)


def _wanted(cfg: VisionRunConfig) -> list[tuple[str, str]]:
    return [(cfg.weak, "logits")] + ([(cfg.strong, "features")] if cfg.strong else [])


def _frozen(cfg: VisionRunConfig, wanted, root, **kw):
    """``features.outputs`` for ``wanted`` models over ``cfg``'s source, transform and weights."""
    source = parse_source(cfg.source, num_classes=cfg.num_classes)
    return feats.outputs(
        sorted(wanted),
        source,
        EvalTransform(cfg.image_size),
        Path(root) / "features",
        pretrained=cfg.pretrained,
        num_classes=cfg.num_classes,
        fake_image_size=cfg.image_size,
        **kw,
    )


def _outputs(cfg: VisionRunConfig, root, **kw):
    x, labels = _frozen(cfg, _wanted(cfg), root, **kw)
    logits = x[(cfg.weak, "logits")]
    if int(labels.max()) >= logits.shape[1]:
        raise ValueError(
            f"the source has labels up to {int(labels.max())} but {cfg.weak} predicts "
            f"{logits.shape[1]} classes: their label spaces differ"
        )
    return logits, x.get((cfg.strong, "features")), labels.numpy()


class VisionRun(runs.Run):
    """One run of Table 3 (module docstring), computed by the main process of a launch; ``extract`` holds the
    feature pass's options (batch size, loader workers), which do not change results."""

    kind = "vision"
    config_type = VisionRunConfig

    def __init__(self, cfg: VisionRunConfig, root, device=None, **extract):
        super().__init__(cfg, root, device)
        self.extract = extract

    @property
    def folder(self) -> Path:
        return run_dir(self.config, self.root)

    def fingerprint(self) -> str:
        c = self.config
        return data_fingerprint(c.source, c.num_classes, c.n_train, c.n_test, c.seed)

    def compute(self, writer: cache.RunWriter, progress) -> dict:
        return _compute(self.config, self.root, writer, device=self.device, progress=progress, **self.extract)


@functools.lru_cache(maxsize=16)
def data_fingerprint(source: str, num_classes: int, n_train: int, n_test: int, seed: int) -> str:
    """A digest of the images a run splits (a generated source by its definition, a folder by its files and
    their classes) and of its train/test split."""
    src = parse_source(source, num_classes=num_classes)
    h = hashlib.sha256(src.key().encode())
    if src.kind != "fake":
        samples = open_dataset(src).samples  # (path, class) per image, in the order features are computed
        h.update(json.dumps([[os.path.relpath(f, src.root), c] for f, c in samples]).encode("utf-8"))
        n_total = len(samples)
    else:
        n_total = src.size
    for idx in split(n_total, n_train, n_test, seed):
        h.update(np.asarray(idx, dtype=np.int64).tobytes() + b"\x00")
    return h.hexdigest()[:16]


def run_or_load(
    cfg: VisionRunConfig,
    root,
    *,
    force: bool = False,
    progress: bool | None = None,
    device=None,
    batch_size: int = 64,
    num_workers: int | None = None,
) -> dict:
    """The metrics of ``cfg``'s run, computing it (and any missing features) unless cached in ``root``."""
    run = VisionRun(cfg, root, device, batch_size=batch_size, num_workers=num_workers)
    return runs.run_or_load(run, force=force, progress=progress)


def _compute(cfg: VisionRunConfig, root, writer: cache.RunWriter, *, device, progress, **extract) -> dict:
    """Evaluate the supervisor, or train a probe on its labels or the ground truth; write its predictions."""
    logits, x, y = _outputs(cfg, root, device=device, progress=progress, **extract)
    train_idx, test_idx = split(len(y), cfg.n_train, cfg.n_test, cfg.seed)
    weak_test = logits[test_idx].argmax(-1).numpy()
    metrics = {
        "setting": "vision",
        "task": source_name(cfg.source),
        "role": cfg.role,
        "weak_model": cfg.weak,
        "model": cfg.strong or cfg.weak,
        "loss": cfg.train.loss if cfg.strong else None,
        "seed": cfg.seed,
        "n_train": len(train_idx),
        "n_test": len(test_idx),
        "weak_label_acc": accuracy(logits[train_idx].numpy(), y[train_idx]),
    }
    if cfg.strong is None:
        pred, history = weak_test, []
        metrics.update(test_acc=accuracy(pred, y[test_idx]), n_steps=0, seconds=0.0)
    else:
        res = train_probe(
            x[train_idx],
            _probe_labels(cfg, logits[train_idx], y[train_idx]),
            cfg.train,
            x_test=x[test_idx],
            y_test=y[test_idx],
            reference_test=weak_test,
            device=device,
            progress=progress,
            desc=f"{cfg.role} {cfg.strong} {cfg.train.loss}",
        )
        pred, history = res.test_pred, res.history
        metrics.update(test_acc=accuracy(pred, y[test_idx]), n_steps=res.n_steps, seconds=res.seconds)
        metrics.update({f"agreement_{k}": v for k, v in agreement(pred, weak_test, y[test_idx]).items()})
    writer.json("history.json", history)
    writer.parquet("test_predictions.parquet", pd.DataFrame({"index": test_idx, "pred": pred, "label": y[test_idx]}))
    return metrics


def _probe_labels(cfg: VisionRunConfig, logits: torch.Tensor, y: np.ndarray) -> torch.Tensor:
    """The probe's soft targets: one-hot ground truth, or the supervisor's softmax (one-hot when hardened)."""
    n_classes = logits.shape[1]
    if cfg.labels == "gt":
        return torch.nn.functional.one_hot(torch.as_tensor(y), n_classes).float()
    if cfg.hard_weak_labels:
        return torch.nn.functional.one_hot(logits.argmax(-1), n_classes).float()
    return torch.softmax(logits.float(), -1)


def plan_table3(
    source: str,
    weak: str = "alexnet",
    strongs=("dino_resnet50", "dino_vitb8"),
    losses=("xent", "logconf"),
    seeds=(0,),
    *,
    epochs: dict | float | None = None,
    **common,
) -> list[VisionRunConfig]:
    """Every run of Table 3: the supervisor, one ceiling per student, one student per loss.

    ``epochs``: one number, or per student (default: the paper's 20 for DINO ResNet-50, 5 for ViT-B/8,
    20 otherwise). ``common`` sets other ``VisionRunConfig`` fields (n_train, pretrained, ...).
    Students with ``logconf`` use the paper's alpha_max 0.5 and 20% warm-up.
    """
    runs = []
    for seed in seeds:
        base = VisionRunConfig(source=source, weak=weak, seed=seed, **common)
        runs.append(base)
        for strong in strongs:
            ep = epochs if isinstance(epochs, (int, float)) else (epochs or PAPER_EPOCHS).get(strong, 20.0)
            train = dataclasses.replace(base.train, epochs=float(ep), seed=seed)
            runs.append(dataclasses.replace(base, strong=strong, train=train))
            for loss in losses:
                runs.append(
                    dataclasses.replace(base, strong=strong, labels="weak", train=dataclasses.replace(train, loss=loss))
                )
    return runs


def check_splits(runs: list[VisionRunConfig]) -> None:
    """Raise ValueError if a run's split does not fit its pool of images; reads no image."""
    sizes: dict[tuple, int] = {}
    for cfg in runs:
        pool = (cfg.source, cfg.num_classes)
        if pool not in sizes:
            sizes[pool] = len(open_dataset(parse_source(cfg.source, num_classes=cfg.num_classes)))
        split(sizes[pool], cfg.n_train, cfg.n_test, cfg.seed)


def prefetch(runs: list[VisionRunConfig], root, **kw) -> None:
    """Compute the frozen outputs every run needs, one pass over the images per source and transform."""
    check_splits(runs)
    groups: dict[tuple, tuple[VisionRunConfig, set]] = {}
    for cfg in runs:
        key = (cfg.source, cfg.image_size, cfg.pretrained, cfg.num_classes)
        groups.setdefault(key, (cfg, set()))[1].update(_wanted(cfg))
    for cfg, wanted in groups.values():
        _frozen(cfg, wanted, root, **kw)


def run_all(configs: list[VisionRunConfig], root, *, progress: bool | None = None, device=None, **extract):
    """Run (or load) every config; one row of metrics per run, with its folder name. The frozen outputs of the
    runs not finished yet are computed first, one pass over the images per source."""
    kw = dict(device=device, progress=progress, **extract)
    prefetch([c for c in configs if not cache.is_finished(run_dir(c, root))], root, **kw)
    todo = [VisionRun(c, root, device, **extract) for c in configs]
    return runs.run_all(todo, progress=progress, desc="vision runs")


def table3(df: pd.DataFrame) -> pd.DataFrame:
    """Table 3 from ``run_all``'s rows: top-1 (%), PGR (%) and agreement with the supervisor (%).

    Means over seeds; PGR from the mean accuracies (as the paper computes it from its table).
    """
    weak_acc = df.loc[df["role"] == "weak", "test_acc"].mean()
    ceilings = df[df["role"] == "ceiling"].groupby("model")["test_acc"].mean()
    rows = [{"model": df.loc[df["role"] == "weak", "model"].iloc[0], "role": "weak", "loss": None, "top1": weak_acc}]
    for model, acc in ceilings.items():
        rows.append({"model": model, "role": "ceiling", "loss": "xent", "top1": acc})
    agree = [c for c in df.columns if c.startswith("agreement_")]
    for (model, loss), g in df[df["role"] == "w2s"].groupby(["model", "loss"], sort=False):
        acc = g["test_acc"].mean()
        rows.append(
            {
                "model": model,
                "role": "w2s",
                "loss": loss,
                "top1": acc,
                "pgr": pgr(weak_acc, acc, ceilings.get(model, np.nan)),
                **g[agree].mean().to_dict(),
            }
        )
    out = pd.DataFrame(rows)
    pct = ["top1", "pgr", *agree]
    out[pct] = out.reindex(columns=pct).astype(float) * 100
    return out


def _paper_number(role: str, row: str | None, tag: str, metric: str = "accuracy") -> float:
    from w2s_lib.reference import paper_values

    x = "alexnet" if role == "weak" else row
    if x is None:  # a student that stands for no row of the paper (paper_values would read None as "any")
        return float("nan")
    hit = paper_values("table03", tag=tag, metric=metric, series=role, x=x)
    return float(hit["value"].iloc[0]) if len(hit) else float("nan")


def beside_paper(table: pd.DataFrame, paper_rows: dict[str, str]) -> pd.DataFrame:
    """``table3``'s rows with Table 3's numbers [P], the reference code's re-run [C] and the paper's PGR.

    ``paper_rows`` maps each of our students to the paper's row it stands for (e.g. ``tv:resnet50`` ->
    ``dino_resnet50`` at the smoke preset). Only the supervisor, the ceilings and the cross-entropy
    students have paper numbers: Table 3 has no confidence loss.
    """
    out = table.copy()
    naive = out["loss"].isna() | (out["loss"] == "xent")
    for col, tag, metric in (
        ("paper", "P", "accuracy"),
        ("reference re-run", "C", "accuracy"),
        ("paper pgr", "P", "pgr"),
    ):
        out[col] = [
            _paper_number(r["role"], paper_rows.get(r["model"]), tag, metric) if ok else float("nan")
            for ok, (_, r) in zip(naive, out.iterrows())
        ]
    return out


def bars(table: pd.DataFrame, strong: str, paper_row: str) -> tuple[dict, dict]:
    """Fig. 2-style bars for one student (weak, naive, conf_loss when run, ceiling) and the paper's."""
    top1 = table.set_index(["model", "role", "loss"])["top1"]
    ours = {"weak": table.loc[table["role"] == "weak", "top1"].iloc[0], "naive": top1[(strong, "w2s", "xent")]}
    if (strong, "w2s", "logconf") in top1.index:
        ours["conf_loss"] = top1[(strong, "w2s", "logconf")]
    ours["ceiling"] = top1[(strong, "ceiling", "xent")]
    paper = {
        "weak": _paper_number("weak", None, "P"),
        "naive": _paper_number("w2s", paper_row, "P"),
        "ceiling": _paper_number("ceiling", paper_row, "P"),
    }
    return ours, paper
