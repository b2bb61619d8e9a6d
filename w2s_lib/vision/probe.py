"""Linear probes on cached features, trained with the library's losses (paper App. D.1).

The paper: Adam, learning rate 1e-3, batch 128, 20 epochs on DINO ResNet-50 features and 5 on ViT-B/8,
a cosine schedule (the reference code's), no early stopping. The confidence loss sees the whole batch,
so its class prior is the batch mean of the weak labels (``losses.balanced_hard_labels``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from w2s_lib.losses import get_loss
from w2s_lib.metrics import accuracy, agreement
from w2s_lib.progress import show_progress
from w2s_lib.train import TrainConfig, index_batches, make_optimizer, make_scheduler

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
    """
    if cfg.select != "last":
        raise ValueError(
            f"linear probes here train without a validation slice; select must be 'last', got {cfg.select!r}"
        )
    if len(x_train) != len(soft_train):
        raise ValueError(f"{len(x_train)} feature rows but {len(soft_train)} labels")
    progress = show_progress(progress)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(cfg.seed)
    probe = nn.Linear(x_train.shape[1], soft_train.shape[1]).to(device)
    x_train, soft_train = x_train.to(device).float(), soft_train.to(device).float()
    x_test = x_test.to(device).float()
    loss_fn = get_loss(cfg.loss, **dict(cfg.loss_kw))
    n = len(x_train)
    n_steps = max(1, math.ceil(cfg.epochs * n / cfg.batch_size))
    steps_per_epoch = max(1, math.ceil(n / cfg.batch_size))
    opt = make_optimizer(cfg, probe.parameters())
    sched = make_scheduler(cfg, opt, n_steps)
    gen = torch.Generator().manual_seed(cfg.seed)
    history, running, n_running = [], 0.0, 0
    t0 = time.time()

    def evaluate(step):
        nonlocal running, n_running
        pred = _predict(probe, x_test)
        rec = {
            "step": step,
            "progress": step / n_steps,
            "epoch": step / steps_per_epoch,
            "train_loss": running / max(n_running, 1),
            "test_acc": accuracy(pred, y_test),
        }
        if reference_test is not None:
            rec.update({f"test_agreement_{k}": v for k, v in agreement(pred, reference_test, y_test).items()})
        history.append(rec)
        running, n_running = 0.0, 0
        return pred

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc=desc, leave=False, dynamic_ncols=True)
    for step, idx in enumerate(index_batches([1] * n, cfg.batch_size, n_steps, gen)):
        if step and step % steps_per_epoch == 0:
            evaluate(step)
        idx = torch.tensor(idx, device=device)
        loss = loss_fn(probe(x_train[idx]), soft_train[idx], step / n_steps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        running += loss.item()
        n_running += 1
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    pred = evaluate(n_steps)
    return ProbeResult(history, n_steps, pred, time.time() - t0, probe.cpu())
