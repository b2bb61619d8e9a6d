"""Linear probes on cached features, trained with the library's losses (paper App. D.1).

The paper: Adam, learning rate 1e-3, batch 128, 20 epochs on DINO ResNet-50 features and 5 on ViT-B/8,
a cosine schedule (the reference code's), no early stopping. The confidence loss sees the whole batch,
so its class prior is the batch mean of the weak labels (``losses.balanced_hard_labels``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from w2s_lib.core import fit
from w2s_lib.core.losses import get_loss
from w2s_lib.core.metrics import accuracy, agreement
from w2s_lib.core.train_config import TrainConfig

PROBE_TRAIN = TrainConfig(lr=1e-3, epochs=20.0, batch_size=128, minibatch_size=128, select="last")
# Table 3's epochs per student; other backbones get PROBE_TRAIN's 20
PAPER_EPOCHS = {"dino_resnet50": 20.0, "dino_vitb8": 5.0}


@dataclass
class ProbeResult:
    history: list[dict]
    n_steps: int
    test_pred: np.ndarray  # class indices of the final probe on the test features
    seconds: float
    probe: nn.Linear


def _predict(probe: nn.Linear, x: torch.Tensor, batch: int = 4096) -> np.ndarray:
    with torch.no_grad():
        return torch.cat([probe(x[i : i + batch]).argmax(-1) for i in range(0, len(x), batch)]).cpu().numpy()


def train_probe(
    x_train: torch.Tensor,
    soft_train: torch.Tensor,
    cfg: TrainConfig = PROBE_TRAIN,
    *,
    x_test: torch.Tensor,
    y_test: np.ndarray,
    reference_test: np.ndarray | None = None,
    device=None,
    progress: bool | None = None,
    desc: str = "probe",
) -> ProbeResult:
    """Train a linear probe x -> K logits on soft labels ``soft_train`` [N, K]; evaluate on the test set.

    ``reference_test`` (the supervisor's test predictions) adds agreement to the history. The probe
    is the final one: with ``select="last"`` only, as in the paper's vision runs.

    A thin wrapper over the training core (``w2s_lib.core.fit``): the soft-label objective on the cached
    features, one evaluation per epoch. Each batch is one pass (``cfg.minibatch_size`` is not read), under
    the core's precision rule like every other run (bf16 autocast on CUDA; on CPU full precision, as before).
    """
    if cfg.select != "last":
        raise ValueError(
            f"linear probes here train without a validation slice; select must be 'last', got {cfg.select!r}"
        )
    if len(x_train) != len(soft_train):
        raise ValueError(f"{len(x_train)} feature rows but {len(soft_train)} labels")
    t0 = time.time()
    device = fit.pick_device(device)
    torch.manual_seed(cfg.seed)  # the probe's initial weights
    probe = fit.setup(nn.Linear(x_train.shape[1], soft_train.shape[1]), device, cfg.dropout)
    x_train, soft_train = x_train.to(device).float(), soft_train.to(device).float()
    x_test = x_test.to(device).float()
    steps_per_epoch = max(1, math.ceil(len(x_train) / cfg.batch_size))

    def measure() -> tuple[dict, np.ndarray]:
        pred = _predict(probe, x_test)
        rec = {"test_acc": accuracy(pred, y_test)}
        if reference_test is not None:
            rec.update({f"test_agreement_{k}": v for k, v in agreement(pred, reference_test, y_test).items()})
        return rec, pred

    loss_fn = get_loss(cfg.loss, **dict(cfg.loss_kw))
    done = fit.fit(
        dataclasses.replace(cfg, minibatch_size=cfg.batch_size),
        fit.SoftLabels(fit.Features(probe, x_train), soft_train, loss_fn, device),
        fit.Loop(
            params=list(probe.parameters()),
            lengths=[1] * len(x_train),
            epochs=cfg.epochs,
            device=device,
            evaluation=fit.Evaluation(probe, measure, lambda _: steps_per_epoch, lambda s: s / steps_per_epoch),
            desc=desc,
            progress=progress,
        ),
    )
    return ProbeResult(done.history, done.n_steps, done.kept, time.time() - t0, probe.cpu())
