"""Sweeps as independent jobs through submitit (its local executor: one process per job)."""

from __future__ import annotations

import pytest

from w2s_lib.cli.main import main
from w2s_lib.core import cache, runs
from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp.launch import make_executor, stages, submit_runs
from w2s_lib.nlp.protocol import NlpRun, run_dir, run_or_load
from w2s_lib.nlp.results import collect
from w2s_lib.nlp.settings import DataSettings
from w2s_lib.nlp.sweep import plan_sweep

pytest.importorskip("submitit")

TRAIN_KW = dict(epochs=1.0, batch_size=16, minibatch_size=16, max_len=32)
ARGS = [
    "sweep",
    "--tasks",
    "synth_sentiment",
    "--models",
    "tiny-1,tiny-2",
    "--losses",
    "xent",
    "--seeds",
    "0",
    "--n-train",
    "80",
    "--n-test",
    "40",
    "--epochs",
    "1",
    "--quiet",
]


def _plan():
    data, every = DataSettings(n_train=80, n_test=40), ModelSettings(train=TRAIN_KW)
    return plan_sweep(["synth_sentiment"], ["tiny-1", "tiny-2"], ["xent"], [0], data=data, every=every)


def _stages(configs, root):
    return [[r.config for r in stage] for stage in stages([NlpRun(c, root) for c in configs])]


def test_stages_order_supervisors_before_students_and_skip_finished(tmp_path):
    plan = _plan()
    assert _stages(plan.runs, tmp_path) == [plan.weak + plan.ceilings, plan.w2s]
    run_or_load(plan.weak[0], tmp_path, progress=False)
    # the supervisor is cached: the student no longer waits for anything
    assert _stages(plan.runs, tmp_path) == [plan.ceilings + plan.w2s]
    # a student alone still brings its unfinished supervisor along
    assert _stages(plan.w2s, tmp_path / "empty") == [plan.weak, plan.w2s]
    # a finished run whose data changed since (its recorded fingerprint differs) is submitted again
    folder = run_dir(plan.weak[0], tmp_path)
    record = cache.read_json(folder / cache.CONFIG_FILE)
    cache.write_json(folder / cache.CONFIG_FILE, {**record, runs.KEY_FIELD: {**record[runs.KEY_FIELD], "data": "old"}})
    with pytest.warns(UserWarning, match="its data changed"):
        assert _stages(plan.runs, tmp_path) == [plan.weak + plan.ceilings, plan.w2s]


def test_stages_bring_generative_finetuning_first(tmp_path):
    # a student with generative finetuning reads a genft run as well as its supervisor (the walk once missed it)
    data, every = DataSettings(n_train=80, n_test=40), ModelSettings(train=TRAIN_KW)
    plan = plan_sweep(
        ["synth_sentiment"], ["tiny-1", "tiny-2"], ["xent"], [0], data=data, every=every, genft_epochs=1.0
    )
    first, second = stages([NlpRun(c, tmp_path) for c in plan.w2s])
    assert sorted(r.kind for r in first) == ["genft", "nlp"] and [r.config for r in second] == plan.w2s


@pytest.mark.slow
def test_submitit_local_sweep_resumes_and_matches_inline(tmp_path, capsys):
    inline, jobs = tmp_path / "inline", tmp_path / "jobs"
    assert main([*ARGS, "--out", str(inline)]) == 0
    # a partly finished sweep: the supervisor is already in the cache
    run_or_load(_plan().weak[0], jobs, progress=False)
    assert main([*ARGS, "--out", str(jobs), "--launcher", "submitit", "--cluster", "local"]) == 0
    assert "2 jobs ran" in capsys.readouterr().err
    a = collect(inline).set_index("run").sort_index()
    b = collect(jobs).set_index("run").sort_index()
    assert list(a.index) == list(b.index)
    assert (a["test_acc"] == b["test_acc"]).all()  # CPU training is deterministic
    # nothing left to do: a rerun submits no job
    assert main([*ARGS, "--out", str(jobs), "--launcher", "submitit", "--cluster", "local"]) == 0
    assert "0 jobs ran" in capsys.readouterr().err


def test_failed_job_is_reported_and_later_stages_are_not_submitted(tmp_path):
    import dataclasses

    plan = _plan()
    broken = dataclasses.replace(plan.weak[0], model="no-such-owner/no-such-model")
    student = dataclasses.replace(plan.w2s[0], weak=broken)
    ex = make_executor(tmp_path / "jobs", cluster="debug")
    with pytest.raises(RuntimeError, match="1 job\\(s\\) failed in stage 1"):
        submit_runs([broken, student], tmp_path, ex, progress=False)
    assert not run_dir(student, tmp_path).exists()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--launcher", "slurmx"], "unknown launcher 'slurmx'; valid: inline, submitit"),
        (["--launcher", "submitit", "--cluster", "aws"], "unknown cluster 'aws'; valid: auto, slurm, local, debug"),
        (["--launcher", "submitit", "--force"], "--force is not supported with --launcher submitit"),
        (["--launcher", "submitit", "--timeout-min", "0"], "--timeout-min must be positive"),
    ],
)
def test_launcher_usage_errors(tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    assert main([*ARGS, "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()
