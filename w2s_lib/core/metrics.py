"""Metrics: accuracy, PGR, student-supervisor agreement, AUROC, calibration, bootstrap intervals."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np


def pgr(weak_acc: float, w2s_acc: float, strong_acc: float) -> float:
    """Performance gap recovered: (w2s - weak) / (strong - weak); nan when strong <= weak.

    A pair whose ceiling does not beat its supervisor has no gap to recover, so its PGR is undefined
    (the reference notebook drops such pairs; we return nan and let aggregations skip it).
    """
    if any(x is None or math.isnan(x) for x in (weak_acc, w2s_acc, strong_acc)):
        return float("nan")
    gap = strong_acc - weak_acc
    if gap <= 0:
        return float("nan")
    return (w2s_acc - weak_acc) / gap


def hard_predictions(pred) -> np.ndarray:
    """Class indices from any of the prediction formats used here.

    * [N] floats: class-1 probabilities of a binary task; class 1 when p1 > 0.5 (ties count as 0);
    * [N, K] floats: class probabilities or logits; the argmax (the first class on ties);
    * [N] integers: class indices already (e.g. ImageNet predictions), returned as they are.
    """
    a = np.asarray(pred)
    if a.ndim == 2:
        return a.argmax(-1)
    if np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
        return a.astype(int)
    return (a.astype(float) > 0.5).astype(int)


def accuracy(pred, labels: Sequence[int]) -> float:
    """Top-1 accuracy of ``pred`` (any format of ``hard_predictions``) against integer labels."""
    labels = np.asarray(labels, int)
    if len(labels) == 0:
        return float("nan")
    return float((hard_predictions(pred) == labels).mean())


def agreement(student, supervisor, labels) -> dict[str, float]:
    """Fraction of examples where the student's hard prediction equals the supervisor's.

    Also split by whether the supervisor is right or wrong about the ground truth (paper, Fig. 8):
    ``all``, ``supervisor_right``, ``supervisor_wrong`` (nan when the subset is empty). Predictions
    take any format of ``hard_predictions``, so this serves binary tasks and ImageNet alike.
    """
    s, w = hard_predictions(student), hard_predictions(supervisor)
    y = np.asarray(labels, int)
    agree = s == w
    right = w == y

    def frac(mask):
        return float(agree[mask].mean()) if mask.any() else float("nan")

    return {"all": frac(np.ones_like(agree)), "supervisor_right": frac(right), "supervisor_wrong": frac(~right)}


def auroc(p1, labels) -> float:
    """Area under the ROC curve; nan when only one class is present."""
    from sklearn.metrics import roc_auc_score

    labels = np.asarray(labels, int)
    if len(labels) == 0 or labels.min() == labels.max():
        return float("nan")
    return float(roc_auc_score(labels, np.asarray(p1, float)))


def ece(p1, labels, n_bins: int = 10) -> float:
    """Expected calibration error of the predicted class's confidence, equal-width bins."""
    p1, labels = np.asarray(p1, float), np.asarray(labels, int)
    if len(labels) == 0:
        return float("nan")
    pred = (p1 > 0.5).astype(int)
    conf = np.where(pred == 1, p1, 1 - p1)
    correct = (pred == labels).astype(float)
    # confidences lie in [0.5, 1]; bins over [0, 1] keep the definition standard
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        m = bins == b
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    stat: Callable[[np.ndarray], float] = np.mean,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat`` over ``values`` (seeds or examples); nan values dropped.

    ``values`` may be 2-D (rows resampled together), in which case ``stat`` receives the resampled rows.
    """
    arr = np.asarray(values, float)
    if arr.ndim == 1:
        arr = arr[~np.isnan(arr)]
    if len(arr) == 0:
        return (float("nan"), float("nan"))
    if len(arr) == 1:
        v = float(stat(arr))
        return (v, v)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(arr), size=(n_boot, len(arr)))
    stats = np.array([stat(arr[i]) for i in idx], float)
    lo, hi = np.nanpercentile(stats, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return (float(lo), float(hi))
