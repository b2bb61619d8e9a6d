"""Methods that choose or combine labels without a probe: train only on the supervisor's confident labels;
ensemble the supervisors' soft labels; strong-to-strong self-training (the student's own predictions on its
items become the labels of a fresh copy of it, twice). From EleutherAI's w2s (its confidence filtering, its
supervisor-ensemble branch, and "strong-to-strong training") and their 2024 write-up, re-derived."""

from __future__ import annotations

import numpy as np

from w2s_lib.nlp.methods.base import Method, NotApplicable, register, register_transform, with_transform

KEEP = 0.5  # the share of items, the supervisor's most confident, that confident-only training keeps
ITERATIONS = 2  # self-training rounds after the naive student


def most_confident(p1: np.ndarray, keep: float) -> np.ndarray:
    """The ``keep`` share of items whose label is farthest from 0.5 (ties: earlier items stay)."""
    n_keep = int(round(keep * len(p1)))
    order = np.argsort(-np.abs(p1 - 0.5), kind="stable")
    out = np.zeros(len(p1), bool)
    out[order[:n_keep]] = True
    return out


def confident(ctx, keep: float = KEEP):
    return most_confident(ctx.p1, keep), ctx.p1


def ensemble(ctx):
    return np.ones(len(ctx.p1), bool), np.mean([ctx.p1, *ctx.others], axis=0)


def own_labels(ctx):
    """The labels of the run in ``label_runs`` (the previous round of self-training) in place of the weak ones."""
    (previous,) = ctx.others
    return np.ones(len(ctx.p1), bool), previous


register_transform("confident", confident)
register_transform("ensemble", ensemble)
register_transform("self-train", own_labels)


def _ensemble(naive, ladder):
    """With every other supervisor smaller than the student (never the student's own model on ground truth)."""
    from w2s_lib.models.presets import model_order

    order = model_order(list(dict.fromkeys([*(s.model for s in ladder.supervisors), naive.model])))
    smaller = set(order[: order.index(naive.model)])
    others = [
        s for s in ladder.supervisors if s.data == naive.data and s.model in smaller and s.model != naive.weak.model
    ]
    if not others:
        raise NotApplicable(f"ensembling for {naive.model} needs a second supervisor smaller than it in the comparison")
    return with_transform(naive, "ensemble", label_runs=others)


def _self_train(naive, ladder):
    run = naive
    for _ in range(ITERATIONS):
        run = with_transform(naive, "self-train", label_runs=[run])
    return run


register(
    Method(
        "confident-only",
        "labels",
        "EleutherAI/w2s; EleutherAI, Experiments in Weak-to-Strong Generalization (2024)",
        f"train only on the {KEEP:.0%} of items whose weak labels are most confident",
        lambda naive, ladder: with_transform(naive, "confident", {"keep": KEEP}),
    )
)
register(
    Method(
        "ensemble",
        "labels",
        "EleutherAI/w2s (supervisor ensembles); mlbio-epfl/raven",
        "the mean of every supervisor's soft labels (PGR still against this row's own supervisor)",
        _ensemble,
    )
)
register(
    Method(
        "self-train",
        "schedule",
        "EleutherAI, Experiments in Weak-to-Strong Generalization (2024): strong-to-strong training",
        f"{ITERATIONS} more rounds, each trained on the previous student's predictions on its items",
        _self_train,
    )
)
