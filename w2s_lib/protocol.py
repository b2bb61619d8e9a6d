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
  differs from it only in its labels; ``ceiling_half="A"`` in ``sweep.plan_sweep`` reproduces the
  reference.
* **bootstrapping** (paper §4.3.1): a chain M1 -> M2 -> ... -> Mn of weak-to-strong runs, each on a fresh
  part of half B. Half B's training and validation items are split by group into ``b_slices = n - 1``
  disjoint parts; step k trains on part ``b_slice = k``. Step 0 is supervised by M1's ground-truth
  half-A run, step k > 0 by step k - 1, which labels part k with its own predictions.

Sweeps of many runs are planned in ``w2s_lib.sweep``; ``w2s_lib.results`` tabulates a results folder.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from w2s_lib import cache, dist
from w2s_lib.data.splits import DataConfig, Splits, prepare_data
from w2s_lib.metrics import accuracy, agreement, auroc, ece
from w2s_lib.train import TrainConfig

LABELS = ("gt", "weak")
HALVES = ("A", "B")
# How weak-to-strong labels are made from the supervisor (paper App. E.2, Figs. 25-26): "real" uses its
# labels as they are; the others flip as many ground-truth labels as the supervisor gets wrong, chosen by
# a rule: at random, the longest/shortest texts, or where the student's own model trained on ground
# truth (on half A) is least confident / most confidently right.
WEAK_ERRORS = ("real", "random", "longest", "shortest", "strong_least_confident", "strong_most_confident")


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig
    model: str
    labels: str = "gt"
    half: str = "A"
    train: TrainConfig = field(default_factory=TrainConfig)
    head_init: str = "zeros"
    linear_probe: bool = False
    lora_r: int = 0  # > 0: train LoRA adapters of this rank instead of the backbone (models.add_lora)
    hard_weak_labels: bool = False  # the paper trains on the supervisor's soft labels
    weak: RunConfig | None = None
    weak_errors: str = "real"  # one of WEAK_ERRORS
    # Fig. 27: append the supervisor's label to every prompt ("I think this is correct...").
    weak_label_in_prompt: bool = False
    # Fig. 11, ft(weak)+lp(gt): start from this run's selected weights (with a fresh head).
    init_from: RunConfig | None = None
    # Fig. 21: train only on items of difficulty <= difficulty_max, where an item's difficulty is the
    # index of the smallest of these ground-truth half-A runs from which every larger one gets it right.
    difficulty_runs: tuple = ()
    difficulty_max: int | None = None
    difficulty_n: int | None = None  # subsample the kept items to this many (equal sizes across cutoffs)
    # Figs. 10, 17, 18: > 0 first finetunes the model as a language model on the task's training texts for
    # this many epochs, labels unread (w2s_lib.genft); the ceiling of such a student gets the same pass.
    genft_epochs: float = 0.0
    # Bootstrapping: train on part b_slice of half B split into b_slices disjoint parts (module docstring).
    b_slice: int = 0
    b_slices: int = 1

    def __post_init__(self):
        if self.labels not in LABELS or self.half not in HALVES:
            raise ValueError(f"labels must be one of {LABELS} and half one of {HALVES}")
        if (self.labels == "weak") != (self.weak is not None):
            raise ValueError("a run trains on weak labels exactly when it has a weak supervisor")
        if self.b_slices < 1 or not 0 <= self.b_slice < self.b_slices:
            raise ValueError(f"b_slice must be in 0..b_slices-1, got b_slice={self.b_slice}, b_slices={self.b_slices}")
        if self.b_slices > 1 and self.labels != "weak":
            raise ValueError("only weak-to-strong runs train on a part of half B (bootstrapping)")
        if self.weak is not None:
            _check_supervisor(self)
        if self.weak_errors not in WEAK_ERRORS:
            raise ValueError(f"unknown weak_errors {self.weak_errors!r}; valid: {', '.join(WEAK_ERRORS)}")
        if (self.weak_errors != "real" or self.weak_label_in_prompt) and self.weak is None:
            raise ValueError("weak_errors and weak_label_in_prompt need a weak supervisor")
        if any((r.labels, r.half) != ("gt", "A") for r in self.difficulty_runs):
            raise ValueError("difficulty comes from ground-truth half-A runs (their predictions on half B)")
        if self.difficulty_runs and self.half != "B":
            raise ValueError("difficulty filtering applies to half-B runs")
        if _pairwise(self) and (self.weak_label_in_prompt or self.weak_errors in ("longest", "shortest")):
            raise ValueError(
                "comparison tasks have two texts per item: weak_label_in_prompt and length-based "
                "weak_errors do not apply"
            )

    @property
    def role(self) -> str:
        if self.labels == "weak":
            return "w2s"
        return "weak" if self.half == "A" else "ceiling"

    @staticmethod
    def from_dict(d: dict) -> RunConfig:
        d = dict(d)
        d["data"] = DataConfig(**d["data"])
        tr = dict(d["train"])
        tr["loss_kw"] = tuple(tuple(kv) for kv in tr.get("loss_kw", ()))
        d["train"] = TrainConfig(**tr)
        for key in ("weak", "init_from"):
            d[key] = RunConfig.from_dict(d[key]) if d.get(key) else None
        d["difficulty_runs"] = tuple(RunConfig.from_dict(r) for r in d.get("difficulty_runs", ()))
        return RunConfig(**d)

    def dependencies(self) -> list[RunConfig]:
        """Runs whose outputs this run reads, in the order they must exist."""
        deps = [self.weak, self.init_from, *self.difficulty_runs]
        if self.weak_errors.startswith("strong_"):
            deps.append(error_reference(self))
        return [d for d in deps if d is not None]


