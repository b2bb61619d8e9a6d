"""The one training core: every training loop of the library is ``fit(cfg, objective, loop)``.

The classifier runs (``train.train_classifier``), generative finetuning (``genft.finetune_lm``), chess
(``chess.generative.train_generative``) and the vision probes (``vision.probe.train_probe``) are thin
wrappers that build an objective and a ``Loop`` and call ``fit``. The core owns what they share:

* the device (``pick_device``: CUDA when there is one, a launch's own device for distributed runs) and
  the dropout rule (``setup``: the model trains in eval mode unless asked for dropout);
* precision: bf16 autocast on CUDA, full precision on CPU (``autocast``, the library's one helper);
* the optimizer and its schedule (``make_optimizer``, ``make_scheduler``), the step count
  (``count_steps``) and the batches (``index_batches``, seeded by ``cfg.seed``);
* gradient accumulation over minibatches, one optimizer step per batch, and (``AllProcesses``) the
  split of every global batch over the processes of a launch (``w2s_lib.core.dist``);
* the progress bar (``w2s_lib.core.progress.show_progress``, main process only), the evaluation schedule
  and model selection (``Evaluation``, ``Selection``: "last", "val", "oracle").

Objectives plug in with two methods. ``prepare(batch)`` is the whole batch's pass before any gradient
(the confidence loss's targets from a no-grad pass over all minibatches; the batch's token count) and
``loss(batch, ctx, mb)`` the loss of one minibatch, scaled so that a batch's minibatches add up to its
mean. Two objectives cover the library:

* ``SoftLabels``: cross-entropy against soft labels under one of ``w2s_lib.core.losses`` (the classifiers,
  pairwise reward models included), with its logits from the model's forward or, for linear probes,
  from a head on cached features (``Features``: the NLP probes' fast path and the vision probes);
* ``NextToken``: next-token loss on the labelled tokens (``IGNORE`` marks the others): every token for
  generative finetuning, the answer's for chess.

Why a module of its own rather than train.py: train.py is the classifier's (tokenizing, padding,
prediction, frozen features). The core needs none of it, and genft,
chess and vision need the core without the classifier. ``train`` re-exports what moved here
(``default_device``, ``autocast``, ``make_optimizer``, ``make_scheduler``, ``index_batches``,
``GROUP_WINDOW``), so ``from w2s_lib.nlp.train import ...`` keeps working; this module never imports
train (train imports it).

On CPU the same seed gives the same numbers, bit for bit, as the four loops this core replaced.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import torch

from w2s_lib.core import dist
from w2s_lib.core.losses import objective
from w2s_lib.core.progress import show_progress
from w2s_lib.core.train_config import TrainConfig

IGNORE = -100  # the label of a token that is not predicted (context, padding)
# Length grouping sorts this many batches' worth of examples at a time: batches stay random across the
# epoch while each one holds examples of similar length, so dynamic padding wastes little.
GROUP_WINDOW = 50


# ------------------------------------------------------------------------------- device and precision


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def pick_device(device=None, distributed: bool = False) -> torch.device:
    """``device`` when given, else ``default_device()``; a distributed run takes its launch's device."""
    device = torch.device(device) if device is not None else default_device()
    return dist.device(device) if distributed else device


def setup(model, device: torch.device, dropout: bool):
    """Move ``model`` to ``device`` in the mode it trains in: eval mode unless ``dropout`` (eval mode
    turns dropout off and changes nothing else in the library's models)."""
    model.to(device)
    model.train(dropout)
    return model


def autocast(device: torch.device):
    """bf16 autocast on CUDA devices that support it; nothing elsewhere (full precision on CPU)."""
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


# ------------------------------------------------------------------------------- optimizer and batches


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


def count_steps(epochs: float, n_examples: int, batch_size: int) -> int:
    """Optimizer steps of ``epochs`` passes over ``n_examples`` in batches of ``batch_size`` (at least 1)."""
    return max(1, math.ceil(epochs * n_examples / batch_size))


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


# ------------------------------------------------------------------------------- processes


