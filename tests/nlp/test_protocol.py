"""The protocol end to end on tiny offline models: cache, resume after a kill, checkpoints, results."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from tests.support.settings import FAST
from w2s_lib.core import cache
from w2s_lib.models.classifier import load_classifier
from w2s_lib.models.loading import load_tokenizer
from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp.protocol import RunConfig, prepare_data, run_dir, run_or_load
from w2s_lib.nlp.results import collect
from w2s_lib.nlp.settings import DataSettings
from w2s_lib.nlp.sweep import plan_sweep, run_sweep
from w2s_lib.nlp.train import predict

SMALL = DataSettings(n_train=400, n_test=100)


def _plan(**kw):
    args = dict(tasks=["synth_keyword"], models=["tiny-1", "tiny-2"], losses=["xent", "logconf"], seeds=[0])
    args.update(kw)
    return plan_sweep(
        args.pop("tasks"),
        args.pop("models"),
        args.pop("losses"),
        args.pop("seeds"),
        **{"data": SMALL, "every": ModelSettings(train=FAST), **args},
    )


def test_plan_has_supervisors_ceilings_and_every_pair():
    plan = _plan(models=["tiny-3", "tiny-1", "tiny-2"])  # ordered by size whatever the input order
    assert [(r.weak.model, r.model, r.train.loss) for r in plan.w2s] == [
        (w, s, loss)
        for w, s in [("tiny-1", "tiny-2"), ("tiny-1", "tiny-3"), ("tiny-2", "tiny-3")]
        for loss in ("xent", "logconf")
    ]
    assert {(r.model, r.half, r.labels) for r in plan.weak} == {("tiny-1", "A", "gt"), ("tiny-2", "A", "gt")}
    assert {(r.model, r.half) for r in plan.ceilings} == {("tiny-2", "B"), ("tiny-3", "B")}
    for r in plan.w2s:  # the student is trained like its ceiling except for labels and loss
        ceiling = next(c for c in plan.ceilings if c.model == r.model)
        assert (r.train.lr, r.train.epochs, r.data) == (ceiling.train.lr, ceiling.train.epochs, ceiling.data)


def test_run_names_are_readable_and_hash_the_whole_config():
    plan = _plan()
    names = [run_dir(c, "/r").name for c in plan.runs]
    assert len(set(names)) == len(names)
    assert names[0].startswith("weak_tiny-1_xent_s0_")
    w2s = [n for n in names if n.startswith("w2s_tiny-1-to-tiny-2_logconf_s0_")]
    assert len(w2s) == 1


def test_sweep_end_to_end_and_cache_reuse(tmp_path):
    plan = _plan(tasks=["synth_keyword"])
    df = run_sweep(plan, tmp_path, progress=False)
    assert len(df) == len(plan.runs) == 4  # 1 supervisor, 1 ceiling, 2 losses
    w2s = df[df.role == "w2s"]
    assert w2s["weak_acc"].notna().all() and w2s["strong_acc"].notna().all()
    for _, row in w2s.iterrows():
        if row["strong_acc"] > row["weak_acc"]:
            gap = row["strong_acc"] - row["weak_acc"]
            assert row["pgr"] == pytest.approx((row["test_acc"] - row["weak_acc"]) / gap)
        else:
            assert np.isnan(row["pgr"])
    # the weak and strong accuracies are those of the supervisor's and the ceiling's own runs
    by_role = {r: df[df.role == r].iloc[0] for r in ("weak", "ceiling")}
    assert (w2s["weak_acc"] == by_role["weak"]["test_acc"]).all()
    assert (w2s["strong_acc"] == by_role["ceiling"]["test_acc"]).all()
    for d in cache.iter_runs(tmp_path):
        assert {p.name for p in d.iterdir()} >= {
            "config.json",
            "metrics.json",
            "history.json",
            "test_predictions.parquet",
        }
        assert not list(d.rglob("*.pkl")) and not list(d.rglob("*.bin"))
    # weak labels on half B come from the supervisor, and cover exactly half B
    sup = plan.weak[0]
    labels = pd.read_parquet(run_dir(sup, tmp_path) / "weak_labels.parquet")
    s = prepare_data(sup.data)
    assert sorted(labels["id"]) == sorted(it["id"] for it in s.B_train + s.B_val)
    # a second sweep trains nothing: every metrics file keeps its modification time
    stamps = {d: (d / "metrics.json").stat().st_mtime_ns for d in cache.iter_runs(tmp_path)}
    df2 = run_sweep(plan, tmp_path, progress=False)
    assert stamps == {d: (d / "metrics.json").stat().st_mtime_ns for d in cache.iter_runs(tmp_path)}
    pd.testing.assert_frame_equal(df, df2)
    # force retrains, deterministically
    first = plan.ceilings[0]
    before = cache.read_json(run_dir(first, tmp_path) / "metrics.json")
    after = run_or_load(first, tmp_path, force=True, progress=False)
    assert (run_dir(first, tmp_path) / "metrics.json").stat().st_mtime_ns != stamps[run_dir(first, tmp_path)]
    assert {k: v for k, v in after.items() if k != "seconds"} == {k: v for k, v in before.items() if k != "seconds"}


@pytest.mark.slow
def test_tiny_sweep_ceiling_beats_weak(tmp_path):
    """On the graded synthetic task the 2-layer model trained on ground truth beats the 1-layer one."""
    from w2s_lib.cli.presets import PRESETS

    smoke = PRESETS["smoke"]
    plan = plan_sweep(
        ["synth_sentiment"],
        ["tiny-1", "tiny-2"],
        ["xent"],
        [0],
        data=DataSettings(n_train=smoke["n_train"], n_test=smoke["n_test"]),
        every=ModelSettings(train={k: smoke[k] for k in ("epochs", "batch_size", "minibatch_size", "max_len")}),
    )
    df = run_sweep(plan, tmp_path, progress=False)
    row = df[df.role == "w2s"].iloc[0]
    assert row["strong_acc"] > row["weak_acc"] + 0.03, row[["weak_acc", "strong_acc"]]


def test_checkpoint_reload_reproduces_saved_predictions(tmp_path):
    cfg = _plan().weak[0]
    run_or_load(cfg, tmp_path, checkpoint=True, progress=False)
    d = run_dir(cfg, tmp_path)
    model = load_classifier(d / "checkpoint")
    tok = load_tokenizer(str(d / "checkpoint" / "tokenizer"))
    saved = pd.read_parquet(d / "test_predictions.parquet")
    test = prepare_data(cfg.data).test
    assert saved["id"].tolist() == [it["id"] for it in test]
    p1 = predict(model, tok, [it["txt"] for it in test], max_len=cfg.train.max_len)[:, 1]
    np.testing.assert_allclose(p1, saved["p1"].to_numpy(), atol=1e-5)
    assert np.abs(saved["p1"].to_numpy() - 0.5).max() > 1e-3  # a trained head, not the zero init


def test_a_failed_run_leaves_nothing_behind(tmp_path, monkeypatch):
    cfg = _plan().weak[0]

    def boom(*a, **k):
        raise RuntimeError("killed")

    monkeypatch.setattr("w2s_lib.nlp.train.train_classifier", boom)
    with pytest.raises(RuntimeError):
        run_or_load(cfg, tmp_path, progress=False)
    assert list(tmp_path.rglob("*")) == [tmp_path / "synth_keyword"]


SWEEP_ARGS = [
    "sweep",
    "--tasks",
    "synth_keyword",
    "--models",
    "tiny-1,tiny-2,tiny-3",
    "--losses",
    "xent",
    "--n-train",
    "400",
    "--n-test",
    "100",
    "--epochs",
    "1",
    "--max-len",
    "32",
    "--quiet",
]


def _w2s(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "w2s_lib.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "W2S_PROGRESS": "0"},
    )


@pytest.mark.slow
def test_kill_midway_then_resume(tmp_path):
    """SIGKILL a sweep after two runs finished; the rerun trains only the rest, and the results equal
    those of an uninterrupted sweep."""
    out = tmp_path / "killed"
    proc = _w2s(*SWEEP_ARGS, "--out", str(out))
    deadline = time.time() + 120
    while (len(list(cache.iter_runs(out))) if out.exists() else 0) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {d: (d / "metrics.json").stat().st_mtime_ns for d in cache.iter_runs(out)}
    assert 2 <= len(finished) < 7
    for d in finished:  # every published run is complete
        assert {"config.json", "metrics.json", "history.json", "test_predictions.parquet"} <= {
            p.name for p in d.iterdir()
        }
    proc = _w2s(*SWEEP_ARGS, "--out", str(out))
    assert proc.wait() == 0, proc.communicate()
    assert {d: (d / "metrics.json").stat().st_mtime_ns for d in finished} == finished  # not retrained
    assert not list(out.rglob(".tmp-*"))  # the killed run's temporary folder is gone
    clean = tmp_path / "clean"
    assert _w2s(*SWEEP_ARGS, "--out", str(clean)).wait() == 0
    a, b = collect(out), collect(clean)
    assert len(a) == len(b) == 7
    drop = ["seconds", "dir"]
    pd.testing.assert_frame_equal(a.drop(columns=drop), b.drop(columns=drop))


def test_config_round_trips_through_json(tmp_path):
    cfg = _plan().w2s[1]
    again = RunConfig.from_dict(json.loads(json.dumps(cache.config_dict(cfg))))
    assert again == cfg and cache.config_hash(again) == cache.config_hash(cfg)