def _check_supervisor(cfg: RunConfig) -> None:
    sup = cfg.weak
    if cfg.b_slices == 1:
        if (sup.labels, sup.half, cfg.half) != ("gt", "A", "B"):
            raise ValueError("weak labels come from a ground-truth half-A run and train on half B")
        return
    if cfg.half != "B":
        raise ValueError("bootstrap steps train on half B")
    if cfg.b_slice == 0 and (sup.labels, sup.half) != ("gt", "A"):
        raise ValueError("the first bootstrap step (b_slice=0) is supervised by a ground-truth half-A run")
    if cfg.b_slice > 0 and (sup.labels, sup.b_slices, sup.b_slice) != ("weak", cfg.b_slices, cfg.b_slice - 1):
        raise ValueError(
            f"bootstrap step b_slice={cfg.b_slice} must be supervised by the weak-to-strong run on "
            f"b_slice={cfg.b_slice - 1} with the same b_slices={cfg.b_slices}"
        )
    from w2s_lib.models import preset_of

    small, large = preset_of(sup.model), preset_of(cfg.model)
    if small is not None and large is not None:  # other models' sizes are unknown here
        if large.params <= small.params:
            raise ValueError(f"bootstrapping needs increasing sizes: {sup.model} cannot supervise {cfg.model}")


def supervisors(cfg: RunConfig) -> list[RunConfig]:
    """The chain of supervisors above ``cfg``, from the ground-truth half-A run down to ``cfg.weak``."""
    chain = []
    while cfg.weak is not None:
        cfg = cfg.weak
        chain.insert(0, cfg)
    return chain


def lineage(cfg: RunConfig) -> dict:
    """Who supervised a run, for results tables: ``weak_model`` is the original (ground-truth) supervisor
    of the chain, ``via`` the intermediate supervisors ('>'-joined, None if none), ``bootstrap_step`` the
    step (0-based) of ``bootstrap_steps`` for bootstrapped runs (else None)."""
    chain = supervisors(cfg)
    boot = cfg.b_slices > 1
    return {
        "weak_model": chain[0].model if chain else None,
        "via": ">".join(c.model for c in chain[1:]) or None,
        "bootstrap_step": cfg.b_slice if boot else None,
        "bootstrap_steps": cfg.b_slices if boot else None,
    }


def _pairwise(cfg: RunConfig) -> bool:
    """Whether the run's task is made of comparisons (a reward model; ``w2s_lib.data.preferences``)."""
    from w2s_lib.data import TASKS

    spec = TASKS.get(cfg.data.task)
    return bool(spec and spec.pairwise)


def variant(cfg: RunConfig) -> str:
    """A short readable tag for the non-standard options of a run ('' for the paper's plain protocol)."""
    tags = []
    if cfg.linear_probe:
        tags.append("lp")
    if cfg.lora_r:
        tags.append(f"lora{cfg.lora_r}")
    if cfg.init_from is not None:
        tags.append(f"from-{cfg.init_from.role}")
    if cfg.weak_errors != "real":
        tags.append(cfg.weak_errors)
    if cfg.weak_label_in_prompt:
        tags.append("label-in-prompt")
    if cfg.difficulty_runs:
        tags.append(f"difficulty-le{cfg.difficulty_max}")
    if cfg.genft_epochs:
        tags.append(f"genft{cfg.genft_epochs:g}")
    if cfg.b_slices > 1:
        tags.append("bootstrap")
    return "+".join(tags)


