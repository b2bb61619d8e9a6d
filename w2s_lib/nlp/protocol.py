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
* **a method's labels** (``w2s compare``; ``w2s_lib.nlp.methods``): ``transform`` names a registered rule that
  changes a student's weak labels before it trains (relabels, filters, ensembles); ``label_runs`` are the runs
  whose half-B predictions the rule reads besides the supervisor's (another supervisor; the student's own
  earlier run, for self-training). Every weak-to-strong run saves its predictions on its own half-B items, so
  it can label them for such a run.
* **bootstrapping** (paper §4.3.1): a chain M1 -> M2 -> ... -> Mn of weak-to-strong runs, each on a fresh
  part of half B. Half B's training and validation items are split by group into ``b_slices = n - 1``
  disjoint parts; step k trains on part ``b_slice = k``. Step 0 is supervised by M1's ground-truth
  half-A run, step k > 0 by step k - 1, which labels part k with its own predictions.

Sweeps of many runs are planned in ``w2s_lib.nlp.sweep``; ``w2s_lib.core.results`` tabulates a results folder.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from w2s_lib.core import cache, dist, runs
from w2s_lib.core.metrics import accuracy, agreement, auroc, ece
from w2s_lib.core.train_config import TrainConfig
from w2s_lib.data.splits import DataConfig, Splits, prepare_data
from w2s_lib.nlp import methods

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
    difficulty_runs: tuple[RunConfig, ...] = ()
    difficulty_max: int | None = None
    difficulty_n: int | None = None  # subsample the kept items to this many (equal sizes across cutoffs)
    # Figs. 10, 17, 18: > 0 first finetunes the model as a language model on the task's training texts for
    # this many epochs, labels unread (w2s_lib.nlp.genft); the ceiling of such a student gets the same pass.
    genft_epochs: float = 0.0
    # Bootstrapping: train on part b_slice of half B split into b_slices disjoint parts (module docstring).
    b_slice: int = 0
    b_slices: int = 1
    # A method's rule for the weak labels (``methods.TRANSFORMS``), its options as sorted (key, value) pairs, and
    # the runs whose half-B predictions it reads besides the supervisor's (module docstring).
    transform: str = ""
    transform_kw: tuple = ()
    label_runs: tuple[RunConfig, ...] = ()

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
        if self.transform or self.label_runs:
            _check_transform(self)
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
        return runs.from_dict(RunConfig, d)

    def dependencies(self) -> list[RunConfig]:
        """Runs whose outputs this run reads, in the order they must exist."""
        deps = [self.weak, self.init_from, *self.difficulty_runs, *self.label_runs]
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
    from w2s_lib.models.presets import preset_of

    small, large = preset_of(sup.model), preset_of(cfg.model)
    if small is not None and large is not None:  # other models' sizes are unknown here
        if large.params <= small.params:
            raise ValueError(f"bootstrapping needs increasing sizes: {sup.model} cannot supervise {cfg.model}")


def _check_transform(cfg: RunConfig) -> None:
    if cfg.weak is None or cfg.b_slices > 1:
        raise ValueError("a label transform changes the weak labels of a weak-to-strong run on all of half B")
    methods.check_transform(cfg.transform)
    for r in cfg.label_runs:
        if r.data != cfg.data or r.half != ("A" if r.labels == "gt" else "B") or r.b_slices > 1:
            raise ValueError("label_runs are ground-truth half-A runs or students on all of half B, on the same data")


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
    if cfg.transform:
        tags.append(cfg.transform)
    return "+".join(tags)


def run_name(cfg: RunConfig) -> str:
    who = "-to-".join([c.model for c in supervisors(cfg)] + [cfg.model])
    key = runs.key_hash("nlp", cfg, *(["genft"] if cfg.genft_epochs else []))
    parts = [cfg.role, cache.slug(who), cfg.train.loss, variant(cfg), f"s{cfg.data.seed}", key]
    return "_".join(p for p in parts if p)


def run_dir(cfg: RunConfig, root: str | Path) -> Path:
    return Path(root) / cache.slug(cfg.data.task) / run_name(cfg)


# ---------------------------------------------------------------------------------------------
# Running (or loading) one run: through the engine of w2s_lib.core.runs


