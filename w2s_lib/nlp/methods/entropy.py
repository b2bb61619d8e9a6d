"""The entropy penalty: cross-entropy on the weak labels plus the entropy of the student's own predictions, which
pushes the student to be confident where the weak labels are not. From EleutherAI's w2s (option ``entropy``) and
their "Experiments in Weak-to-Strong Generalization" (2024), re-derived from that description: we weight the two
terms as the paper's confidence loss weights its own (eq. 1), (1 - alpha) * CE(weak, p) + alpha * H(p), with
its alpha warm-up, so the two differ only in the student's soft prediction standing where the confidence loss
puts its hardened one. This file is docs/methods.md's worked example of adding a method."""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F

from w2s_lib.core.losses import TargetLoss, register_loss, soft_xent
from w2s_lib.nlp.methods.base import Method, register, train_with

ALPHA_MAX = 0.5  # the confidence loss's for all but the largest students (App. A.4)
WARMUP_FRAC = 0.2  # alpha rises linearly over the first 20% of training, as the confidence loss's


@dataclass(frozen=True)
class EntropyLoss(TargetLoss):
    alpha_max: float = ALPHA_MAX
    warmup_frac: float = WARMUP_FRAC

    def __post_init__(self):
        if not 0 <= self.alpha_max <= 1 or not 0 <= self.warmup_frac <= 1:
            raise ValueError("entropy loss: alpha_max and warmup_frac must lie in [0, 1]")

    def alpha(self, step_frac: float) -> float:
        return self.alpha_max * (min(1.0, step_frac / self.warmup_frac) if self.warmup_frac > 0 else 1.0)

    def target(self, logits, soft_labels, step_frac):
        return soft_labels.float()

    def objective(self, logits, target, step_frac):
        logp = F.log_softmax(logits.float(), dim=-1)
        entropy = -(logp.exp() * logp).sum(-1).mean()
        a = self.alpha(step_frac)
        return (1 - a) * soft_xent(logits, target) + a * entropy


register_loss("entropy", EntropyLoss)


def _entropy(naive, ladder):
    return train_with(naive, loss="entropy", loss_kw={"alpha_max": ALPHA_MAX, "warmup_frac": WARMUP_FRAC})


register(
    Method(
        "entropy",
        "loss",
        "EleutherAI/w2s (loss 'entropy'); EleutherAI, Experiments in Weak-to-Strong Generalization (2024)",
        "(1 - alpha) * cross-entropy on the weak labels + alpha * the student's prediction entropy",
        _entropy,
    )
)
