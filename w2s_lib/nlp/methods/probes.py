"""Probes on the student's own pretrained features, used to clean the weak labels before the student trains:
relabel every item with the probe's prediction, or drop the items where probe and supervisor disagree most; and
the topological filter. From EleutherAI's w2s (its probe options: logistic regression and k-nearest neighbours,
relabel or filter, and a topological filter) and their 2024 write-up, re-derived from those descriptions:

* the **probes** are fitted on the weak labels and predict each item without having seen its label: the kNN
  probe averages the weak labels of an item's ``K`` nearest other items (cosine similarity); the logistic
  probe is fitted on standardised features and the hardened weak labels, ``FOLDS``-fold, each item predicted by
  the fold that left it out;
* **filtering** keeps the items' weak labels and drops the ``DROP`` share whose probe prediction is farthest
  from them;
* the **topological filter** (after Wu et al. 2020, "A Topological Filter for Learning with Label Noise")
  links each item to its ``TOPO_K`` nearest neighbours when they carry the same hardened weak label, and keeps, of
  each class, only its largest connected piece: an item whose neighbours the supervisor labels otherwise is cut
  off.

The features are those of the student's pretrained weights (``LabelContext.features``), the same for a probe
student and a finetuned one; they come from the feature cache the probes share."""

from __future__ import annotations

import numpy as np

from w2s_lib.nlp.methods.base import Method, register, register_transform, with_transform

K = 15  # neighbours of the kNN probe
# neighbours of the topological filter's graph: with 15, every class of sandbox_animals (seed 0, MiniLM-L6's
# features, 20.2% wrong weak labels) was one connected piece and the filter kept every item; with 5 it keeps
# 98.1% and 19.1% of those are wrong (measured 2026-12-07)
TOPO_K = 5
FOLDS = 5  # folds of the logistic probe's out-of-fold predictions
C = 1.0  # the logistic probe's inverse L2 strength (scikit-learn's default)
DROP = 0.2  # the share of items a probe filter drops


def neighbours(feats: np.ndarray, k: int) -> np.ndarray:
    """[N, k] indices of each item's k most cosine-similar other items (an item is never its own neighbour)."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(feats) - 1)
    x = feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)
    idx = NearestNeighbors(n_neighbors=k + 1, metric="cosine", algorithm="brute").fit(x).kneighbors(x)[1]
    own = idx == np.arange(len(x))[:, None]
    # drop the item itself; when a duplicate text came first instead, drop the farthest neighbour
    own[~own.any(1), -1] = True
    return idx[~own].reshape(len(x), k)


def knn_p1(feats: np.ndarray, p1: np.ndarray, k: int = K) -> np.ndarray:
    return p1[neighbours(feats, k)].mean(1)


def logreg_p1(feats: np.ndarray, p1: np.ndarray, seed: int, folds: int = FOLDS, c: float = C) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import StandardScaler

    hard = (p1 > 0.5).astype(int)
    out = np.empty(len(p1), np.float64)
    for fit_idx, held in KFold(folds, shuffle=True, random_state=seed).split(feats):
        if len(set(hard[fit_idx])) < 2:  # one class only: the probe can say nothing else
            out[held] = hard[fit_idx].mean()
            continue
        scale = StandardScaler().fit(feats[fit_idx])
        model = LogisticRegression(C=c, max_iter=2000).fit(scale.transform(feats[fit_idx]), hard[fit_idx])
        out[held] = model.predict_proba(scale.transform(feats[held]))[:, 1]
    return out.astype(np.float32)


def _probe(ctx, probe: str, k: int, folds: int) -> np.ndarray:
    feats = ctx.features()
    if probe == "knn":
        return knn_p1(feats, ctx.p1, k)
    return logreg_p1(feats, ctx.p1, ctx.seed, folds)


def relabel(ctx, probe: str, k: int = K, folds: int = FOLDS):
    return np.ones(len(ctx.p1), bool), _probe(ctx, probe, k, folds)


def drop_disagreeing(p1: np.ndarray, other: np.ndarray, drop: float) -> np.ndarray:
    """Keep all but the ``drop`` share of items where ``other`` is farthest from ``p1`` (ties: later items go)."""
    n_drop = int(round(drop * len(p1)))
    order = np.argsort(-np.abs(other - p1), kind="stable")
    keep = np.ones(len(p1), bool)
    keep[order[:n_drop]] = False
    return keep


def probe_filter(ctx, probe: str, drop: float = DROP, k: int = K, folds: int = FOLDS):
    return drop_disagreeing(ctx.p1, _probe(ctx, probe, k, folds), drop), ctx.p1


def largest_same_label_pieces(nbrs: np.ndarray, hard: np.ndarray) -> np.ndarray:
    """Which items lie in their class's largest connected piece of the graph linking each item to its
    neighbours ``nbrs`` [N, k] of the same label ``hard`` [N]."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(hard)
    rows = np.repeat(np.arange(n), nbrs.shape[1])
    cols = nbrs.ravel()
    same = hard[rows] == hard[cols]
    graph = coo_matrix((np.ones(same.sum()), (rows[same], cols[same])), shape=(n, n))
    _, piece = connected_components(graph, directed=False)
    keep = np.zeros(n, bool)
    for label in np.unique(hard):
        mine = np.flatnonzero(hard == label)
        sizes = np.bincount(piece[mine])
        keep[mine[piece[mine] == np.argmax(sizes)]] = True
    return keep


def topo_filter(ctx, k: int = TOPO_K):
    return largest_same_label_pieces(neighbours(ctx.features(), k), (ctx.p1 > 0.5).astype(int)), ctx.p1


register_transform("probe-relabel", relabel)
register_transform("probe-filter", probe_filter)
register_transform("topo-filter", topo_filter)

SOURCE = "EleutherAI/w2s (probe relabelling and filtering); EleutherAI, Experiments in W2S Generalization (2024)"
for probe, what in (("logreg", f"{FOLDS}-fold logistic regression"), ("knn", f"the mean of {K} nearest neighbours")):
    opts = {"probe": probe, "k": K, "folds": FOLDS}
    register(
        Method(
            f"relabel-{probe}",
            "labels",
            SOURCE,
            f"every weak label replaced by a probe's on the student's features ({what})",
            lambda naive, ladder, opts=opts: with_transform(naive, "probe-relabel", opts),
        )
    )
    register(
        Method(
            f"filter-{probe}",
            "labels",
            SOURCE,
            f"drop the {DROP:.0%} of items where {what} on the student's features disagrees most",
            lambda naive, ladder, opts=opts: with_transform(naive, "probe-filter", {**opts, "drop": DROP}),
        )
    )
register(
    Method(
        "filter-topo",
        "labels",
        f"{SOURCE}; Wu et al. (2020), A Topological Filter for Learning with Label Noise",
        f"keep each class's largest connected piece of the {TOPO_K}-nearest-neighbour graph of same-labelled items",
        lambda naive, ladder: with_transform(naive, "topo-filter", {"k": TOPO_K}),
    )
)
