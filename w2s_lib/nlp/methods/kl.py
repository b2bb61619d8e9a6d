"""The KL loss. KL(weak || student) differs from naive training's cross-entropy by the weak labels' entropy, a
constant, so it has the same gradient and would be naive training again; the loss worth comparing is the other
direction, KL(student || weak) = sum_c p_c (log p_c - log q_c), which is mode-seeking: the student is penalised
for mass where the supervisor puts little, not for ignoring the supervisor's minority class. From EleutherAI's
w2s (option ``kl``), re-derived; which direction that option takes is not our source, this is."""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F

from w2s_lib.core.losses import TargetLoss, register_loss
from w2s_lib.nlp.methods.base import Method, register, train_with

FLOOR = 1e-6  # weak probabilities below it count as it: a weak label of exactly 0 would make the loss infinite


@dataclass(frozen=True)
class ReverseKLLoss(TargetLoss):
    floor: float = FLOOR

    def target(self, logits, soft_labels, step_frac):
        return soft_labels.float()

    def objective(self, logits, target, step_frac):
        logp = F.log_softmax(logits.float(), dim=-1)
        logq = target.float().clamp_min(self.floor).log()
        return (logp.exp() * (logp - logq)).sum(-1).mean()


register_loss("reverse_kl", ReverseKLLoss)


def _kl(naive, ladder):
    return train_with(naive, loss="reverse_kl", loss_kw={"floor": FLOOR})


register(
    Method(
        "reverse-kl",
        "loss",
        "EleutherAI/w2s (loss 'kl'); re-derived as KL(student || weak)",
        "KL(student || weak): mode-seeking, where naive training's cross-entropy is KL(weak || student)",
        _kl,
    )
)
