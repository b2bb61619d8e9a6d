import random

import pytest

from w2s_lib.data import TASKS, load_items, split_halves
from w2s_lib.data.load import drop_groups
from w2s_lib.data.spec import balance_choices, item, rebalance
from w2s_lib.nlp.protocol import DataConfig, prepare_data


def test_rebalance_drops_majority_items_to_50_50_only_above_55_percent():
    items = [item(f"t{i}", i < 70, f"g{i}") for i in range(100)]  # 70% positive
    out = rebalance(items, random.Random(0))
    assert sum(it["hard_label"] for it in out) == 30 and len(out) == 60
    assert all(it in items for it in out)
    # kept items keep their order
    assert [items.index(it) for it in out] == sorted(items.index(it) for it in out)
    ok = [item(f"t{i}", i < 55, f"g{i}") for i in range(100)]  # 55% is allowed
    assert rebalance(ok, random.Random(0)) == ok


def test_balance_choices_keeps_one_right_and_one_wrong_answer():
    q = [item("a", 1, "q"), item("b", 0, "q"), item("c", 0, "q"), item("d", 0, "q")]
    out = balance_choices(q, random.Random(0))
    assert sorted(it["hard_label"] for it in out) == [0, 1]
    assert balance_choices([item("a", 0, "q")], random.Random(0)) == []


def test_split_halves_never_splits_a_group_and_balances_sizes():
    rng = random.Random(0)
    items = [item(f"{g}-{k}", rng.random() < 0.5, f"g{g}") for g in range(200) for k in range(rng.randint(1, 4))]
    a, b = split_halves(items, seed=3)
    assert len(a) + len(b) == len(items)
    assert {it["group"] for it in a}.isdisjoint({it["group"] for it in b})
    assert abs(len(a) - len(b)) <= 4
    val, rest = split_halves(a, seed=4, frac=0.1)
    assert abs(len(val) - 0.1 * len(a)) <= 4
    assert split_halves(items, seed=3) == (a, b)  # deterministic
    assert split_halves(items, seed=5) != (a, b)


def test_synthetic_tasks_are_offline_balanced_and_seeded():
    for name in ("synth_sentiment", "synth_keyword"):
        assert TASKS[name].synthetic and TASKS[name].hub_id is None
        x = load_items(name, "train", 300, seed=0)
        assert len(x) == 300 and [it["id"] for it in x] == list(range(300))
        assert 0.45 <= sum(it["hard_label"] for it in x) / 300 <= 0.55
        assert x == load_items(name, "train", 300, seed=0)
        assert x != load_items(name, "train", 300, seed=1)


def test_synth_sentiment_label_follows_negation():
    rows = [{"review": "the food was not good", "label": 0}, {"review": "superb", "label": 1}]
    it, _ = TASKS["synth_sentiment"].to_binary(rows, random.Random(0))
    assert it["txt"] == "Review: the food was not good\nPositive:" and it["hard_label"] == 0
    gen = TASKS["synth_sentiment"].generate(500, "train", 0)
    from w2s_lib.data.synthetic import MILD_NEGATIVE, MILD_POSITIVE, STRONG_NEGATIVE, STRONG_POSITIVE

    for r in gen:
        words = r["review"].split()
        strong = [w for w in words if w in STRONG_POSITIVE + STRONG_NEGATIVE]
        if strong:
            assert r["label"] == (strong[0] in STRONG_POSITIVE)
        else:
            (i,) = [i for i, w in enumerate(words) if w in MILD_POSITIVE + MILD_NEGATIVE]
            negated = i > 0 and words[i - 1] == "not"
            assert r["label"] == ((words[i] in MILD_POSITIVE) != negated)


def test_prepare_data_halves_and_test_are_disjoint_by_group():
    s = prepare_data(DataConfig(task="synth_sentiment", n_train=600, n_test=200, seed=0))
    parts = [s.test, s.A_train, s.A_val, s.B_train, s.B_val]
    groups = [{it["group"] for it in p} for p in parts]
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            assert groups[i].isdisjoint(groups[j]), (i, j)
    assert all(len(p) > 0 for p in parts)
    assert abs(len(s.A_train + s.A_val) - len(s.B_train + s.B_val)) <= 2


def test_drop_groups_removes_shared_groups():
    a = [item("x", 1, "g1"), item("y", 0, "g2")]
    assert drop_groups(a, [item("z", 1, "g2")]) == [a[0]]


def test_unknown_task_names_the_valid_ones():
    with pytest.raises(ValueError, match="valid: .*synth_sentiment"):
        load_items("nope", "train", 10, 0)


def test_test_sets_are_balanced_exactly(monkeypatch):
    """App. A.1: the test set is balanced, chance is 50%. A 54/46 source passes the 55% rule, so before
    exact balancing its test items stayed 54/46."""
    import dataclasses

    from w2s_lib.data import TASKS as tasks
    from w2s_lib.data.spec import item

    def generate(n, split, seed):
        return [{"i": i} for i in range(n)]

    def to_binary(rows, rng):
        return [item(f"text {r['i']}", r["i"] % 50 < 27, f"g{r['i']}") for r in rows]  # 54% ones

    spec = dataclasses.replace(TASKS["synth_sentiment"], name="lopsided", generate=generate, to_binary=to_binary)
    monkeypatch.setitem(tasks, "lopsided", spec)
    test = load_items("lopsided", "test", 101, seed=0)
    assert len(test) == 100 and sum(it["hard_label"] for it in test) == 50
    assert [it["id"] for it in test] == list(range(100))
    train = load_items("lopsided", "train", 100, seed=0)
    assert len(train) == 100 and sum(it["hard_label"] for it in train) != 50  # training keeps the 55% rule only