class NlpRun(runs.Run):
    """A classifier run of the protocol (module docstring), trained by every process of a launch together."""

    kind = "nlp"
    config_type = RunConfig
    distributed = True

    def __init__(self, cfg: RunConfig, root, *, checkpoint: bool = False, labels: bool = False):
        super().__init__(cfg, root)
        self.checkpoint = checkpoint
        self.labels = labels  # another run reads its predictions on its half-B items (WEAK_LABELS_FILE)

    @property
    def folder(self) -> Path:
        return run_dir(self.config, self.root)

    def dependencies(self) -> list[runs.Run]:
        cfg = self.config
        deps: list[runs.Run] = [
            NlpRun(d, self.root, checkpoint=d == cfg.init_from, labels=d in cfg.label_runs) for d in cfg.dependencies()
        ]
        if cfg.genft_epochs and cfg.init_from is None:
            from w2s_lib.nlp.genft import GenftRun, genft_config

            deps.append(GenftRun(genft_config(cfg), self.root))
        return deps

    def fingerprint(self) -> str:
        return prepare_data(self.config.data).fingerprint

    def reusable(self, folder: Path) -> bool:
        # a student cached before students saved their own labels is trained again when a method reads them
        has_labels = not self.labels or (folder / WEAK_LABELS_FILE).exists()
        return has_labels and (not self.checkpoint or (folder / "checkpoint").exists())

    def compute(self, writer: cache.RunWriter, progress) -> dict:
        return _train_run(self.config, self.root, writer, self.checkpoint, progress)


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
    return runs.run_or_load(NlpRun(cfg, root, checkpoint=checkpoint), force=force, progress=progress)


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


def item_difficulty(graders, root, items) -> np.ndarray:
    """Per item, the index of the smallest run (in the given size order) from which every larger run
    predicts it right; ``len(runs)`` when even the largest gets it wrong."""
    y = _gt(items) > 0.5
    right = np.array([(half_b_p1(r, root, items) > 0.5) == y for r in graders])  # [graders, items]
    difficulty = np.full(len(items), len(graders))
    for k in range(len(graders) - 1, -1, -1):
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
    """Train ``cfg``'s model on its items and labels, evaluate it, and write its files; returns its metrics."""
    from w2s_lib.nlp.train import train_classifier

    data = prepare_data(cfg.data)
    sets = _labelled_sets(cfg, root, data)
    model, tok = _initial_model(cfg, root)
    res = train_classifier(
        model,
        tok,
        sets.texts["train"],
        sets.train_y,
        cfg.train,
        val_texts=sets.texts["val"],
        val_soft=sets.val_y,
        test_texts=sets.texts["test"],
        test_labels=sets.test_y,
        test_reference_p1=sets.sup_test,
        progress=progress,
        desc=run_name(cfg)[:40],
    )
    metrics = _run_metrics(cfg, sets, res)
    preds = pd.DataFrame({"id": [it["id"] for it in data.test], "label": sets.test_y.astype(int), "p1": res.test_p1})
    given, given_p1 = _give_labels(cfg, data, model, tok, writer)
    if cfg.weak is not None:
        metrics.update(_student_metrics(cfg, sets, res.test_p1, model, tok, given_p1))
        preds["supervisor_p1"] = sets.sup_test
    metrics.update(given)
    if checkpoint:
        from w2s_lib.models.classifier import save_classifier

        if dist.is_fsdp():
            raise ValueError("checkpoints of FSDP-sharded models are not supported; run this one without FSDP")
        save_classifier(model.cpu(), writer.path("checkpoint"), tok)
    writer.json("history.json", res.history)
    writer.parquet(TEST_PREDICTIONS_FILE, preds)
    return metrics


@dataclass
class LabelledSets:
    """A run's training and validation items with the labels it learns from, its texts per split, the test
    labels and the supervisor's test predictions (None without a supervisor)."""

    train_items: list
    val_items: list
    train_y: np.ndarray
    val_y: np.ndarray
    test_y: np.ndarray
    sup_test: np.ndarray | None
    texts: dict