class OneProcess:
    """Every batch in this process alone, whatever the launch (generative finetuning runs on the main
    process of a launch while the others wait; chess and the vision probes run in one process)."""

    world, rank = 1, 0

    def share(self, idx: list[int]) -> tuple[list[int], int]:
        return list(idx), len(idx)

    def gather_rows(self, x: torch.Tensor, n_real: int, total: int) -> torch.Tensor:
        return x[:n_real]

    def no_sync(self, last: bool):
        return nullcontext()

    def backward(self, loss: torch.Tensor) -> None:
        loss.backward()

    def reduce_sum(self, x: float) -> float:
        return x


class AllProcesses:
    """Each process of a launch takes its share of every global batch (``w2s_lib.core.dist``; without a
    launcher every helper is the identity, so this is ``OneProcess`` with the same numbers)."""

    def __init__(self, wrapped):
        self.wrapped, self.world, self.rank = wrapped, dist.world_size(), dist.rank()

    def share(self, idx: list[int]) -> tuple[list[int], int]:
        return dist.local_part(idx)

    def gather_rows(self, x: torch.Tensor, n_real: int, total: int) -> torch.Tensor:
        return dist.gather_rows(x, n_real, total)

    def no_sync(self, last: bool):
        return dist.no_sync(self.wrapped, last)

    def backward(self, loss: torch.Tensor) -> None:
        dist.backward(loss)

    def reduce_sum(self, x: float) -> float:
        return dist.reduce_sum(x)


@dataclass
class Batch:
    """One step's batch as the objective sees it."""

    idx: list[int]  # the global batch: row numbers of training examples
    local: list[int]  # this process's share; positions from n_real on are padding (dist.local_part)
    n_real: int
    minibatches: list[range]  # positions in ``local``, ``cfg.minibatch_size`` at a time
    step_frac: float  # step / n_steps
    par: OneProcess | AllProcesses

    def rows(self, mb: range) -> list[int]:
        return [self.local[j] for j in mb]


# ------------------------------------------------------------------------------- objectives


@dataclass
class Features:
    """Logits of a head on cached features, ``head(x[rows])``: a linear probe that never runs its backbone."""

    head: Callable[[torch.Tensor], torch.Tensor]
    x: torch.Tensor

    def __call__(self, rows: list[int]) -> torch.Tensor:
        return self.head(self.x[rows])


@dataclass
class SoftLabels:
    """Cross-entropy of ``logits_of(rows)`` against soft labels ``soft`` [N, K], with the target of
    ``loss_fn`` (``w2s_lib.core.losses``). A loss whose target thresholds on batch statistics (the
    confidence loss) gets its targets from a no-grad pass over the whole global batch first, so that
    minibatches and processes give the gradient of one pass over the batch."""

    logits_of: Callable[[list[int]], torch.Tensor]  # the model's forward on those examples, or Features
    soft: torch.Tensor
    loss_fn: Any
    device: torch.device

    def prepare(self, b: Batch):
        soft = self.soft[b.local].to(self.device)
        if not (self.loss_fn.needs_batch_logits and (len(b.minibatches) > 1 or b.par.world > 1)):
            return soft, None
        # one statistic for the whole global batch: a no-grad pass, gathered from every process
        with torch.no_grad():
            logits = torch.cat([self.logits_of(b.rows(mb)) for mb in b.minibatches])
        everyone = b.par.gather_rows(logits.float(), b.n_real, len(b.idx))
        start = b.par.rank * len(b.local)
        target = torch.zeros_like(soft)
        batch_target = self.loss_fn.target(everyone, self.soft[b.idx].to(self.device), b.step_frac)
        target[: b.n_real] = batch_target[start : start + b.n_real]
        return soft, target

    def loss(self, b: Batch, ctx, mb: range) -> torch.Tensor:
        soft, target = ctx
        n = max(0, min(mb.stop, b.n_real) - mb.start)  # real examples in this minibatch
        logits = self.logits_of(b.rows(mb)).float()
        part = slice(mb.start, mb.stop)
        t = target[part] if target is not None else self.loss_fn.target(logits.detach(), soft[part], b.step_frac)
        # the global batch's mean loss; DDP averages gradients over processes, hence * world
        part_loss = objective(self.loss_fn, logits[:n], t[:n], b.step_frac)
        return part_loss * (n * b.par.world / len(b.idx)) if n else logits.sum() * 0.0


