"""Loading a task's items and splitting them the way the paper does."""

from __future__ import annotations

import random
import warnings
from collections import Counter

from w2s_lib.data.registry import task_spec
from w2s_lib.data.spec import Item, TaskSpec


def hub_source(spec: TaskSpec) -> dict:
    """The ``datasets.load_dataset`` arguments that find ``spec``'s rows (all but ``split``).

    The one place that turns a spec into a Hub location, shared by ``load_items`` and ``w2s preflight``.
    """
    kw = {"path": spec.hub_id, "name": spec.config, "revision": spec.revision}
    if spec.data_dir:
        kw["data_dir"] = spec.data_dir
    return kw


def hub_split(spec: TaskSpec, split: str):
    """One of ``spec``'s splits ("train" or "test") as a ``datasets.Dataset``: through the datasets cache, or
    from the installed files of a task with ``local_rows``."""
    import datasets

    if spec.local_rows is not None:  # installed files: the same Dataset, so the same seeded sampling
        return datasets.Dataset.from_list(spec.local_rows(spec.splits[split]))
    return datasets.load_dataset(**hub_source(spec), split=spec.splits[split])


def sample_rows(ds, spec: TaskSpec, n_rows: int | None, seed: int) -> list[dict]:
    """Up to about ``n_rows`` rows of ``ds`` in a seeded random order; a larger ``n_rows`` with the same seed
    returns a superset, so ``load_items`` can ask for more.

    Tasks whose items are the candidate answers of one question, one row each (``spec.question_key``),
    are sampled by whole questions: a random cut through a question's rows would leave it without its
    right or its wrong answers, and balancing would then discard it. (The reference code took the first
    N rows, in the file's order: docs/reference_differences.md §8.)
    """
    if spec.question_key is None:
        ds = ds.shuffle(seed=seed)
        if n_rows is not None and n_rows < len(ds):
            ds = ds.select(range(n_rows))
        return ds.to_list()
    questions: dict = {}
    for row in ds.to_list():
        key = spec.question_key(row)
        if key is not None:
            questions.setdefault(key, []).append(row)
    order = list(questions)
    random.Random(f"questions/{seed}").shuffle(order)
    rows: list[dict] = []
    for key in order:
        if n_rows is not None and len(rows) >= n_rows:
            break
        rows += questions[key]
    return rows


def describe_rows(rows: list[dict], max_values: int = 6) -> str:
    """What a batch of rows holds, in one line: its columns and the values of its few-valued columns
    (where an unexpected label encoding shows, e.g. ``label {0: 31, 4: 33}``)."""
    cols = sorted({k for r in rows for k in r})
    parts = [f"columns {', '.join(cols)}"]
    for col in cols:
        values = [r.get(col) for r in rows]
        if all(v is None or isinstance(v, (bool, int, float, str)) for v in values):
            counts = Counter(values)
            if len(counts) <= max_values:
                parts.append(f"{col} {dict(sorted(counts.items(), key=str))}")
    return "; ".join(parts)


def load_items(task: str, split: str, n: int | None, seed: int) -> list[Item]:
    """Up to ``n`` binary items of ``task``'s ``split`` ("train" or "test"), shuffled with ``seed``.

    Each item gets an ``id`` (its position in the returned list) so that predictions can be joined
    back to it. Hub tasks load through ``datasets`` (and its cache); synthetic tasks are generated.
    Rows that arrive but make no item at all (an unexpected label encoding, a split with hidden labels)
    stop with a one-line error that says what the rows held.

    The test split is balanced exactly 50/50 (paper App. A.1: "the test set is balanced, so chance is 50%"),
    not only within the 55% rule that training items follow: ``n`` test items hold ``n // 2`` of each class,
    fewer when the split runs out of one class (then both classes get the rarer one's count).

    ``n`` None or 0 takes every item of a Hub split (a generated task has no size: it needs an ``n``). An
    ``n`` larger than the split holds gives the whole split, once, with a warning that says how many.
    """
    spec = task_spec(task)
    if split not in spec.splits:
        raise ValueError(f"task {task!r} has no split {split!r}; valid: {', '.join(spec.splits)}")
    n = n or None  # 0: all
    if n is None and spec.synthetic:
        raise ValueError(f"task {task!r} is generated and has no fixed size; give a number of items (not 0 or None)")
    rng = random.Random(f"{task}/{split}/{seed}")
    ds = None if spec.synthetic else hub_split(spec, split)
    # Formatters can drop rows (balancing), so ask for more rows until there are n items.
    n_rows = None if n is None else max(2 * n, 64)
    while True:
        rows = spec.generate(n_rows, split, seed) if spec.synthetic else sample_rows(ds, spec, n_rows, seed)
        items = spec.to_binary(rows, random.Random(f"{task}/{split}/{seed}/binary"))
        if rows and not items:
            where = f"{spec.hub_id} split {spec.splits[split]!r}" if spec.hub_id else "offline rows"
            raise ValueError(
                f"task {task!r}, split {split!r} ({where}): {len(rows)} rows made no items; "
                f"they held {describe_rows(rows)}"
            )
        if n is None or _enough(items, n, split) or (not spec.synthetic and len(rows) < n_rows):
            break
        n_rows *= 2
    rng.shuffle(items)
    if split == "test":
        items = balance_exactly(items, n)
    items = items[:n] if n is not None else items
    ran_out = not spec.synthetic and n_rows is not None and len(rows) < n_rows  # the loop read every row
    if ran_out and len(items) < n:
        warnings.warn(
            f"task {task!r}, split {split!r}: asked for {n} items, the split gives {len(items)}; using all of them",
            stacklevel=2,
        )
    return [{**it, "id": i} for i, it in enumerate(items)]


def _enough(items: list[Item], n: int, split: str) -> bool:
    """Whether ``items`` can give ``n`` items: ``n // 2`` of each class for the (balanced) test split."""
    return min(_label_counts(items)) >= n // 2 if split == "test" else len(items) >= n


def _label_counts(items: list[Item]) -> tuple[int, int]:
    n1 = sum(it["hard_label"] for it in items)
    return len(items) - n1, n1


def balance_exactly(items: list[Item], n: int | None = None) -> list[Item]:
    """The first ``k`` items of each class in the given order, ``k = min(n // 2, rarer class's count)``
    (``n=None``: the rarer class's count); the kept items keep their order."""
    k = min(_label_counts(items))
    if n is not None:
        k = min(k, n // 2)
    seen = [0, 0]
    out = []
    for it in items:
        if seen[it["hard_label"]] < k:
            seen[it["hard_label"]] += 1
            out.append(it)
    return out


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
