"""The confidence-window loss: the student is pulled only into a window around the weak label, not onto it. From
EleutherAI's w2s (option ``window``) and their 2024 write-up, re-derived from the description "a window around
the weak label": the target is the student's own (detached) prediction clipped to [q - r, q + r] for weak label
q, renormalised. Inside the window the target equals the prediction and the gradient of the cross-entropy,
softmax minus target, is zero; outside, the student is pulled to the window's nearer edge. So the student may
keep any prediction within ``RADIUS`` of its supervisor's, and how sure it is inside that is its own."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from w2s_lib.core.losses import TargetLoss, register_loss
from w2s_lib.nlp.methods.base import Method, register, train_with

RADIUS = 0.2  # our choice: a fifth of the probability range either side of the weak label


@dataclass(frozen=True)
class WindowLoss(TargetLoss):
    radius: float = RADIUS

    def __post_init__(self):
        if not 0 <= self.radius <= 1:
            raise ValueError(f"window loss: radius must lie in [0, 1], got {self.radius}")

    @torch.no_grad()
    def target(self, logits, soft_labels, step_frac):
        q = soft_labels.float()
        p = torch.softmax(logits.float(), dim=-1)
        clipped = torch.minimum(torch.maximum(p, q - self.radius), q + self.radius).clamp_min(0)
        return clipped / clipped.sum(-1, keepdim=True)


register_loss("window", WindowLoss)


def _window(naive, ladder):
    return train_with(naive, loss="window", loss_kw={"radius": RADIUS})


register(
    Method(
        "window",
        "loss",
        "EleutherAI/w2s (loss 'window'); EleutherAI, Experiments in Weak-to-Strong Generalization (2024)",
        f"no pull while the student is within {RADIUS} of the weak label; outside, to the window's edge",
        _window,
    )
)
