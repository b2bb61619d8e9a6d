"""Training and prediction for classifiers: one loop for ground-truth and weak-label training.

``train_classifier`` is a thin wrapper over the library's one training core, ``w2s_lib.core.fit``: it
tokenizes the splits, builds the soft-label objective (the model's forward, or for linear probes a head
on cached features) and the evaluation, and ``fit.fit`` runs the steps. Design points (each tested in
tests/nlp/test_train.py and tests/core/test_fit.py):
* batches are padded per batch to their longest example (dynamic padding), never to a fixed length;
* a batch of ``batch_size`` examples is processed in minibatches of ``minibatch_size`` (gradient
  accumulation). Losses that threshold on batch statistics (the confidence loss) get their targets
  from a no-grad pass over the whole batch first, so the gradient equals one pass over the batch
  (see ``w2s_lib.core.losses``);
* dropout is off by default: the model is kept in eval mode while it trains (no layer here behaves
  differently in train mode except dropout);
* evaluations (``eval_steps``: at least ``min_evals``, or ``evals_per_epoch`` per epoch, evenly spaced,
  or every ``eval_every`` steps) record the history; the returned model is the one selected by
  ``select``: "last", "val" (accuracy against the training labels on a held-out validation slice,
  which for weak-to-strong runs uses no ground truth) or "oracle" (test ground truth: only for the
  paper's early-stopping analyses, Figures 7 and 13);
* bf16 autocast on CUDA, full precision on CPU; the same seed gives the same numbers on CPU.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from w2s_lib.core import dist, fit
from w2s_lib.core.fit import (  # noqa: F401 (re-exported: the core's helpers, imported from here by callers)
    GROUP_WINDOW,
    autocast,
    default_device,
    index_batches,
    make_optimizer,
    make_scheduler,
)
from w2s_lib.core.losses import get_loss, soft_xent
from w2s_lib.core.metrics import accuracy, agreement
from w2s_lib.core.progress import show_progress
from w2s_lib.core.train_config import LR_SCHEDULES, OPTIMIZERS, SELECTIONS, TrainConfig  # noqa: F401 (re-exported)
from w2s_lib.models import features


@dataclass
class TrainResult:
    history: list[dict]
    selected_step: int
    n_steps: int
    test_p1: np.ndarray  # test predictions of the selected model
    seconds: float
    extra: dict = field(default_factory=dict)


# Linear probes train on precomputed features (train_classifier); False runs the model's forward at every
# step instead, the path multi-process and compiled runs take (tests compare the two).
PROBE_FEATURE_PATH = True


def tokenize(tokenizer, texts: list, max_len: int) -> list:
    """Token ids per text; a comparison (a pair of texts, for reward models) gives a pair of id lists."""
    texts = list(texts)
    if texts and isinstance(texts[0], (tuple, list)):
        flat = tokenize(tokenizer, [t for pair in texts for t in pair], max_len)
        return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
    return tokenizer(texts, truncation=True, max_length=max_len, add_special_tokens=True)["input_ids"]


def seq_len(seq) -> int:
    """Tokens of a sequence, or of the longer text of a pair (what it costs after padding)."""
    return max(len(s) for s in seq) if isinstance(seq, tuple) else len(seq)


def collate(seqs: list, pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad to the longest sequence of this batch; the mask marks real tokens. Pairs of sequences
    become two consecutive rows (the layout ``Classifier(pairwise=True)`` reads)."""
    if seqs and isinstance(seqs[0], tuple):
        seqs = [s for pair in seqs for s in pair]
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, : len(s)] = 1
    return ids.to(device), mask.to(device)


