"""The paper's methods (Burns et al. 2023): naive training, the auxiliary confidence loss (the paper's schedule
and the reference code's), the product loss of App. B, bootstrapping through an intermediate model (§4.3.1),
and keeping the last checkpoint instead of early stopping on weak-label validation accuracy (§5.1.1's
overfitting)."""

from __future__ import annotations

import dataclasses

from w2s_lib.nlp.methods.base import Method, NotApplicable, register, train_with


def _naive(naive, ladder):
    return naive


def _logconf(naive, ladder):
    return train_with(naive, loss="logconf", loss_kw=ladder.loss_kw(naive, "logconf"))


def _logconf_reference(naive, ladder):
    # the reference code's alpha: step_frac until warm-up ends at 10%, then alpha_max (core.losses.LogConfLoss)
    kw = dict(ladder.loss_kw(naive, "logconf")) | {"schedule": "reference"}
    return train_with(naive, loss="logconf", loss_kw=kw)


def _product(naive, ladder):
    return train_with(naive, loss="product", loss_kw=ladder.loss_kw(naive, "product"))


def _last_checkpoint(naive, ladder):
    return train_with(naive, select="last")


def _params(model: str) -> float | None:
    from w2s_lib.models.presets import preset_of

    preset = preset_of(model)
    return preset.params if preset else None


def _bootstrap(naive, ladder):
    """Two steps, each on its own half of half B (paper §4.3.1): the supervisor labels part 0 for the largest
    student of the comparison between it and this one (same supervisor, data and seed; the same way of
    learning preferred), which then labels part 1 for this student."""
    weak, size = naive.weak, _params(naive.model)
    low = _params(weak.model)
    middle = [
        c
        for c in ladder.naive
        if c.data == naive.data and c.weak == weak and _between(_params(c.model), low, size) and c != naive
    ]
    if not middle:
        raise NotApplicable(
            f"bootstrapping {naive.model} needs an intermediate student between {weak.model} and {naive.model} "
            "in the comparison"
        )
    step = max(middle, key=lambda c: (_params(c.model), c.linear_probe == naive.linear_probe))
    first = dataclasses.replace(step, b_slice=0, b_slices=2)
    return dataclasses.replace(naive, weak=first, b_slice=1, b_slices=2)


def _between(x, low, high) -> bool:
    return x is not None and low is not None and high is not None and low < x < high


PAPER = "Burns et al. (2023)"
register(Method("naive", "loss", f"{PAPER} §4.2", "cross-entropy on the supervisor's soft labels", _naive))
register(
    Method(
        "logconf",
        "loss",
        f"{PAPER} §4.3.2, eq. 1, App. A.4",
        "auxiliary confidence loss, alpha warmed up over the first 20% of training",
        _logconf,
    )
)
register(
    Method(
        "logconf-reference",
        "loss",
        "openai/weak-to-strong, logconf_loss_fn (docs/reference_differences.md §3)",
        "the confidence loss with the reference code's alpha: step_frac, then alpha_max after 10%",
        _logconf_reference,
    )
)
register(
    Method(
        "product",
        "loss",
        f"{PAPER} App. B; openai/weak-to-strong, product_loss_fn",
        "target proportional to student probability times weak probability",
        _product,
    )
)
register(
    Method(
        "bootstrap",
        "schedule",
        f"{PAPER} §4.3.1",
        "weak -> intermediate student -> student, each step on its own half of half B",
        _bootstrap,
    )
)
register(
    Method(
        "last-checkpoint",
        "schedule",
        f"{PAPER} §5.1.1, Fig. 7",
        "the final weights instead of the best on weak-label validation accuracy",
        _last_checkpoint,
    )
)
