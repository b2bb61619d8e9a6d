"""Every Hub task loads through the real ``datasets.load_dataset`` from its repository's real layout.

``tests/support/hub_layouts.py`` rebuilds each repository (per branch) on disk and routes the specs' Hub ids to it,
so config resolution, script refusal and split patterns are datasets' own. The datasets cache lives under
the session's temporary HF_HOME (tests/conftest.py), so no run sees rows of an earlier layout.
"""

from __future__ import annotations

import random
import re

import pytest

from tests.support.hub_layouts import EXPORT, REPOS, route_hub, split_marker
from w2s_lib.data import TASKS, load_items
from w2s_lib.data.load import hub_source, sample_rows

HUB_TASKS = sorted(name for name, spec in TASKS.items() if spec.hub_id)


def _texts(item) -> str:
    return " ".join(item["txt"]) if isinstance(item["txt"], tuple) else item["txt"]


def test_every_hub_task_has_a_rebuilt_repository():
    rebuilt = {hub_id for hub_id, _ in REPOS}
    assert {TASKS[t].hub_id for t in HUB_TASKS} <= rebuilt
    assert len(HUB_TASKS) == 26  # the paper's 22, amazon_polarity, anthropic_hh and the two hh-rlhf subsets


@pytest.mark.parametrize("split", ["train", "test"])
@pytest.mark.parametrize("task", HUB_TASKS)
def test_task_loads_from_its_real_layout(task, split, hub):
    spec = TASKS[task]
    items = load_items(task, split, n=6, seed=0)
    assert len(items) >= 2, f"{task} {split}: {len(items)} items"
    assert {it["hard_label"] for it in items} == {0, 1}
    # every item comes from the Hub split the spec maps ours to (the rows' texts name it)
    marker = re.compile(rf"\b{re.escape(split_marker(spec.hub_id, spec.splits[split]))}\b")
    assert all(marker.search(_texts(it)) for it in items), [_texts(it)[:80] for it in items]
    assert hub[-1] == (spec.hub_id, spec.revision, spec.config, spec.data_dir)


def test_ethics_test_set_is_the_normal_test_csv_not_test_hard(hub):
    for task in ("ethics_justice", "ethics_deontology", "ethics_virtue", "ethics_utilitarianism"):
        texts = " ".join(_texts(it) for it in load_items(task, "test", n=None, seed=0))
        assert re.search(r"\btest\b", texts) and "test_hard" not in texts and "train" not in texts


def test_a_config_the_export_does_not_have_fails(hub):
    """What today's loaders met: the export has no README, so its only config is 'default'."""
    import datasets

    for hub_id, config in (
        ("dataset-org/dream", "plain_text"),
        ("hendrycks/ethics", "justice"),
        ("aps/super_glue", "multirc"),
    ):
        with pytest.raises(ValueError, match=f"BuilderConfig '{config}' not found. Available: \\['default'\\]"):
            datasets.load_dataset(hub_id, config, split="train", revision=EXPORT)


def test_a_script_only_main_branch_is_refused(hub):
    import datasets

    for hub_id in (
        "dataset-org/dream",
        "hendrycks/ethics",
        "CogComp/mc_taco",
        "ybisk/piqa",
        "allenai/social_i_qa",
        "allenai/cosmos_qa",
    ):
        with pytest.raises(RuntimeError, match="Dataset scripts are no longer supported"):
            datasets.load_dataset(hub_id, split="train")


def test_several_configs_in_one_export_need_data_dir(hub):
    import datasets

    rows = datasets.load_dataset("hendrycks/ethics", split="train", revision=EXPORT, data_dir="virtue")
    assert set(rows.column_names) == {"label", "scenario"}
    with pytest.raises(Exception):  # noqa: B017 - datasets raises a cast error of its own making
        datasets.load_dataset("hendrycks/ethics", split="train", revision=EXPORT)


def test_a_wrong_repository_fails_like_the_hub(hub):
    import datasets

    with pytest.raises(FileNotFoundError, match="not a repository"):
        datasets.load_dataset("nobody/nothing", split="train")


