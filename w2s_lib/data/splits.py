"""How one task's items become a run's data: the test set and two disjoint halves of the training items, each
with a validation slice (``DataConfig`` -> ``prepare_data`` -> ``Splits``), and their ``fingerprint``."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass

import numpy as np

from w2s_lib.data.load import drop_groups, load_items, split_halves


@dataclass(frozen=True)
class DataConfig:
    task: str
    n_train: int = 2000  # items before halving
    n_test: int = 500
    val_frac: float = 0.1  # of each half, held out for model selection
    seed: int = 0

    def __post_init__(self):
        """Each setting's valid range, checked once here (the CLI reports these errors as usage errors)."""
        for name, what in [("n_train", "items before halving"), ("n_test", "test items")]:
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
                raise ValueError(
                    f"{name} ({what}) must be an integer >= 0 (0: every item of a Hub split), got {value!r}"
                )
        if isinstance(self.val_frac, bool) or not isinstance(self.val_frac, (int, float)) or not 0 < self.val_frac < 1:
            raise ValueError(
                f"val_frac (held out of each half for model selection) must lie in (0, 1), got {self.val_frac!r}"
            )
        if not isinstance(self.seed, (int, np.integer)) or isinstance(self.seed, bool):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")


@dataclass(frozen=True)
class Splits:
    test: list
    A_train: list
    A_val: list
    B_train: list
    B_val: list
    seed: int = 0  # of the data config: seeds the parts of half B
    fingerprint: str = ""  # of every item (``fingerprint``): part of the key of each run trained on these splits

    def half(self, h: str) -> tuple[list, list]:
        return (self.A_train, self.A_val) if h == "A" else (self.B_train, self.B_val)

    def b_part(self, k: int, n: int) -> tuple[list, list]:
        """Part ``k`` of ``n`` disjoint parts of half B's training and validation items (bootstrapping)."""
        if n == 1:
            return self.B_train, self.B_val
        return _parts(self.B_train, n, self.seed + 3)[k], _parts(self.B_val, n, self.seed + 4)[k]

    def items(self, half: str, b_slice: int = 0, b_slices: int = 1) -> tuple[list, list]:
        """The training and validation items of a run on ``half`` (on half B: part ``b_slice`` of ``b_slices``)."""
        return self.half("A") if half == "A" else self.b_part(b_slice, b_slices)


def _parts(items: list, n: int, seed: int) -> list[list]:
    """``n`` disjoint parts of about equal size that never split a group."""
    parts, rest = [], items
    for i in range(n - 1):
        part, rest = split_halves(rest, seed, frac=1 / (n - i))
        parts.append(part)
    return parts + [rest]


@functools.lru_cache(maxsize=8)
def prepare_data(dc: DataConfig) -> Splits:
    """Test set, and two disjoint halves of the training data, each with a validation slice.

    Training items whose group also occurs in the test set are dropped, so train and test never share
    a source question. Halves and slices never split a group.
    """
    test = load_items(dc.task, "test", dc.n_test, dc.seed)
    train = drop_groups(load_items(dc.task, "train", dc.n_train, dc.seed), test)
    if all("half" in it for it in train):  # the task defines its halves (e.g. the sandbox's vocabularies)
        a, b = [it for it in train if it["half"] == "A"], [it for it in train if it["half"] == "B"]
    else:
        a, b = split_halves(train, dc.seed)
    a_val, a_train = split_halves(a, dc.seed + 1, frac=dc.val_frac)
    b_val, b_train = split_halves(b, dc.seed + 2, frac=dc.val_frac)
    splits = (test, a_train, a_val, b_train, b_val)
    return Splits(*splits, dc.seed, fingerprint(*splits))


def fingerprint(*item_lists) -> str:
    """A digest of the items' ids, texts and labels, list by list and in order: any change to how a task's
    items are made (a formatter, a filter, a split) changes it, and so the key of every run that used them."""
    h = hashlib.sha256()
    for items in item_lists:
        rows = [[it["id"], it["txt"], it["hard_label"]] for it in items]
        h.update(json.dumps(rows, ensure_ascii=False, default=str).encode("utf-8"))
        h.update(b"\x00")  # list boundary: moving an item between lists changes the digest
    return h.hexdigest()[:16]