def run_name(cfg: RunConfig) -> str:
    who = "-to-".join([c.model for c in supervisors(cfg)] + [cfg.model])
    parts = [cfg.role, cache.slug(who), cfg.train.loss, variant(cfg), f"s{cfg.data.seed}", cache.config_hash(cfg)]
    return "_".join(p for p in parts if p)


def run_dir(cfg: RunConfig, root: str | Path) -> Path:
    return Path(root) / cache.slug(cfg.data.task) / run_name(cfg)


# ---------------------------------------------------------------------------------------------
# Running (or loading) one run


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
    # Under a multi-process launch every process trains the run together: they must all see the same
    # cache, so each decision follows a barrier, and only the main process publishes.
    dist.barrier()
    if cache.is_finished(out) and not force and (not checkpoint or (out / "checkpoint").exists()):
        return cache.read_json(out / cache.METRICS_FILE)
    for dep in cfg.dependencies():
        run_or_load(dep, root, progress=progress, checkpoint=dep == cfg.init_from)
    if dist.is_main():
        cache.clean_stale_tmp(out.parent)
    dist.barrier()
    writer = cache.RunWriter(out)
    try:
        metrics = _train_run(cfg, root, writer, checkpoint, progress)
        if dist.is_main():
            writer.commit(force=True)
        else:
            writer.abort()
    except BaseException:
        writer.abort()
        raise
    dist.barrier()
    return metrics


def _gt(items) -> np.ndarray:
    return np.array([it["hard_label"] for it in items], dtype=np.float32)


# A supervisor's predictions on the half-B items it labels: all of half B for a ground-truth half-A run, the
# next part for a bootstrap step that is not the last.
WEAK_LABELS_FILE = "weak_labels.parquet"
TEST_PREDICTIONS_FILE = "test_predictions.parquet"


def half_b_p1(cfg: RunConfig, root, items) -> np.ndarray:
    """A supervisor's class-1 probabilities on the half-B ``items`` it labels (saved by that run)."""
    p1 = pd.read_parquet(run_dir(cfg, root) / WEAK_LABELS_FILE).set_index("id")["p1"]
    return p1.loc[[it["id"] for it in items]].to_numpy(np.float32)


def error_reference(cfg: RunConfig) -> RunConfig:
    """The student's own model trained on the ground truth of half A: its confidence on half B ranks
    items for the strong_* error structures."""
    return ceiling_config(cfg, half="A")


def structured_weak_labels(cfg: RunConfig, root, items) -> np.ndarray:
    """Weak labels for ``items`` with the error structure ``cfg.weak_errors`` (see WEAK_ERRORS).

    Every structure other than "real" flips exactly as many ground-truth labels as the supervisor's
    hardened labels get wrong on these items, so all structures share the supervisor's accuracy.
    """
    sup = half_b_p1(cfg.weak, root, items)
    if cfg.weak_errors == "real":
        return (sup > 0.5).astype(np.float32) if cfg.hard_weak_labels else sup
    y = _gt(items)
    n_err = int(((sup > 0.5) != (y > 0.5)).sum())
    rng = np.random.default_rng(cfg.data.seed)
    if cfg.weak_errors == "random":
        order = rng.permutation(len(items))
    elif cfg.weak_errors in ("longest", "shortest"):
        length = np.array([len(it["txt"]) for it in items])
        # stable sort on a random permutation: ties broken at random, reproducibly
        perm = rng.permutation(len(items))
        key = -length[perm] if cfg.weak_errors == "longest" else length[perm]
        order = perm[np.argsort(key, kind="stable")]
    else:
        p = half_b_p1(error_reference(cfg), root, items)
        confidence = np.abs(p - 0.5)
        if cfg.weak_errors == "strong_least_confident":
            order = np.argsort(confidence, kind="stable")
        else:  # most confidently right first, then the rest by confidence
            right = (p > 0.5) == (y > 0.5)
            order = np.lexsort((-confidence, ~right))
    flipped = y.copy()
    flipped[order[:n_err]] = 1 - flipped[order[:n_err]]
    return flipped