def test_hub_source_is_what_load_items_calls(hub):
    load_items("multirc", "test", n=4, seed=0)
    src = hub_source(TASKS["multirc"])
    assert hub[-1] == (src["path"], src["revision"], src["name"], src.get("data_dir"))


# ---------------------------------------------------------------------------- no silent empties


def test_rows_that_make_no_items_stop_with_one_line(monkeypatch, tmp_path):
    """Sentiment140-style labels (0/4) make no 0/1 items: say so, instead of returning []."""
    from tests.support.hub_layouts import _parquet, _readme, _text, branch_folder

    repo = branch_folder(tmp_path, "EleutherAI/twitter-sentiment", None)
    for split in ("train", "test"):
        _parquet(
            repo / "data" / f"{split}-00000-of-00001.parquet",
            [{"text": f"tweet {i}", "label": 4 * (i % 2)} for i in range(40)],
        )
    _text(repo / "README.md", _readme({"default": {"train": "data/train-*", "test": "data/test-*"}}))
    route_hub(monkeypatch, tmp_path)
    with pytest.raises(ValueError) as e:
        load_items("twitter_sentiment", "train", n=10, seed=0)
    msg = str(e.value)
    assert "\n" not in msg and "twitter_sentiment" in msg and "'train'" in msg and "label {0: 20, 4: 20}" in msg


# ---------------------------------------------------------------------------- whole questions


def test_grouped_tasks_sample_whole_questions():
    import datasets

    rows = [
        {"paragraph": f"p{i // 9}", "question": f"q{i // 3}", "answer": f"a{i}", "label": int(i % 3 == 0)}
        for i in range(300)
    ]
    ds = datasets.Dataset.from_list(rows)
    spec = TASKS["multirc"]
    got = sample_rows(ds, spec, n_rows=20, seed=0)
    questions = {spec.question_key(r) for r in got}
    assert 20 <= len(got) < 23 and len(got) == 3 * len(questions)  # complete questions only
    assert got != sample_rows(ds, spec, n_rows=20, seed=1)
    bigger = sample_rows(ds, spec, n_rows=40, seed=0)
    assert got == bigger[: len(got)]  # asking for more extends the sample


@pytest.mark.parametrize("task", ["multirc", "mc_taco", "ethics_virtue"])
def test_grouped_tasks_keep_their_questions(task, hub_root, monkeypatch):
    """Row sampling cut questions apart, and balancing then dropped most of them; whole questions survive."""
    import dataclasses

    import datasets

    route_hub(monkeypatch, hub_root)
    spec = TASKS[task]
    assert spec.question_key is not None
    ds = datasets.load_dataset(**hub_source(spec), split=spec.splits["train"])
    whole = sample_rows(ds, spec, n_rows=len(ds) // 2, seed=0)
    questions = {spec.question_key(r) for r in whole}
    assert len(spec.to_binary(whole, random.Random(0))) == 2 * len(questions)  # every question kept
    cut = sample_rows(ds, dataclasses.replace(spec, question_key=None), n_rows=len(ds) // 2, seed=0)
    assert len(spec.to_binary(cut, random.Random(0))) < 2 * len(questions)


def test_ungrouped_sampling_is_a_seeded_prefix():
    import datasets

    ds = datasets.Dataset.from_list([{"x": i} for i in range(100)])
    spec = TASKS["sst2"]
    a, b = sample_rows(ds, spec, 10, 0), sample_rows(ds, spec, 20, 0)
    assert a == b[:10] and a != sample_rows(ds, spec, 10, 1) and a != [{"x": i} for i in range(10)]


# ---------------------------------------------------------------------------- chess sources


def test_lichess_puzzles_join_their_ratings(hub):
    from w2s_lib.chess.data import load_puzzles

    puzzles = load_puzzles("lichess", 5, seed=0)
    assert len(puzzles) == 5
    for p in puzzles:
        assert p["target"].startswith(" ") and p["elo"] == 800 + 100 * int(p["id"][2:])