@torch.inference_mode()
def predict_tokens(model, seqs: list[list[int]], pad_id: int, batch_size: int = 64, device=None) -> np.ndarray:
    """Class probabilities [N, C] for pre-tokenized sequences; batches sorted by length for speed.

    Under a multi-process launch each process predicts its share and all get the whole result.
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    mine, n_real = dist.local_part(list(range(len(seqs))))
    order = np.argsort([seq_len(seqs[i]) for i in mine], kind="stable")
    out = np.zeros((len(mine), dist.unwrap(model).num_labels), dtype=np.float32)
    with autocast(device):
        for start in range(0, len(mine), batch_size):
            idx = order[start : start + batch_size]
            ids, mask = collate([seqs[mine[i]] for i in idx], pad_id, device)
            out[idx] = torch.softmax(model(ids, mask).float(), -1).cpu().numpy()
    model.train(was_training)
    return dist.gather_array(out, n_real, len(seqs))


@torch.inference_mode()
def frozen_features(
    model, seqs: list, pad_id: int, device, batch_size: int = 64, progress=False, desc=""
) -> torch.Tensor:
    """A linear probe's pooled features of every sequence ([N, H], or [N, 2, H] for pairs), computed in
    batches of similar length for the texts not cached yet (``Classifier.pooled`` caches them)."""
    model = dist.unwrap(model)
    flat = [s for x in seqs for s in (x if isinstance(x, tuple) else (x,))]
    unique = list({tuple(s): None for s in flat})
    unique.sort(key=len)
    batches = range(0, len(unique), batch_size)
    if progress and unique:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc=f"features {desc}"[:40], leave=False, dynamic_ncols=True)
    was_training = model.training
    model.eval()
    rows = {}
    with autocast(device):
        for start in batches:
            part = unique[start : start + batch_size]
            for s, v in zip(part, model.pooled(*collate([list(x) for x in part], pad_id, device)).cpu()):
                rows[s] = v
    model.train(was_training)
    features.flush_all()  # on disk now, for the other processes of a sweep (not only every FLUSH_EVERY entries)
    if not flat:
        return torch.zeros((0, model.head.in_features))
    out = torch.stack([rows[tuple(s)] for s in flat]).to(device)
    return out.view(len(seqs), 2, -1) if isinstance(seqs[0], tuple) else out


def predict(model, tokenizer, texts: list[str], max_len: int = 512, batch_size: int = 64) -> np.ndarray:
    """Class probabilities [N, C] for raw texts."""
    return predict_tokens(model, tokenize(tokenizer, texts, max_len), tokenizer.pad_token_id, batch_size)


def _as_soft(y) -> np.ndarray:
    """[N, 2] soft labels from [N, 2] or from class-1 probabilities [N]."""
    y = np.asarray(y, dtype=np.float32)
    return np.stack([1 - y, y], -1) if y.ndim == 1 else y


@dataclass
class _Splits:
    """A classifier run's tokenized splits and their labels."""

    train: list
    soft: torch.Tensor  # [N, 2] training labels
    val: list
    val_soft: np.ndarray  # [N_val, 2]
    test: list
    pad: int
    batch_size: int

    def epoch(self, step: int) -> float:
        """The training epochs ``step`` batches amount to."""
        return step * self.batch_size / len(self.train)


@dataclass
class _Run:
    """One ``train_classifier`` call's settings, as its stages read them."""

    cfg: TrainConfig
    device: torch.device
    progress: bool
    desc: str


def _check_selection(cfg: TrainConfig, val_texts, test_texts) -> None:
    if dist.is_fsdp() and cfg.select != "last":
        raise ValueError(
            f"select={cfg.select!r} keeps a copy of the best weights, which FSDP shards; use select='last'"
        )
    if cfg.select == "oracle" and not len(test_texts):
        raise ValueError("select='oracle' needs test texts and labels")
    if cfg.select == "val" and not len(val_texts):
        raise ValueError("select='val' needs a validation slice (val_texts, val_soft)")


def _probe_features(model, data: _Splits, run: _Run) -> dict | None:
    """A linear probe in one process trains its head on its frozen features, computed once here: steps
    and evaluations then never tokenize, pad or run the backbone (the same numbers as the model's
    forward). None for every other run (fine-tuning, multi-process, compiled)."""
    if not (PROBE_FEATURE_PATH and getattr(model, "linear_probe", False)):
        return None
    if dist.world_size() > 1 or run.cfg.compile:
        return None
    seqs = data.train + data.val + data.test
    every = frozen_features(model, seqs, data.pad, run.device, run.cfg.eval_batch_size, run.progress, run.desc)
    n_tr, n_val = len(data.train), len(data.val)
    return {"train": every[:n_tr], "val": every[n_tr : n_tr + n_val], "test": every[n_tr + n_val :]}


def _logits_source(model, wrapped, data: _Splits, feats: dict | None, run: _Run):
    """Logits of training examples by row number: the head on their cached features (a linear probe), or
    the forward of the wrapped (and with ``cfg.compile`` compiled) model on their padded tokens."""
    if feats is not None:
        return fit.Features(model.logits, feats["train"])
    forward = wrapped
    if run.cfg.compile:  # dynamic shapes: each batch is padded to its own longest example
        backend = run.cfg.compile if isinstance(run.cfg.compile, str) else "inductor"
        forward = torch.compile(wrapped, dynamic=True, backend=backend)
    return lambda rows: forward(*collate([data.train[j] for j in rows], data.pad, run.device))


