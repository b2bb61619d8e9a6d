"""Training losses for weak-to-strong learning.

Every loss here is a cross-entropy against a *target distribution* that may depend on the student's own
(detached) predictions over the whole batch. We therefore split a loss into two parts:

* ``target(logits, soft_labels, step_frac)``: the per-example target, computed without gradient from
  the logits of the **whole batch** (the confidence loss thresholds on a batch statistic);
* ``__call__`` (``TargetLoss``, the class every loss derives from): the mean cross-entropy of the logits
  against that target.

A loss that is not a cross-entropy against a target (an entropy penalty, a reverse KL) also defines
``objective(logits, target, step_frac) -> scalar``, what the training core minimises in place of the
cross-entropy (``objective`` below) and what calling the loss returns. Losses of the methods compared by
``w2s compare`` that only NLP runs use live in their method's file (``w2s_lib.nlp.methods``) and enter this
registry with ``register_loss``.

Gradient accumulation uses this split (see ``w2s_lib.nlp.train``): a no-grad pass over all minibatches of a
batch gives the batch's targets, then each minibatch is backpropagated against its slice. The result is
the same gradient as one pass over the whole batch, at the cost of one extra forward pass when the loss
needs batch statistics (``needs_batch_logits``). This fixes the reference code's dependence on the
minibatch size (docs/reference_differences.md §5) without a rolling buffer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

LOSSES = ("xent", "logconf", "product")
SCHEDULES = ("paper", "reference")
# Where the confidence loss takes its class prior from (LogConfLoss.prior).
PRIORS = ("half", "weak")


def soft_xent(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of -sum_c target_c * log softmax(logits)_c."""
    return -(target * F.log_softmax(logits.float(), dim=-1)).sum(-1).mean()


def objective(loss_fn, logits: torch.Tensor, target: torch.Tensor, step_frac: float) -> torch.Tensor:
    """What training minimises for ``loss_fn`` given its ``target``: its own ``objective`` when it has one,
    else the cross-entropy against the target."""
    own = getattr(loss_fn, "objective", None)
    return own(logits, target, step_frac) if own is not None else soft_xent(logits, target)


class TargetLoss:
    """What every loss shares: called on a batch, its ``objective`` against its ``target``, which carries no
    gradient. A subclass defines ``target`` (and ``objective`` when it is no cross-entropy)."""

    needs_batch_logits = False

    def __call__(self, logits, soft_labels, step_frac=0.0):
        return objective(self, logits, self.target(logits.detach(), soft_labels, step_frac), step_frac)


@dataclass(frozen=True)
class XentLoss(TargetLoss):
    """Cross-entropy against the (soft) labels: the paper's 'naive' weak-to-strong training."""

    def target(self, logits, soft_labels, step_frac):
        return soft_labels.float()


