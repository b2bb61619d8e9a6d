"""Training and prediction for classifiers: one loop for ground-truth and weak-label training.

Design points (each tested in tests/test_train.py):
* batches are padded per batch to their longest example (dynamic padding), never to a fixed length;
* a batch of ``batch_size`` examples is processed in minibatches of ``minibatch_size`` (gradient
  accumulation). Losses that threshold on batch statistics (the confidence loss) get their targets
  from a no-grad pass over the whole batch first, so the gradient equals one pass over the batch
  (see ``w2s_lib.losses``);
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

import math
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
import torch

from w2s_lib import dist, features
from w2s_lib.losses import get_loss, soft_xent
from w2s_lib.metrics import accuracy, agreement
from w2s_lib.progress import show_progress

OPTIMIZERS = ("adam", "adamw", "adafactor")
LR_SCHEDULES = ("cosine", "constant")
SELECTIONS = ("last", "val", "oracle")


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True)
class TrainConfig:
    lr: float = 5e-5
    epochs: float = 2.0
    batch_size: int = 32
    minibatch_size: int = 32
    optimizer: str = "adam"
    lr_schedule: str = "cosine"
    warmup_frac: float = 0.0
    weight_decay: float = 0.0
    max_len: int = 512
    eval_every: int = 0  # > 0: evaluate every this many steps; 0: from min_evals and evals_per_epoch
    select: str = "val"
    dropout: bool = False
    loss: str = "xent"
    loss_kw: tuple = ()  # sorted (key, value) pairs, hashable
    eval_batch_size: int = 64
    seed: int = 0
    group_by_length: bool = False  # batches of similar lengths (less padding; see index_batches)
    compile: bool | str = False  # torch.compile the training forward: True, or a backend name
    # With eval_every = 0: at least max(min_evals, ceil(evals_per_epoch * epochs)) evaluations, evenly
    # spaced, the final one included (``eval_interval``). The defaults give today's ~8 per run.
    min_evals: int = 8
    evals_per_epoch: float = 0.0

    def __post_init__(self):
        """Every setting checked here, once, with a one-line error naming its valid range; the CLI and
        the config loaders turn these errors into their own before any work is done."""
        for name, value, valid in [
            ("optimizer", self.optimizer, OPTIMIZERS),
            ("lr_schedule", self.lr_schedule, LR_SCHEDULES),
            ("select", self.select, SELECTIONS),
        ]:
            if value not in valid:
                raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
        for name, low in [("lr", "> 0"), ("epochs", "> 0"), ("warmup_frac", "in [0, 1]"), ("weight_decay", ">= 0")]:
            value = getattr(self, name)
            ok = _is_number(value) and (
                0 <= value <= 1 if name == "warmup_frac" else value >= 0 if name == "weight_decay" else value > 0
            )
            if not ok:
                raise ValueError(f"{name} must be a finite number {low}, got {value!r}")
        for name in ("batch_size", "minibatch_size", "max_len", "eval_batch_size"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {getattr(self, name)!r}")
        if self.batch_size % self.minibatch_size:
            divisors = ", ".join(str(d) for d in range(1, self.batch_size + 1) if self.batch_size % d == 0)
            raise ValueError(
                f"batch size {self.batch_size} is not divisible by minibatch size {self.minibatch_size}; "
                f"valid minibatch sizes: {divisors}"
            )
        if not _is_int(self.seed):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        try:
            get_loss(self.loss, **dict(self.loss_kw))  # the loss's own checks (name, alpha_max, schedule, ...)
        except TypeError as e:
            raise ValueError(f"loss_kw {dict(self.loss_kw)} do not fit loss {self.loss!r}: {e}") from None
        if isinstance(self.min_evals, bool) or not isinstance(self.min_evals, int) or self.min_evals < 1:
            raise ValueError(f"min_evals must be an integer >= 1, got {self.min_evals!r}")
        if isinstance(self.evals_per_epoch, bool) or not self.evals_per_epoch >= 0:
            raise ValueError(f"evals_per_epoch must be a number >= 0, got {self.evals_per_epoch!r}")
        object.__setattr__(self, "evals_per_epoch", float(self.evals_per_epoch))  # 10 and 10.0: one cache key
        if isinstance(self.eval_every, bool) or not isinstance(self.eval_every, int) or self.eval_every < 0:
            raise ValueError(f"eval_every must be an integer >= 0 (0: from min_evals), got {self.eval_every!r}")

    def n_evals(self) -> int:
        """How many evaluations ``eval_every = 0`` asks for: max(min_evals, ceil(evals_per_epoch * epochs))."""
        return max(self.min_evals, math.ceil(self.evals_per_epoch * self.epochs))

    def eval_interval(self, n_steps: int) -> int:
        """Steps between evaluations of a run of ``n_steps``: ``eval_every`` when set, else
        ``n_steps // n_evals()`` (at least 1). Evaluations fall on its multiples below ``n_steps``, and the
        final model is always evaluated, so a run gets at least ``n_evals()`` of them (``eval_steps``), or
        one per step when it is shorter. With the defaults (8, 0.0) this is the rule the cache's runs were
        trained with, ``n_steps // 8``."""
        return self.eval_every or max(1, n_steps // self.n_evals())

    def eval_steps(self, n_steps: int) -> list[int]:
        """The steps at which a run of ``n_steps`` evaluates (the history's ``step`` values)."""
        every = self.eval_interval(n_steps)
        return list(range(every, n_steps, every)) + [n_steps]


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


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _autocast(device: torch.device):
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


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
    with _autocast(device):
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
    with _autocast(device):
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


def make_optimizer(cfg: TrainConfig, params):
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    from transformers.optimization import Adafactor

    return Adafactor(params, lr=cfg.lr, scale_parameter=False, relative_step=False, weight_decay=cfg.weight_decay)


def make_scheduler(cfg: TrainConfig, opt, n_steps: int):
    from transformers import get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup

    warmup = int(cfg.warmup_frac * n_steps)
    if cfg.lr_schedule == "cosine":
        return get_cosine_schedule_with_warmup(opt, warmup, n_steps)
    return get_constant_schedule_with_warmup(opt, warmup)


# Length grouping sorts this many batches' worth of examples at a time: batches stay random across the
# epoch while each one holds examples of similar length, so dynamic padding wastes little.
GROUP_WINDOW = 50


def index_batches(lengths: list[int], batch_size: int, n_steps: int, gen: torch.Generator, group_by_length=False):
    """``n_steps`` batches of indices drawn from consecutive shuffled epochs.

    Without grouping, epochs form one stream cut into batches (a batch may straddle two epochs). With
    grouping, each epoch's permutation is cut into windows of ``GROUP_WINDOW`` batches, each window is
    sorted by length and cut into batches, and the epoch's batches are shuffled.
    """
    n = len(lengths)
    if not group_by_length:
        stream: list[int] = []
        for _ in range(n_steps):
            while len(stream) < batch_size:
                stream += torch.randperm(n, generator=gen).tolist()
            yield stream[:batch_size]
            stream = stream[batch_size:]
        return
    produced = 0
    while produced < n_steps:
        perm = torch.randperm(n, generator=gen).tolist()
        window = batch_size * GROUP_WINDOW
        batches = []
        for i in range(0, n, window):
            chunk = sorted(perm[i : i + window], key=lambda j: lengths[j])
            batches += [chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size)]
        for b in torch.randperm(len(batches), generator=gen).tolist():
            if produced == n_steps:
                return
            yield batches[b]
            produced += 1


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
    device = dist.device(torch.device(device) if device is not None else default_device())
    model.to(device)
    # Dropout off: eval mode disables it and changes nothing else in these transformer models.
    model.train(cfg.dropout)
    progress = show_progress(progress)
    progress = progress and dist.is_main()
    if dist.is_fsdp() and cfg.select != "last":
        raise ValueError(
            f"select={cfg.select!r} keeps a copy of the best weights, which FSDP shards; use select='last'"
        )
    world = dist.world_size()

    def as_soft(y):
        y = np.asarray(y, dtype=np.float32)
        return np.stack([1 - y, y], -1) if y.ndim == 1 else y

    train_soft = torch.tensor(as_soft(train_soft))
    val_soft = as_soft(val_soft) if val_soft is not None else np.zeros((0, 2), np.float32)
    pad = tokenizer.pad_token_id
    train_seqs = tokenize(tokenizer, train_texts, cfg.max_len)
    val_seqs = tokenize(tokenizer, val_texts, cfg.max_len) if len(val_texts) else []
    test_seqs = tokenize(tokenizer, test_texts, cfg.max_len) if len(test_texts) else []
    loss_fn = get_loss(cfg.loss, **dict(cfg.loss_kw))

    n_steps = max(1, math.ceil(cfg.epochs * len(train_seqs) / cfg.batch_size))
    eval_every = cfg.eval_interval(n_steps)
    wrapped = dist.prepare_model(model)
    forward = wrapped
    if cfg.compile:  # dynamic shapes: each batch is padded to its own longest example
        backend = cfg.compile if isinstance(cfg.compile, str) else "inductor"
        forward = torch.compile(wrapped, dynamic=True, backend=backend)
    # the optimizer is built on the wrapped model's parameters (FSDP replaces them)
    params = [p for p in wrapped.parameters() if p.requires_grad]
    opt = make_optimizer(cfg, params)
    sched = make_scheduler(cfg, opt, n_steps)
    gen = torch.Generator().manual_seed(cfg.seed)
    if cfg.select == "oracle" and not len(test_seqs):
        raise ValueError("select='oracle' needs test texts and labels")
    if cfg.select == "val" and not len(val_seqs):
        raise ValueError("select='val' needs a validation slice (val_texts, val_soft)")

    history: list[dict] = []
    best = {"score": -1.0, "step": 0, "state": None, "test_p1": None}
    running, n_running = 0.0, 0
    t0 = time.time()
    # A linear probe in one process trains its head on its frozen features, computed once here: steps and
    # evaluations then never tokenize, pad or run the backbone (the same numbers as the model's forward).
    feats = None
    if PROBE_FEATURE_PATH and getattr(model, "linear_probe", False) and world == 1 and not cfg.compile:
        every = frozen_features(
            model, train_seqs + val_seqs + test_seqs, pad, device, cfg.eval_batch_size, progress, desc
        )
        n_tr, n_val = len(train_seqs), len(val_seqs)
        feats = {"train": every[:n_tr], "val": every[n_tr : n_tr + n_val], "test": every[n_tr + n_val :]}

    def logits_of(rows: list[int]) -> torch.Tensor:
        """Logits of training examples (their row numbers), as the model's forward gives them."""
        if feats is not None:
            return model.logits(feats["train"][rows])
        return forward(*collate([train_seqs[j] for j in rows], pad, device))

    def predict_split(name: str, seqs: list, net) -> np.ndarray:
        if feats is None:
            return predict_tokens(net, seqs, pad, cfg.eval_batch_size, device)
        with torch.inference_mode(), _autocast(device):
            return torch.softmax(model.logits(feats[name]).float(), -1).cpu().numpy()

    def evaluate(step: int):
        nonlocal running, n_running
        rec = {"step": step, "progress": step / n_steps, "epoch": step * cfg.batch_size / len(train_seqs)}
        rec["train_loss"] = running / max(n_running, 1)
        running, n_running = 0.0, 0
        test_p1 = None
        if val_seqs:
            vp = predict_split("val", val_seqs, wrapped)
            rec["val_loss"] = float(soft_xent(torch.log(torch.tensor(vp).clamp_min(1e-12)), torch.tensor(val_soft)))
            rec["val_acc"] = accuracy(vp[:, 1], val_soft[:, 1] > 0.5)
        if test_seqs:
            test_p1 = predict_split("test", test_seqs, wrapped)[:, 1]
            if test_labels is not None:
                rec["test_acc"] = accuracy(test_p1, np.asarray(test_labels) > 0.5)
                if test_reference_p1 is not None:
                    agree = agreement(test_p1, test_reference_p1, test_labels)
                    rec.update({f"test_agreement_{k}": v for k, v in agree.items()})
        history.append(rec)
        score = {"val": rec.get("val_acc"), "oracle": rec.get("test_acc"), "last": step}[cfg.select]
        if score is not None and score > best["score"]:  # ties keep the earlier step
            best.update(score=score, step=step, test_p1=test_p1)
            if cfg.select != "last" and step < n_steps:
                frozen = {k for k, p in model.named_parameters() if not p.requires_grad}
                best["state"] = {
                    k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items() if k not in frozen
                }
            else:
                best["state"] = None

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc=desc, leave=False, dynamic_ncols=True)
    lengths = [seq_len(x) for x in train_seqs]
    for step, idx in enumerate(index_batches(lengths, cfg.batch_size, n_steps, gen, cfg.group_by_length)):
        if step % eval_every == 0 and step > 0:
            evaluate(step)
        step_frac = step / n_steps
        # this process's share of the global batch (all of it in a single process); padded
        # positions (only in multi-process runs) come last and get zero weight
        local, n_real = dist.local_part(idx)
        soft = train_soft[local].to(device)
        mbs = cfg.minibatch_size
        minibatches = [range(i, min(i + mbs, len(local))) for i in range(0, len(local), mbs)]
        target = None
        if loss_fn.needs_batch_logits and (len(minibatches) > 1 or world > 1):
            # one statistic for the whole global batch: a no-grad pass, gathered from every process
            with torch.no_grad(), _autocast(device):
                logits = torch.cat([logits_of([local[j] for j in mb]) for mb in minibatches])
            everyone = dist.gather_rows(logits.float(), n_real, len(idx))
            start = dist.rank() * len(local)
            target = torch.zeros_like(soft)
            target[:n_real] = loss_fn.target(everyone, train_soft[idx].to(device), step_frac)[start : start + n_real]
        total = 0.0
        for k, mb in enumerate(minibatches):
            n = max(0, min(mb.stop, n_real) - mb.start)  # real examples in this minibatch
            with dist.no_sync(wrapped, last=k == len(minibatches) - 1):
                with _autocast(device):
                    logits = logits_of([local[j] for j in mb]).float()
                part = slice(mb.start, mb.stop)
                t = target[part] if target is not None else loss_fn.target(logits.detach(), soft[part], step_frac)
                # the global batch's mean loss; DDP averages gradients over processes, hence * world
                loss = soft_xent(logits[:n], t[:n]) * (n * world / len(idx)) if n else logits.sum() * 0.0
                dist.backward(loss)
            total += loss.item() / world
        total = dist.reduce_sum(total)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        running += total
        n_running += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{total:.3f}", refresh=False)  # redrawn at tqdm's own pace
    evaluate(n_steps)
    if bar is not None:
        bar.close()
    if best["state"] is not None:
        model.load_state_dict(best["state"], strict=False)
    test_p1 = best["test_p1"]
    if test_p1 is None and test_seqs:
        test_p1 = predict_split("test", test_seqs, model)[:, 1]
    return TrainResult(history, best["step"], n_steps, test_p1, time.time() - t0)
