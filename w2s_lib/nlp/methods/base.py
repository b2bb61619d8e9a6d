"""The parts every method is made of (``Method``, ``Ladder``, ``LabelContext``) and the registries
(``METHODS``, ``TRANSFORMS``); the package's ``__init__`` says what a method is and imports the method files."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

KINDS = ("loss", "labels", "schedule")


class NotApplicable(ValueError):
    """A method that needs what a plan does not have (an intermediate model, a second supervisor); the message
    says which."""


@dataclass(frozen=True)
class Ladder:
    """What a method may build on besides the naive run it changes: every naive student run of the comparison
    (``naive``), the ground-truth half-A supervisors' runs (``supervisors``), and ``loss_kw(naive, loss)``, the
    settings a loss gets for that student in a sweep (the paper's alpha_max and prior for the confidence loss;
    ``nlp.sweep``)."""

    naive: tuple = ()
    supervisors: tuple = ()
    loss_kw: Callable = field(default=lambda naive, loss: ())


@dataclass(frozen=True)
class Method:
    """One registered method: ``build(naive, ladder) -> RunConfig`` makes its student (raising ``NotApplicable``
    when the plan lacks what it needs); ``source`` cites where it comes from, ``summary`` says in a line what it
    changes."""

    name: str
    kind: str
    source: str
    summary: str
    build: Callable

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"method {self.name!r}: unknown kind {self.kind!r}; valid: {', '.join(KINDS)}")


def train_with(naive, **changes):
    """``naive``'s run with some ``TrainConfig`` settings changed (a loss, its options, the selection)."""
    if "loss_kw" in changes:
        changes["loss_kw"] = tuple(sorted(dict(changes["loss_kw"]).items()))
    return dataclasses.replace(naive, train=dataclasses.replace(naive.train, **changes))


def with_transform(naive, name: str, kw: dict | None = None, label_runs=()):
    """``naive``'s run with its weak labels changed by the registered rule ``name`` (options ``kw``)."""
    return dataclasses.replace(
        naive, transform=name, transform_kw=tuple(sorted((kw or {}).items())), label_runs=tuple(label_runs)
    )


# ---------------------------------------------------------------------------------------------
# Label rules: what a transform reads and returns


@dataclass
class LabelContext:
    """What a label rule reads, for a student's training items then its validation items (``n_train`` of them
    first): their weak labels ``p1`` (class-1 probabilities), the ``others``' labels of the same items (the
    predictions of ``RunConfig.label_runs``), the run's ``seed``, and ``features()``, the frozen pretrained
    features of the student's model on them ([N, H], computed on first call). ``gt`` is there for tests and
    diagnostics only: a rule that reads it is cheating, and ``tests/nlp/test_methods.py`` checks none does."""

    items: list
    p1: np.ndarray
    gt: np.ndarray
    n_train: int
    seed: int
    others: list
    features: Callable[[], np.ndarray]


# name -> rule(ctx, **kw) -> (keep [N] bool, p1 [N]): which items the student keeps and their labels
TRANSFORMS: dict[str, Callable] = {}


def register_transform(name: str, rule: Callable) -> None:
    if TRANSFORMS.get(name, rule) is not rule:
        raise ValueError(f"label rule {name!r} is registered already")
    TRANSFORMS[name] = rule


def check_transform(name: str) -> None:
    if name not in TRANSFORMS:
        raise ValueError(f"unknown label transform {name!r}; valid: {', '.join(sorted(TRANSFORMS))}")


def apply_transform(name: str, ctx: LabelContext, kw: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(keep, p1)`` of rule ``name`` on ``ctx``, checked: one boolean and one probability per item."""
    check_transform(name)
    keep, p1 = TRANSFORMS[name](ctx, **kw)
    keep, p1 = np.asarray(keep, bool), np.asarray(p1, np.float32)
    n = len(ctx.items)
    if keep.shape != (n,) or p1.shape != (n,) or not np.all((p1 >= 0) & (p1 <= 1)):
        raise ValueError(f"label rule {name!r} must return {n} booleans and {n} probabilities")
    return keep, p1


# ---------------------------------------------------------------------------------------------
# The registry

METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add ``method`` to ``METHODS`` (a name registered twice is an error)."""
    if method.name in METHODS and METHODS[method.name] is not method:
        raise ValueError(f"method {method.name!r} is registered already")
    METHODS[method.name] = method
    return method


def unregister(name: str) -> None:
    """Remove a method (a test's toy one); its label rule or loss stays registered, harmlessly."""
    METHODS.pop(name, None)


def names() -> list[str]:
    """The registered methods' names, naive (the baseline) first, then in the order they were registered."""
    return sorted(METHODS, key=lambda n: n != "naive")


def pick(chosen=None) -> list[Method]:
    """The methods called ``chosen`` (all of them when None or empty), naive first: a one-line error names the
    registered ones for an unknown name."""
    if not chosen:
        return [METHODS[n] for n in names()]
    bad = [n for n in chosen if n not in METHODS]
    if bad:
        raise ValueError(f"unknown method {bad[0]!r}; registered: {', '.join(names())}")
    return [METHODS["naive"]] + [METHODS[n] for n in dict.fromkeys(chosen) if n != "naive"]