def collate_labelled(examples: list[tuple[list[int], list[int]]], pad_id: int, device):
    """(ids, mask, labels) of (ids, labels) examples, right-padded to the longest; padding is IGNORE."""
    width = max(len(ids) for ids, _ in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for i, (x, y) in enumerate(examples):
        ids[i, : len(x)], labels[i, : len(y)], mask[i, : len(x)] = torch.tensor(x), torch.tensor(y), 1
    return ids.to(device), mask.to(device), labels.to(device)


def target_loss(lm, ids, mask, labels, n_targets: int) -> torch.Tensor:
    """Summed next-token cross-entropy over the labelled positions, divided by ``n_targets`` (the labelled
    tokens of the whole batch, so minibatches of one batch add up to the batch mean)."""
    logits = lm(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=IGNORE, reduction="sum"
    ) / max(n_targets, 1)


def n_predicted(labels: list[int]) -> int:
    """The tokens a sequence's labels ask the model to predict: labelled ones after the first (no
    position predicts the first token)."""
    return sum(y != IGNORE for y in labels[1:])


@dataclass
class NextToken:
    """Next-token cross-entropy of causal LM ``lm`` on (ids, labels) examples, averaged over the whole
    batch's labelled tokens: labels = ids for every token, IGNORE on context for the answer's only."""

    lm: Any
    examples: list[tuple[list[int], list[int]]]
    pad_id: int
    device: torch.device
    weights: list[int] = field(init=False)

    def __post_init__(self):
        self.weights = [n_predicted(y) for _, y in self.examples]

    def prepare(self, b: Batch) -> int:
        return sum(self.weights[j] for j in b.idx)  # predicted tokens in the whole batch

    def loss(self, b: Batch, n_targets: int, mb: range) -> torch.Tensor:
        ids, mask, labels = collate_labelled([self.examples[j] for j in b.rows(mb)], self.pad_id, self.device)
        return target_loss(self.lm, ids, mask, labels, n_targets)


# ------------------------------------------------------------------------------- evaluation and selection


@dataclass
class Evaluation:
    """When a fit evaluates and what it selects. Evaluations fall before the steps that are multiples
    of ``every(n_steps)`` and after the last step; each records step, progress, epoch and the mean
    training loss since the previous one, then ``measure()``'s metrics."""

    model: torch.nn.Module  # whose weights selection keeps (the unwrapped model)
    measure: Callable[[], tuple[dict, Any]]  # (metrics now, what to keep if selected: test predictions)
    every: Callable[[int], int]  # steps between evaluations, from the run's step count
    epoch: Callable[[int], float]  # the epoch a step has reached, for the record
    select: str = "last"


class Selection:
    """The model ``select`` picks among the evaluations: "last", "val" (best ``val_acc``) or "oracle"
    (best ``test_acc``); ties keep the earlier step. Better weights than the final ones are copied to
    the CPU (trainable ones only: frozen ones never change) and restored by ``restore``."""

    def __init__(self, select: str, model, n_steps: int):
        self.select, self.model, self.n_steps = select, model, n_steps
        self.score, self.step, self.kept, self.state = -1.0, 0, None, None

    def offer(self, rec: dict, kept) -> None:
        step = rec["step"]
        score = {"val": rec.get("val_acc"), "oracle": rec.get("test_acc"), "last": step}[self.select]
        if score is None or not score > self.score:
            return
        self.score, self.step, self.kept = score, step, kept
        self.state = None
        if self.select != "last" and step < self.n_steps:
            frozen = {k for k, p in self.model.named_parameters() if not p.requires_grad}
            sd = self.model.state_dict()
            self.state = {k: v.detach().to("cpu", copy=True) for k, v in sd.items() if k not in frozen}

    def restore(self) -> None:
        if self.state is not None:
            self.model.load_state_dict(self.state, strict=False)


# ------------------------------------------------------------------------------- the loop


@dataclass
class Loop:
    """How ``fit`` trains, besides the optimisation settings of its ``TrainConfig``."""

    params: list  # the trainable parameters (of the wrapped model: FSDP replaces them)
    lengths: list[int]  # one per training example: its cost, which length grouping sorts by
    epochs: float
    device: torch.device
    par: OneProcess | AllProcesses = field(default_factory=OneProcess)
    evaluation: Evaluation | None = None
    log_key: str | None = None  # record {"step", log_key: loss} every n_steps // 8 steps and at the last
    group_by_length: bool = False
    desc: str = "train"
    progress: bool | None = None


@dataclass
class Fitted:
    history: list[dict]
    n_steps: int
    selected_step: int  # 0 when no evaluation was selected
    kept: Any  # what ``Evaluation.measure`` returned with the selected evaluation


class _Log:
    """A fit's history, running loss, selection and progress bar."""

    def __init__(self, loop: Loop, n_steps: int):
        self.loop, self.n_steps, self.history = loop, n_steps, []
        self.running, self.n_running = 0.0, 0
        ev = loop.evaluation
        self.every = ev.every(n_steps) if ev else 0
        self.selection = Selection(ev.select, ev.model, n_steps) if ev else None
        self.bar = None
        if show_progress(loop.progress) and dist.is_main():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=n_steps, desc=loop.desc, leave=False, dynamic_ncols=True)

    def evaluate(self, step: int) -> None:
        ev = self.loop.evaluation
        rec = {"step": step, "progress": step / self.n_steps, "epoch": ev.epoch(step)}
        rec["train_loss"] = self.running / max(self.n_running, 1)
        self.running, self.n_running = 0.0, 0
        metrics, kept = ev.measure()
        rec.update(metrics)
        self.history.append(rec)
        self.selection.offer(rec, kept)

    def step_done(self, step: int, loss: float) -> None:
        self.running += loss
        self.n_running += 1
        key = self.loop.log_key
        if key is not None and (step % max(1, self.n_steps // 8) == 0 or step == self.n_steps - 1):
            self.history.append({"step": step, key: loss})
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.3f}", refresh=False)  # redrawn at tqdm's own pace

    def finish(self) -> Fitted:
        if self.loop.evaluation is not None:
            self.evaluate(self.n_steps)
        if self.bar is not None:
            self.bar.close()
        sel = self.selection
        if sel is None:
            return Fitted(self.history, self.n_steps, 0, None)
        sel.restore()
        return Fitted(self.history, self.n_steps, sel.step, sel.kept)


def fit(cfg: TrainConfig, objective, loop: Loop) -> Fitted:
    """Train ``loop.params`` on ``objective`` for ``loop.epochs`` with ``cfg``'s optimizer, schedule,
    batch and minibatch sizes and seed. On return the model holds the selected weights."""
    n_steps = count_steps(loop.epochs, len(loop.lengths), cfg.batch_size)
    opt = make_optimizer(cfg, loop.params)
    sched = make_scheduler(cfg, opt, n_steps)
    gen = torch.Generator().manual_seed(cfg.seed)
    log, par = _Log(loop, n_steps), loop.par
    mbs = cfg.minibatch_size
    for step, idx in enumerate(index_batches(loop.lengths, cfg.batch_size, n_steps, gen, loop.group_by_length)):
        # 1. evaluate on schedule, before the step: evaluation k has seen k updates
        if log.every and step % log.every == 0 and step > 0:
            log.evaluate(step)
        # 2. sample: this process's share of the global batch (all of it in one process), in minibatches
        local, n_real = par.share(idx)
        minibatches = [range(i, min(i + mbs, len(local))) for i in range(0, len(local), mbs)]
        batch = Batch(idx, local, n_real, minibatches, step / n_steps, par)
        # 3. the whole batch's pass before any gradient: the confidence loss's targets, the token count
        with autocast(loop.device):
            ctx = objective.prepare(batch)
        # 4. forward and backward one minibatch at a time: the gradients add up to the batch's
        total = 0.0
        for k, mb in enumerate(minibatches):
            with par.no_sync(last=k == len(minibatches) - 1):
                with autocast(loop.device):
                    loss = objective.loss(batch, ctx, mb)
                par.backward(loss)
            total += loss.item() / par.world
        # 5. one optimizer step per batch
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        # 6. the batch's loss (summed over processes) into the history and the progress bar
        log.step_done(step, par.reduce_sum(total))
    # 7. the final evaluation, and the selected weights back into the model
    return log.finish()
