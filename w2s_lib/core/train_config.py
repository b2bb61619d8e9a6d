"""``TrainConfig``: how a run trains (optimiser, schedule, batches, evaluation, selection, loss), each setting
checked once where it is defined. Its own module because the training core (``fit``) and the classifier
training (``train``) both read it, and ``train`` imports ``fit``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from w2s_lib.core.losses import get_loss

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
    # True: every evaluation scores the test set too (the curves across training, Figs. 7 and 13, and the
    # oracle's choice). False: only the selected weights are scored on it, once, at the end; for students
    # whose predictions cost more than their steps (benchmarks/bench_laptop_finetune.py)
    history_test: bool = True

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
        if not isinstance(self.history_test, bool):
            raise ValueError(f"history_test must be true or false, got {self.history_test!r}")
        if self.select == "oracle" and not self.history_test:
            raise ValueError("select='oracle' chooses on test accuracy, so it needs history_test=True")

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
