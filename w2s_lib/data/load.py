"""Loading a task's items and splitting them the way the paper does."""

from __future__ import annotations

import random

from w2s_lib.data.registry import Item, TaskSpec


def _spec(task: str) -> TaskSpec:
    from w2s_lib.data import TASKS

    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; valid: {', '.join(sorted(TASKS))}")
    return TASKS[task]


def _hub_rows(spec: TaskSpec, split: str, n_rows: int | None, seed: int) -> list[dict]:
    import datasets

    kw = {"data_dir": spec.data_dir} if spec.data_dir else {}
    ds = datasets.load_dataset(spec.hub_id, spec.config, split=spec.splits[split], revision=spec.revision, **kw)
    # shuffle before selecting (the reference code took the first N rows: PEERS.md, B12)
    ds = ds.shuffle(seed=seed)
    if n_rows is not None and n_rows < len(ds):
        ds = ds.select(range(n_rows))
    return ds.to_list()


def load_items(task: str, split: str, n: int | None, seed: int) -> list[Item]:
    """Up to ``n`` binary items of ``task``'s ``split`` ("train" or "test"), shuffled with ``seed``.

    Each item gets an ``id`` (its position in the returned list) so that predictions can be joined
    back to it. Hub tasks load through ``datasets`` (and its cache); synthetic tasks are generated.
    """
    spec = _spec(task)
    if split not in spec.splits:
        raise ValueError(f"task {task!r} has no split {split!r}; valid: {', '.join(spec.splits)}")
    rng = random.Random(f"{task}/{split}/{seed}")
    # Formatters can drop rows (balancing), so ask for more rows until there are n items.
    n_rows = None if n is None else max(2 * n, 64)
    while True:
        if spec.synthetic:
            rows = spec.generate(n_rows, split, seed)
        else:
            rows = _hub_rows(spec, split, n_rows, seed)
        items = spec.to_binary(rows, random.Random(f"{task}/{split}/{seed}/binary"))
        if n is None or len(items) >= n or (not spec.synthetic and len(rows) < n_rows):
            break
        n_rows *= 2
    rng.shuffle(items)
    items = items[:n] if n is not None else items
    return [{**it, "id": i} for i, it in enumerate(items)]


def split_halves(items: list[Item], seed: int, frac: float = 0.5) -> tuple[list[Item], list[Item]]:
    """Split into two parts of about ``frac`` / ``1 - frac`` of the items, never splitting a group.

    Groups are visited in a seeded random order and each goes to the part that is furthest below its
    target, so the parts stay within one group's size of the target.
    """
    groups: dict[str, list[Item]] = {}
    for it in items:
        groups.setdefault(it["group"], []).append(it)
    order = sorted(groups)
    random.Random(f"halves/{seed}").shuffle(order)
    first, second = [], []
    for g in order:
        # put the group where the deficit relative to the target is larger
        n = len(first) + len(second) + len(groups[g])
        (first if len(first) - frac * n <= len(second) - (1 - frac) * n else second).extend(groups[g])
    return first, second


def drop_groups(items: list[Item], other: list[Item]) -> list[Item]:
    """Items whose group does not occur in ``other`` (keeps train and test disjoint by group)."""
    taken = {it["group"] for it in other}
    return [it for it in items if it["group"] not in taken]