@dataclass
class _Predictor:
    """Class probabilities [N, 2] of a split, from a model's forward or from the cached features."""

    model: Any  # the unwrapped model (its head reads the features)
    feats: dict | None
    pad: int
    run: _Run

    def split(self, name: str, seqs: list, net) -> np.ndarray:
        if self.feats is None:
            return predict_tokens(net, seqs, self.pad, self.run.cfg.eval_batch_size, self.run.device)
        with torch.inference_mode(), autocast(self.run.device):
            return torch.softmax(self.model.logits(self.feats[name]).float(), -1).cpu().numpy()


@dataclass
class _Measure:
    """One evaluation of a classifier run: validation loss and accuracy (against the training labels),
    test accuracy and agreement with the supervisor; keeps the test predictions for selection."""

    predictor: _Predictor
    net: Any  # the wrapped model
    data: _Splits
    test_labels: np.ndarray | None
    reference_p1: np.ndarray | None
    with_test: bool = True  # TrainConfig.history_test: False leaves the test set to the selected weights

    def __call__(self) -> tuple[dict, np.ndarray | None]:
        rec, test_p1, data = {}, None, self.data
        if data.val:
            vp = self.predictor.split("val", data.val, self.net)
            rec["val_loss"] = float(
                soft_xent(torch.log(torch.tensor(vp).clamp_min(1e-12)), torch.tensor(data.val_soft))
            )
            rec["val_acc"] = accuracy(vp[:, 1], data.val_soft[:, 1] > 0.5)
        if data.test and self.with_test:
            test_p1 = self.predictor.split("test", data.test, self.net)[:, 1]
            if self.test_labels is not None:
                rec["test_acc"] = accuracy(test_p1, np.asarray(self.test_labels) > 0.5)
                if self.reference_p1 is not None:
                    agree = agreement(test_p1, self.reference_p1, self.test_labels)
                    rec.update({f"test_agreement_{k}": v for k, v in agree.items()})
        return rec, test_p1


def train_classifier(
    model,
    tokenizer,
    train_texts: list[str],
    train_soft: np.ndarray,
    cfg: TrainConfig,
    *,
    val_texts: list[str] = (),
    val_soft: np.ndarray | None = None,
    test_texts: list[str] = (),
    test_labels: np.ndarray | None = None,
    test_reference_p1: np.ndarray | None = None,
    device=None,
    progress: bool | None = None,
    desc: str = "train",
) -> TrainResult:
    """Train ``model`` in place on soft labels ``train_soft`` ([N, 2] or [N] class-1 probabilities).

    ``val_*`` is the selection slice (its labels are whatever the model is trained on); ``test_*`` is
    evaluated at every evaluation for the history, with the agreement with ``test_reference_p1`` (the
    supervisor's test predictions) when given. On return the model holds the selected weights.
    """
    t0 = time.time()
    run = _Run(cfg, fit.pick_device(device, distributed=True), show_progress(progress) and dist.is_main(), desc)
    fit.setup(model, run.device, cfg.dropout)
    _check_selection(cfg, val_texts, test_texts)
    data = _Splits(
        train=tokenize(tokenizer, train_texts, cfg.max_len),
        soft=torch.tensor(_as_soft(train_soft)),
        val=tokenize(tokenizer, val_texts, cfg.max_len) if len(val_texts) else [],
        val_soft=_as_soft(val_soft) if val_soft is not None else np.zeros((0, 2), np.float32),
        test=tokenize(tokenizer, test_texts, cfg.max_len) if len(test_texts) else [],
        pad=tokenizer.pad_token_id,
        batch_size=cfg.batch_size,
    )
    wrapped = dist.prepare_model(model)
    feats = _probe_features(model, data, run)
    predictor = _Predictor(model, feats, data.pad, run)
    measure = _Measure(predictor, wrapped, data, test_labels, test_reference_p1, cfg.history_test)
    loss_fn = get_loss(cfg.loss, **dict(cfg.loss_kw))
    done = fit.fit(
        cfg,
        fit.SoftLabels(_logits_source(model, wrapped, data, feats, run), data.soft, loss_fn, run.device),
        fit.Loop(
            params=[p for p in wrapped.parameters() if p.requires_grad],  # the wrapped model's: FSDP replaces them
            lengths=[seq_len(x) for x in data.train],
            epochs=cfg.epochs,
            device=run.device,
            par=fit.AllProcesses(wrapped),
            evaluation=fit.Evaluation(model, measure, cfg.eval_interval, data.epoch, cfg.select),
            group_by_length=cfg.group_by_length,
            desc=desc,
            progress=run.progress,
        ),
    )
    test_p1 = done.kept
    if test_p1 is None and data.test:
        test_p1 = predictor.split("test", data.test, model)[:, 1]
    return TrainResult(done.history, done.selected_step, done.n_steps, test_p1, time.time() - t0)