def prior_counts(prior: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` examples over classes in proportion to ``prior`` (largest remainders; sums to ``n``).

    Ties in the remainders go to the lower class index, so the counts are deterministic.
    """
    exact = np.asarray(prior, np.float64) / max(float(np.sum(prior)), 1e-12) * n
    counts = np.floor(exact).astype(int)
    left = n - int(counts.sum())
    if left > 0:
        counts[np.argsort(-(exact - counts), kind="stable")[:left]] += 1
    return counts


@torch.no_grad()
def balanced_hard_labels(logits: torch.Tensor, soft_labels: torch.Tensor) -> torch.Tensor:
    """The student's hard labels for a batch, constrained to the weak labels' class prior.

    Class k receives ``prior_counts(mean soft label, n)[k]`` examples, and among all such labelings we
    take the one the student finds most likely (max sum of log p(label)): an assignment problem,
    solved exactly with ``scipy.optimize.linear_sum_assignment`` on n x n slots. For two classes the
    objective ranks examples by log p1 - log p0, i.e. by p1, so this is the paper's threshold rule;
    for many classes it is its generalisation, with the prior taken from the weak predictions as the
    paper's footnote says. Returns class indices [n].
    """
    from scipy.optimize import linear_sum_assignment

    n = logits.shape[0]
    counts = prior_counts(soft_labels.float().mean(0).cpu().numpy(), n)
    slots = np.repeat(np.arange(len(counts)), counts)  # one column per place in the quota
    logp = F.log_softmax(logits.float(), dim=-1).cpu().numpy()
    rows, cols = linear_sum_assignment(-logp[:, slots])
    out = np.empty(n, np.int64)
    out[rows] = slots[cols]
    return torch.from_numpy(out).to(logits.device)


@dataclass(frozen=True)
class LogConfLoss(TargetLoss):
    """The auxiliary confidence loss of the paper (eq. 1, App. A.4, p. 33).

    target = (1 - alpha) * soft_labels + alpha * hard, where ``hard`` is the student's own prediction
    hardened so that a set share of the batch gets each class (the paper's adaptive threshold t):

      * two classes: the top ``n_pos = floor(p * B + 0.5)`` examples of the batch (B examples) ranked by
        the student's logit difference ``logits[:, 1] - logits[:, 0]`` get class 1, the rest class 0.
        Ranking by the difference, not by softmax probabilities, keeps confident examples apart: two
        probabilities that both round to 1.0 in float32 would tie while their logits do not. Exact ties
        keep batch order, so the hardening is deterministic;
      * K > 2 classes: see ``balanced_hard_labels`` (class counts from the weak labels' batch mean). Its
        rule reduces to the one above for K = 2.

    ``prior``, the class-1 share ``p`` of the hardened labels:
      * ``"half"``: p = 0.5, "exactly half of the batch exceeds" t, as the paper does on its balanced
        binary tasks (App. A.4, p. 33). Two classes only: for K > 2 the paper's footnote 7 says to take
        the prior from the weak model, so ``"half"`` raises there rather than guessing a uniform prior;
      * ``"weak"``: p = the weak labels' batch mean of class 1, what the footnote advises for unbalanced
        or non-binary data (and what the reference code does on every task). ``sweep.plan_sweep`` picks
        ``"half"`` for tasks registered as balanced (``TaskSpec.balanced``).

    ``alpha_max``: 0.5, and 0.75 for the largest students in the paper (App. A.4, p. 33); ``plan_sweep``
    sets it per student.

    alpha schedules:
      * ``"paper"``: alpha = alpha_max * min(1, step_frac / warmup_frac), a linear warm-up over the
        first 20% of training (the paper's description);
      * ``"reference"``: alpha = alpha_max * step_frac while step_frac <= warmup_frac, then alpha_max;
        warmup_frac defaults to 0.1. This copies the reference code's alpha, which jumps from 0.05 to
        0.5 at the end of warm-up (docs/reference_differences.md §3). Only for comparisons with that code.

    Only alpha is copied from the reference code (openai/weak-to-strong, ``logconf_loss_fn``); its
    threshold is not. There t = ``torch.quantile(p0, q)`` of the batch's class-0 probabilities at q = the
    weak labels' batch mean of class 1, and the examples with p0 < t become class 1. With linear
    interpolation (torch's default) that hardens ``ceil(q * (B - 1))`` examples to class 1 (for distinct
    p0; checked against torch.quantile in tests/core/test_losses.py), not our ``floor(q * B + 0.5)``: with
    B = 32 both give 16 at q = 0.5, but q = 0.1 gives 4 there and 3 here, q = 0.9 gives 28 there and 29
    here, and q = 1 leaves one example at class 0 there. It also ranks by probabilities, which tie once
    they saturate in float32, and it has no ``"half"`` prior.
    """

    alpha_max: float = 0.5
    warmup_frac: float | None = None
    schedule: str = "paper"
    prior: str = "weak"
    needs_batch_logits = True

    def __post_init__(self):
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown logconf schedule {self.schedule!r}; valid: {', '.join(SCHEDULES)}")
        if self.prior not in PRIORS:
            raise ValueError(f"unknown logconf prior {self.prior!r}; valid: {', '.join(PRIORS)}")
        if self.warmup_frac is None:
            object.__setattr__(self, "warmup_frac", 0.2 if self.schedule == "paper" else 0.1)
        if not 0 <= self.alpha_max <= 1:
            raise ValueError(f"alpha_max must lie in [0, 1], got {self.alpha_max}")
        if not 0 <= self.warmup_frac <= 1:
            raise ValueError(f"warmup_frac must lie in [0, 1], got {self.warmup_frac}")

    def alpha(self, step_frac: float) -> float:
        if self.schedule == "paper":
            if self.warmup_frac <= 0:
                return self.alpha_max
            return self.alpha_max * min(1.0, step_frac / self.warmup_frac)
        return self.alpha_max * step_frac if step_frac <= self.warmup_frac else self.alpha_max

    @torch.no_grad()
    def target(self, logits, soft_labels, step_frac):
        soft = soft_labels.float()
        a = self.alpha(step_frac)
        if soft.shape[-1] != 2:
            if self.prior != "weak":
                raise ValueError(
                    f"logconf prior {self.prior!r} is for two classes; with {soft.shape[-1]} classes use "
                    "prior='weak' (the paper's footnote 7)"
                )
            hard = F.one_hot(balanced_hard_labels(logits, soft), soft.shape[-1]).to(soft)
            return (1 - a) * soft + a * hard
        logits = logits.float()
        margin = logits[:, 1] - logits[:, 0]
        n = margin.shape[0]
        p = 0.5 if self.prior == "half" else soft[:, 1].mean().item()
        n_pos = int(math.floor(p * n + 0.5))
        hard1 = torch.zeros_like(margin)
        if n_pos > 0:
            # stable sort: ties keep batch order, so the hardening is deterministic
            order = torch.sort(margin, descending=True, stable=True).indices
            hard1[order[:n_pos]] = 1.0
        hard = torch.stack([1 - hard1, hard1], dim=-1)
        return (1 - a) * soft + a * hard


@dataclass(frozen=True)
class ProductLoss(TargetLoss):
    """App. B's 'product confidence loss': target ∝ p_student^beta * p_weak^alpha, renormalized.

    The target carries no gradient. It depends only on each example's own logits, so it needs no batch
    statistics.
    """

    alpha: float = 1.0
    beta: float = 1.0

    @torch.no_grad()
    def target(self, logits, soft_labels, step_frac):
        # in log space, so that confident students do not underflow to 0/0
        log_t = self.beta * F.log_softmax(logits.float(), -1) + self.alpha * torch.log(
            soft_labels.float().clamp_min(1e-12)
        )
        return torch.softmax(log_t, dim=-1)


_CLASSES = {"xent": XentLoss, "logconf": LogConfLoss, "product": ProductLoss}


def register_loss(name: str, cls) -> None:
    """Make ``get_loss(name)`` build ``cls`` (a method's own loss; ``w2s_lib.nlp.methods``). Registering a name
    twice with another class is an error: a cached run's ``loss`` must keep meaning one thing."""
    if _CLASSES.get(name, cls) is not cls:
        raise ValueError(f"loss {name!r} is registered already, as {_CLASSES[name].__name__}")
    _CLASSES[name] = cls


def loss_names() -> list[str]:
    """Every loss ``get_loss`` builds: ``LOSSES``, then the registered ones."""
    return list(_CLASSES)


def get_loss(name: str, **kw):
    """Return the loss called ``name`` (one of ``loss_names()``) built with keyword arguments ``kw``.

    The result is callable as ``loss(logits[B, K], soft_labels[B, K], step_frac) -> scalar`` (K = 2 in
    the NLP settings, 1000 for ImageNet).
    """
    if name not in _CLASSES:
        raise ValueError(f"unknown loss {name!r}; valid: {', '.join(loss_names())}")
    return _CLASSES[name](**kw)
