"""Bootstrapping (paper §4.3.1): each step is labelled by the previous step's model, on fresh data."""

import dataclasses
import shutil

import numpy as np
import pandas as pd
import pytest

from tests.support.settings import FAST
from w2s_lib.cli.main import main
from w2s_lib.core import cache
from w2s_lib.core.results import pgr_table
from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp import protocol, train
from w2s_lib.nlp.protocol import WEAK_LABELS_FILE, RunConfig, prepare_data, run_dir, run_name
from w2s_lib.nlp.results import collect
from w2s_lib.nlp.settings import DataSettings
from w2s_lib.nlp.sweep import plan_bootstrap, plan_sweep, run_plan

CHAIN = ["tiny-1", "tiny-2", "tiny-3"]
OPTS = dict(data=DataSettings(n_train=240, n_test=60), every=ModelSettings(train=FAST))
# run_name of plan_sweep(["synth_sentiment"], CHAIN, ["xent"], [0], **OPTS) since the run keys gained the "nlp"
# code version (w2s_lib.core.runs): an option added later and left at its default must not change them.
NAMES_BEFORE = [
    "weak_tiny-1_xent_s0_dab4f994f5",
    "weak_tiny-2_xent_s0_db07f10c4c",
    "ceiling_tiny-2_xent_s0_74cb90d324",
    "ceiling_tiny-3_xent_s0_96ecc6db7d",
    "w2s_tiny-1-to-tiny-2_xent_s0_04027ff4d7",
    "w2s_tiny-1-to-tiny-3_xent_s0_665701f97b",
    "w2s_tiny-2-to-tiny-3_xent_s0_7f5ef01995",
]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The plan run twice, recording every training call: (train calls per pass, the calls, root, plan)."""
    root = tmp_path_factory.mktemp("bootstrap")
    plan = plan_bootstrap(["synth_sentiment"], CHAIN, ["xent"], [0], naive=True, **OPTS)
    calls, passes = {}, []
    real = train.train_classifier

    def spy(model, tok, texts, labels, *a, desc="", **kw):
        calls[desc] = dict(model=model, tok=tok, texts=list(texts), labels=np.asarray(labels).copy())
        return real(model, tok, texts, labels, *a, desc=desc, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(train, "train_classifier", spy)
        for _ in range(2):
            n0 = len(calls)
            run_plan(plan, root, progress=False)
            passes.append(len(calls) - n0)
    return passes, calls, root, plan


def _steps(plan):
    return [c for c in plan.w2s if c.b_slices > 1]


def _call(calls, cfg):
    return calls[run_name(cfg)[:40]]


def test_plan_has_every_step_and_step0_is_supervised_by_the_gt_half_a_run(ran):
    _, _, _, plan = ran
    s0, s1 = _steps(plan)
    assert (s0.model, s1.model) == ("tiny-2", "tiny-3") and (s0.b_slice, s1.b_slice) == (0, 1)
    assert s0.weak == plan.weak[0] and (s0.weak.labels, s0.weak.half, s0.weak.model) == ("gt", "A", "tiny-1")
    assert s1.weak == s0
    assert RunConfig.from_dict(cache.config_dict(s1)) == s1


def test_slices_are_fresh_data(ran):
    _, _, _, plan = ran
    data = prepare_data(plan.weak[0].data)
    ids = lambda items: {it["id"] for it in items}  # noqa: E731
    groups = lambda items: {it["group"] for it in items}  # noqa: E731
    # item ids number each split on its own, so the test set is kept apart by group (source question)
    sets = [data.test, data.A_train + data.A_val] + [sum(data.b_part(k, 2), []) for k in range(2)]
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            assert not groups(sets[i]) & groups(sets[j]) and (i == 0 or not ids(sets[i]) & ids(sets[j])), (i, j)
    assert ids(sets[2]) | ids(sets[3]) == ids(data.B_train + data.B_val)
    assert all(part for k in range(2) for part in data.b_part(k, 2))


def test_each_step_trains_on_the_previous_models_labels_of_its_own_slice(ran):
    _, calls, root, plan = ran
    s0, s1 = _steps(plan)
    data = prepare_data(s0.data)
    for step in (s0, s1):
        items = data.b_part(step.b_slice, 2)[0]
        got = _call(calls, step)
        assert got["texts"] == [it["txt"] for it in items]
        sup = pd.read_parquet(run_dir(step.weak, root) / WEAK_LABELS_FILE).set_index("id")["p1"]
        np.testing.assert_allclose(got["labels"], sup.loc[[it["id"] for it in items]].to_numpy(), atol=1e-6)
    # step 0's saved labels are its own model's predictions on slice 1 (and on nothing else)
    slice1 = sum(data.b_part(1, 2), [])
    saved = pd.read_parquet(run_dir(s0, root) / WEAK_LABELS_FILE)
    assert saved["id"].tolist() == [it["id"] for it in slice1]
    m = _call(calls, s0)
    p1 = train.predict(m["model"], m["tok"], [it["txt"] for it in slice1], s0.train.max_len, 64)[:, 1]
    np.testing.assert_allclose(saved["p1"].to_numpy(), p1, atol=1e-5)
    m1 = pd.read_parquet(run_dir(s0.weak, root) / WEAK_LABELS_FILE).set_index("id")["p1"]
    assert not np.allclose(_call(calls, s1)["labels"], m1.loc[[it["id"] for it in data.b_part(1, 2)[0]]].to_numpy())
    assert not (run_dir(s1, root) / WEAK_LABELS_FILE).exists()  # the last step labels nothing


def test_rerunning_the_plan_trains_nothing(ran):
    passes, _, _, plan = ran
    assert passes == [len(plan.runs), 0]


def test_default_leaves_existing_run_names_unchanged():
    plan = plan_sweep(["synth_sentiment"], CHAIN, ["xent"], [0], **OPTS)
    assert [run_name(c) for c in plan.runs] == NAMES_BEFORE


def test_collect_measures_steps_against_the_original_supervisor(ran, tmp_path):
    _, _, root, plan = ran
    s0, s1 = _steps(plan)
    # tiny models sit at chance, so give the runs distinct accuracies (in a copy) to tell references apart
    shutil.copytree(root, tmp_path / "r")
    acc = {plan.weak[0]: 0.6, s0: 0.7, s1: 0.75, protocol.ceiling_config(s0): 0.8, protocol.ceiling_config(s1): 0.9}
    for cfg, a in acc.items():
        path = run_dir(cfg, tmp_path / "r") / cache.METRICS_FILE
        cache.write_json(path, {**cache.read_json(path), "test_acc": a})
    df = collect(tmp_path / "r").set_index("run")
    for step, via, want in ((s0, None, 0.5), (s1, "tiny-2", 0.5)):  # (0.7-0.6)/(0.8-0.6), (0.75-0.6)/(0.9-0.6)
        row = df.loc[run_name(step)]
        assert row["weak_model"] == "tiny-1" and row["variant"] == "bootstrap" and row["bootstrap_step"] == step.b_slice
        assert row["via"] == via or (via is None and pd.isna(row["via"]))
        ceiling = acc[protocol.ceiling_config(step)]
        assert (row["weak_acc"], row["strong_acc"], row["pgr"]) == pytest.approx((0.6, ceiling, want))
    table = pgr_table(df.reset_index())
    assert len(table) == 4 and set(table["variant"]) == {"", "bootstrap"}  # naive and bootstrapped apart


@pytest.mark.parametrize(
    "change,message",
    [
        (dict(b_slice=1), "supervised by the weak-to-strong run on b_slice=0"),
        (dict(b_slice=2), "b_slice must be in 0..b_slices-1"),
        (dict(labels="gt", weak=None), "only weak-to-strong runs train on a part of half B"),
    ],
)
def test_bad_steps_raise(change, message):
    s0 = _steps(plan_bootstrap(["synth_sentiment"], CHAIN, ["xent"], [0], **OPTS))[0]
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(s0, **change)


def test_bad_chains_raise():
    s0, s1 = _steps(plan_bootstrap(["synth_sentiment"], CHAIN, ["xent"], [0], **OPTS))
    with pytest.raises(ValueError, match="same b_slices"):
        dataclasses.replace(s1, weak=dataclasses.replace(s0, b_slices=3))
    with pytest.raises(ValueError, match="increasing sizes"):
        dataclasses.replace(s1, model="tiny-1")
    with pytest.raises(ValueError, match="at least 3 different models"):
        plan_bootstrap(["synth_sentiment"], ["tiny-1", "tiny-2"], ["xent"], [0], **OPTS)
    with pytest.raises(ValueError, match="increasing sizes"):
        plan_bootstrap(["synth_sentiment"], ["tiny-3", "tiny-2", "tiny-1"], ["xent"], [0], **OPTS)


@pytest.mark.parametrize(
    "models,message",
    [("tiny-1,tiny-2", "--bootstrap needs a chain of at least 3"), ("tiny-1,gpt3,tiny-3", "unknown model 'gpt3'")],
)
def test_cli_rejects_bad_chains(tmp_path, capsys, models, message):
    out = tmp_path / "out"
    assert main(["sweep", "--bootstrap", "--models", models, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not out.exists()


def test_cli_bootstrap_plans_the_same_runs(ran, tmp_path, capsys, monkeypatch):
    _, _, root, _ = ran
    shutil.copytree(root, tmp_path / "r")
    argv = [
        "sweep",
        "--bootstrap",
        "--tasks",
        "synth_sentiment",
        "--models",
        ",".join(CHAIN),
        "--losses",
        "xent",
        "--seeds",
        "0",
        "--n-train",
        "240",
        "--n-test",
        "60",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--minibatch-size",
        "32",
        "--max-len",
        "32",
        "--quiet",
        "--out",
        str(tmp_path / "r"),
    ]

    def no_training(cfg, *a, **kw):
        raise AssertionError(f"the CLI planned a run the library's plan does not have: {run_name(cfg)}")

    monkeypatch.setattr(protocol, "_train_run", no_training)
    assert main(argv) == 0
    assert "bootstrap" in capsys.readouterr().out