def item_difficulty(runs, root, items) -> np.ndarray:
    """Per item, the index of the smallest run (in the given size order) from which every larger run
    predicts it right; ``len(runs)`` when even the largest gets it wrong."""
    y = _gt(items) > 0.5
    right = np.array([(half_b_p1(r, root, items) > 0.5) == y for r in runs])  # [runs, items]
    difficulty = np.full(len(items), len(runs))
    for k in range(len(runs) - 1, -1, -1):
        solved_from_k = right[k:].all(axis=0)
        difficulty[solved_from_k] = k
    return difficulty


TRAIN_LABEL_AGREEMENT = (
    "train_label_agreement_all",
    "train_label_agreement_label_right",
    "train_label_agreement_label_wrong",
)


def train_label_agreement(student_p1, train_y, gt) -> dict[str, float]:
    """How much a student agrees with the labels it was trained on (paper Fig. 26, App. E.2, p. 45).

    On the student's training items: the fraction where its hard prediction equals its hardened training
    label (``train_y``: soft or hard class-1 labels, class 1 when > 0.5), overall and split by whether that
    label is right about the ground truth ``gt``. For the real supervisor these labels are its predictions;
    for a constructed error structure (``RunConfig.weak_errors``) they are that structure's labels, which
    exist only on half B, so the test-set agreement with the supervisor (``agreement_*``) says nothing
    about them. Keys: ``TRAIN_LABEL_AGREEMENT`` (nan for an empty subset).
    """
    a = agreement(student_p1, train_y, gt)
    return dict(zip(TRAIN_LABEL_AGREEMENT, (a["all"], a["supervisor_right"], a["supervisor_wrong"])))


def _with_label_in_prompt(items, p1) -> list[str]:
    return [
        f"{it['txt']}\nI think this is {'correct' if p > 0.5 else 'incorrect'}. What do you think?"
        for it, p in zip(items, p1)
    ]