def _labelled_sets(cfg: RunConfig, root, data: Splits) -> LabelledSets:
    train_items, val_items = data.items(cfg.half, cfg.b_slice, cfg.b_slices)
    if not train_items or not val_items:
        raise ValueError(f"part {cfg.b_slice} of {cfg.b_slices} of half B is empty; use more training items")
    if cfg.difficulty_runs:
        train_items = _easy_items(cfg, root, train_items)
    if cfg.weak is None:
        train_y, val_y, sup_test = _gt(train_items), _gt(val_items), None
    else:
        train_y = structured_weak_labels(cfg, root, train_items)
        val_y = structured_weak_labels(cfg, root, val_items)
        if cfg.transform:
            train_items, train_y, val_items, val_y = _transformed(cfg, root, (train_items, train_y), (val_items, val_y))
        sup_preds = pd.read_parquet(run_dir(cfg.weak, root) / TEST_PREDICTIONS_FILE)
        assert sup_preds["id"].tolist() == [it["id"] for it in data.test], "supervisor saw another test set"
        sup_test = sup_preds["p1"].to_numpy()
    splits = {"train": (train_items, train_y), "val": (val_items, val_y), "test": (data.test, sup_test)}
    if cfg.weak_label_in_prompt:
        texts = {k: _with_label_in_prompt(items, y) for k, (items, y) in splits.items()}
    else:
        texts = {k: [it["txt"] for it in items] for k, (items, _) in splits.items()}
    return LabelledSets(train_items, val_items, train_y, val_y, _gt(data.test), sup_test, texts)


def _transformed(cfg: RunConfig, root, train: tuple, val: tuple) -> tuple:
    """The training and validation items and labels after ``cfg.transform`` (``methods.LabelContext``): one rule
    over both, so a student is selected on labels made as its training labels were."""
    items = train[0] + val[0]
    ctx = methods.LabelContext(
        items=items,
        p1=np.concatenate([train[1], val[1]]).astype(np.float32),
        gt=_gt(items),
        n_train=len(train[0]),
        seed=cfg.data.seed,
        others=[half_b_p1(r, root, items) for r in cfg.label_runs],
        features=lambda: student_features(cfg, items),
    )
    keep, p1 = methods.apply_transform(cfg.transform, ctx, dict(cfg.transform_kw))
    idx = np.flatnonzero(keep)
    tr, va = idx[idx < len(train[0])], idx[idx >= len(train[0])]
    if not len(tr) or not len(va):
        raise ValueError(f"transform {cfg.transform!r} kept no training or no validation item")
    return [items[i] for i in tr], p1[tr], [items[i] for i in va], p1[va]


def student_features(cfg: RunConfig, items: list) -> np.ndarray:
    """The frozen pretrained features of ``cfg``'s model on ``items`` ([N, H]; a comparison's two texts side by
    side), as its linear probe reads them: a finetuned student's rules see the weights it starts from. They come
    from the feature cache (``models.features``), shared with the probes of the same model and texts."""
    import torch

    from w2s_lib.core.fit import pick_device
    from w2s_lib.models.classifier import build_classifier
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.nlp.train import frozen_features, tokenize

    tok = load_tokenizer(cfg.model)
    with torch.random.fork_rng():  # the head's initialisation must not move the run's own random state
        model = build_classifier(cfg.model, linear_probe=True, tokenizer=tok, pairwise=_pairwise(cfg))
    device = pick_device(None)
    model.to(device)
    seqs = tokenize(tok, [it["txt"] for it in items], cfg.train.max_len)
    feats = frozen_features(model, seqs, tok.pad_token_id, device, cfg.train.eval_batch_size)
    return feats.reshape(len(items), -1).float().cpu().numpy()


def _easy_items(cfg: RunConfig, root, items: list) -> list:
    """Fig. 21: the items of difficulty <= ``difficulty_max`` (subsampled to ``difficulty_n``)."""
    level = item_difficulty(cfg.difficulty_runs, root, items)
    keep = np.flatnonzero(level <= (cfg.difficulty_max if cfg.difficulty_max is not None else len(level)))
    if cfg.difficulty_n is not None and len(keep) > cfg.difficulty_n:
        keep = np.sort(np.random.default_rng(cfg.data.seed).choice(keep, cfg.difficulty_n, replace=False))
    if not len(keep):
        raise ValueError(f"no training items of difficulty <= {cfg.difficulty_max}")
    return [items[i] for i in keep]