def _train_run(cfg: RunConfig, root, writer: cache.RunWriter, checkpoint: bool, progress) -> dict:
    import torch

    from w2s_lib.models import build_classifier, load_classifier, load_tokenizer, save_classifier
    from w2s_lib.train import predict, train_classifier

    data = prepare_data(cfg.data)
    train_items, val_items = data.items(cfg.half, cfg.b_slice, cfg.b_slices)
    if not train_items or not val_items:
        raise ValueError(f"part {cfg.b_slice} of {cfg.b_slices} of half B is empty; use more training items")
    if cfg.difficulty_runs:
        level = item_difficulty(cfg.difficulty_runs, root, train_items)
        keep = np.flatnonzero(level <= (cfg.difficulty_max if cfg.difficulty_max is not None else len(level)))
        if cfg.difficulty_n is not None and len(keep) > cfg.difficulty_n:
            keep = np.sort(np.random.default_rng(cfg.data.seed).choice(keep, cfg.difficulty_n, replace=False))
        train_items = [train_items[i] for i in keep]
        if not train_items:
            raise ValueError(f"no training items of difficulty <= {cfg.difficulty_max}")
    if cfg.weak is None:
        train_y, val_y = _gt(train_items), _gt(val_items)
    else:
        train_y = structured_weak_labels(cfg, root, train_items)
        val_y = structured_weak_labels(cfg, root, val_items)
    test_y = _gt(data.test)
    sup_test = None
    if cfg.weak is not None:
        sup_preds = pd.read_parquet(run_dir(cfg.weak, root) / TEST_PREDICTIONS_FILE)
        assert sup_preds["id"].tolist() == [it["id"] for it in data.test], "supervisor saw another test set"
        sup_test = sup_preds["p1"].to_numpy()
    texts = {
        "train": [it["txt"] for it in train_items],
        "val": [it["txt"] for it in val_items],
        "test": [it["txt"] for it in data.test],
    }
    if cfg.weak_label_in_prompt:
        texts = {
            "train": _with_label_in_prompt(train_items, train_y),
            "val": _with_label_in_prompt(val_items, val_y),
            "test": _with_label_in_prompt(data.test, sup_test),
        }

    torch.manual_seed(cfg.train.seed)
    if cfg.init_from is not None:
        ckpt = run_dir(cfg.init_from, root) / "checkpoint"
        tok = load_tokenizer(str(ckpt / "tokenizer"))
        model = load_classifier(ckpt)
        model.set_linear_probe(cfg.linear_probe)
        model.reset_head()
    else:
        tok = load_tokenizer(cfg.model)
        source, kw = cfg.model, {}
        if cfg.genft_epochs:
            from w2s_lib.genft import ensure_genft
            from w2s_lib.models import preset_of

            source = str(ensure_genft(cfg, root, progress=progress))
            torch.manual_seed(cfg.train.seed)
            preset = preset_of(cfg.model)
            kw["pooling"] = preset.pooling if preset else None
        model = build_classifier(
            source,
            head_init=cfg.head_init,
            linear_probe=cfg.linear_probe,
            tokenizer=tok,
            lora_r=cfg.lora_r,
            pairwise=_pairwise(cfg),
            **kw,
        )
    res = train_classifier(
        model,
        tok,
        texts["train"],
        train_y,
        cfg.train,
        val_texts=texts["val"],
        val_soft=val_y,
        test_texts=texts["test"],
        test_labels=test_y,
        test_reference_p1=sup_test,
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
        **lineage(cfg),
        "loss": cfg.train.loss,
        "seed": cfg.data.seed,
        "linear_probe": cfg.linear_probe,
        "variant": variant(cfg),
        "weak_errors": cfg.weak_errors,
        "weak_label_in_prompt": cfg.weak_label_in_prompt,
        "init_from": run_name(cfg.init_from) if cfg.init_from else None,
        "difficulty_max": cfg.difficulty_max if cfg.difficulty_runs else None,
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
        metrics.update({f"agreement_{k}": v for k, v in agreement(p1, sup_test, test_y).items()})
        metrics["weak_label_acc"] = accuracy(train_y, _gt(train_items))
        # the selected model on its own training items, against the labels it learnt (Fig. 26)
        train_p1 = predict(model, tok, texts["train"], cfg.train.max_len, cfg.train.eval_batch_size)[:, 1]
        metrics.update(train_label_agreement(train_p1, train_y, _gt(train_items)))
        preds["supervisor_p1"] = sup_test
    b_items = _labels_to_give(cfg, data)
    if b_items:
        b_p1 = predict(model, tok, [it["txt"] for it in b_items], cfg.train.max_len, cfg.train.eval_batch_size)[:, 1]
        writer.parquet(
            WEAK_LABELS_FILE,
            pd.DataFrame({"id": [it["id"] for it in b_items], "label": _gt(b_items).astype(int), "p1": b_p1}),
        )
        metrics["weak_label_acc" if cfg.role == "weak" else "next_label_acc"] = accuracy(b_p1, _gt(b_items))
    if checkpoint:
        if dist.is_fsdp():
            raise ValueError("checkpoints of FSDP-sharded models are not supported; run this one without FSDP")
        save_classifier(model.cpu(), writer.path("checkpoint"), tok)
    writer.json(cache.CONFIG_FILE, cache.config_dict(cfg))
    writer.json("history.json", res.history)
    writer.parquet(TEST_PREDICTIONS_FILE, preds)
    writer.json(cache.METRICS_FILE, metrics)
    return cache.jsonable(metrics)


def _labels_to_give(cfg: RunConfig, data: Splits) -> list:
    """The half-B items whose labels this run's predictions become: all of half B for a ground-truth half-A
    run (students use any part of it), the next part for a bootstrap step that has a next step."""
    if cfg.role == "weak":
        return data.B_train + data.B_val
    if cfg.b_slice + 1 < cfg.b_slices:
        return [it for part in data.b_part(cfg.b_slice + 1, cfg.b_slices) for it in part]
    return []


def ceiling_config(cfg: RunConfig, half: str = "B") -> RunConfig:
    """The ground-truth run that a weak-to-strong run's PGR is measured against: the same model and
    training settings, ground-truth labels, plain cross-entropy, no label tricks.

    For a bootstrap step it is the same model's ordinary ceiling, trained on all of half B, not on the
    step's part: the ceiling a naive student of that model is compared with, so the two PGRs share it."""
    train = dataclasses.replace(cfg.train, loss="xent", loss_kw=())
    return RunConfig(
        data=cfg.data,
        model=cfg.model,
        labels="gt",
        half=half,
        train=train,
        head_init=cfg.head_init,
        linear_probe=cfg.linear_probe,
        lora_r=cfg.lora_r,
        genft_epochs=cfg.genft_epochs,
    )