def _initial_model(cfg: RunConfig, root):
    """The classifier a run starts from (seeded): a checkpoint with a fresh head (``init_from``), or the
    model's backbone (after generative finetuning when ``genft_epochs``) with a new head."""
    import torch

    from w2s_lib.models.classifier import build_classifier, load_classifier
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.models.presets import preset_of

    torch.manual_seed(cfg.train.seed)
    if cfg.init_from is not None:
        ckpt = run_dir(cfg.init_from, root) / "checkpoint"
        model = load_classifier(ckpt)
        model.set_linear_probe(cfg.linear_probe)
        model.reset_head()
        return model, load_tokenizer(str(ckpt / "tokenizer"))
    tok = load_tokenizer(cfg.model)
    source, kw = cfg.model, {}
    if cfg.genft_epochs:
        from w2s_lib.nlp.genft import genft_dir

        source = str(genft_dir(cfg, root) / "model")
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
    return model, tok


def _run_metrics(cfg: RunConfig, sets: LabelledSets, res) -> dict:
    p1, hist = res.test_p1, pd.DataFrame(res.history)
    # test accuracy across training; absent when the evaluations left the test set out (history_test)
    curve = hist["test_acc"] if "test_acc" in hist else pd.Series([np.nan])
    return {
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
        "test_acc": accuracy(p1, sets.test_y),
        "test_auroc": auroc(p1, sets.test_y),
        "test_ece": ece(p1, sets.test_y),
        # a model that puts every test item in one class (0 or 1 here) is collapsed, whatever its accuracy
        "test_frac_class1": float(np.mean(np.asarray(p1) > 0.5)),
        "selected_step": res.selected_step,
        "n_steps": res.n_steps,
        "seconds": res.seconds,
        "n_train": len(sets.train_items),
        "n_val": len(sets.val_items),
        "n_test": len(sets.test_y),
        # for the early-stopping analyses (paper Figs. 7, 13): the last step and the test-best step
        "test_acc_last": float(curve.iloc[-1]),
        "test_acc_oracle": float(curve.max()),
    }


def _student_metrics(cfg: RunConfig, sets: LabelledSets, p1, model, tok, given_p1: dict) -> dict:
    """A weak-to-strong run's agreement with its supervisor, and with the labels it was trained on (Fig. 26).
    ``given_p1``: the predictions ``_give_labels`` made by item id, reused where they are of the same texts."""
    from w2s_lib.nlp.train import predict

    out = {f"agreement_{k}": v for k, v in agreement(p1, sets.sup_test, sets.test_y).items()}
    out["weak_label_acc"] = accuracy(sets.train_y, _gt(sets.train_items))
    # the selected model on its own training items, against the labels it learnt
    ids = [it["id"] for it in sets.train_items]
    if not cfg.weak_label_in_prompt and all(i in given_p1 for i in ids):
        train_p1 = np.array([given_p1[i] for i in ids], np.float32)
    else:
        train_p1 = predict(model, tok, sets.texts["train"], cfg.train.max_len, cfg.train.eval_batch_size)[:, 1]
    out.update(train_label_agreement(train_p1, sets.train_y, _gt(sets.train_items)))
    return out


def _give_labels(cfg: RunConfig, data: Splits, model, tok, writer: cache.RunWriter) -> tuple[dict, dict]:
    """Label the half-B items this run supervises (``WEAK_LABELS_FILE``); returns the labels' accuracy and the
    labels by item id."""
    from w2s_lib.nlp.train import predict

    b_items = _labels_to_give(cfg, data)
    if not b_items:
        return {}, {}
    b_p1 = predict(model, tok, [it["txt"] for it in b_items], cfg.train.max_len, cfg.train.eval_batch_size)[:, 1]
    labels = pd.DataFrame({"id": [it["id"] for it in b_items], "label": _gt(b_items).astype(int), "p1": b_p1})
    writer.parquet(WEAK_LABELS_FILE, labels)
    by_id = dict(zip(labels["id"], b_p1))
    if cfg.role == "w2s" and cfg.b_slices == 1:  # its own items, for a method that reads them (self-training)
        return {}, by_id
    return {("weak_label_acc" if cfg.role == "weak" else "next_label_acc"): accuracy(b_p1, _gt(b_items))}, by_id


def _labels_to_give(cfg: RunConfig, data: Splits) -> list:
    """The half-B items whose labels this run's predictions become: all of half B for a ground-truth half-A
    run (students use any part of it), the next part for a bootstrap step that has a next step, and a student's
    own half-B items for one on all of half B (a self-training method's next labels)."""
    if cfg.role == "weak" or (cfg.role == "w2s" and cfg.b_slices == 1):
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
