"""The learning-rate sweep chooses on ground-truth validation accuracy, never on test accuracy."""

from __future__ import annotations

import pandas as pd
import pytest

from w2s_lib.models.settings import ModelSettings
from w2s_lib.nlp import lr_sweep
from w2s_lib.nlp.protocol import run_dir
from w2s_lib.nlp.settings import DataSettings
from w2s_lib.nlp.sweep import plan_sweep

TRAIN_KW = dict(epochs=1.0, batch_size=16, minibatch_size=16, max_len=32, select="last")
DATA_KW = dict(n_train=160, n_test=40)
SMALL = dict(data=DataSettings(**DATA_KW), every=ModelSettings(train=TRAIN_KW))


def _table(rows):
    return pd.DataFrame(rows, columns=["model", "lr", "half", "val_acc", "test_acc"])


def test_choice_follows_validation_where_test_disagrees():
    """m: rate 1e-4 is best on validation (mean 0.71), 3e-4 on test (0.80): 1e-4 is chosen. Changing
    every test accuracy changes nothing."""
    table = _table(
        [
            ("m", 1e-4, "A", 0.70, 0.60),
            ("m", 1e-4, "B", 0.72, 0.61),
            ("m", 3e-4, "A", 0.66, 0.80),
            ("m", 3e-4, "B", 0.64, 0.79),
            ("big", 1e-5, "A", 0.60, 0.90),
            ("big", 1e-5, "B", 0.62, 0.90),
            ("big", 3e-5, "A", 0.63, 0.50),
            ("big", 3e-5, "B", 0.63, 0.50),
        ]
    )
    assert lr_sweep.choose_lr(table) == {"m": 1e-4, "big": 3e-5}
    assert lr_sweep.choose_lr(table.assign(test_acc=1 - table["test_acc"])) == {"m": 1e-4, "big": 3e-5}
    summary = lr_sweep.summary(table)
    assert summary.loc[summary["chosen"], ["model", "lr"]].values.tolist() == [["m", 1e-4], ["big", 3e-5]]


def test_ties_go_to_the_smaller_rate():
    table = _table([("m", 3e-4, "A", 0.7, 0.5), ("m", 1e-4, "A", 0.7, 0.9), ("m", 1e-3, "A", 0.6, 0.9)])
    assert lr_sweep.choose_lr(table) == {"m": 1e-4}


def test_candidate_rates_scale_the_base_rate():
    assert lr_sweep.candidate_rates(1.3e-4) == [3.25e-5, 6.5e-5, 1.3e-4, 2.6e-4, 5.2e-4]
    assert lr_sweep.candidate_rates(5e-5, (1, 2.6220)) == [5e-5, 1.31e-4]


def test_the_chosen_rates_runs_are_the_sweeps_supervisors_and_ceilings():
    """At a rate, the sweep's two runs per model are the configs plan_sweep gives with that rate, so the
    notebooks find them in the cache."""
    models, lr = ["tiny-1", "tiny-2"], {"tiny-1": 3e-3, "tiny-2": 1e-3}
    data, every = DataSettings(**DATA_KW), ModelSettings(head_init="unembed01", train=TRAIN_KW)
    configs = lr_sweep.sweep_configs(
        ["synth_prefs"], models, [0], {m: [r] for m, r in lr.items()}, data=data, every=every
    )
    per_model = {m: ModelSettings(lr=r) for m, r in lr.items()}
    plan = plan_sweep(["synth_prefs"], models, ["xent"], [0], data=data, every=every, per_model=per_model)
    planned = {(c.model, c.half): c for c in plan.weak + plan.ceilings}
    assert len(configs) == 4 and all(c.labels == "gt" for c in configs)
    assert {c for c in configs if (c.model, c.half) in planned} == set(planned.values())
    with pytest.raises(ValueError, match="no candidate rates for tiny-2"):
        lr_sweep.sweep_configs(["synth_prefs"], models, [0], {"tiny-1": [1e-3]}, data=data)


@pytest.mark.slow
def test_tiny_sweep_scores_validation_and_the_command_reuses_its_runs(tmp_path, capsys, monkeypatch):
    import yaml

    from w2s_lib.core import cache
    from w2s_lib.nlp import protocol

    lrs = {"tiny-1": [1e-5, 3e-3]}
    table, chosen = lr_sweep.lr_sweep(tmp_path, ["synth_prefs"], ["tiny-1"], [0], lrs, progress=False, **SMALL)
    assert len(table) == 4 and set(table["half"]) == {"A", "B"}
    for row in table.itertuples():  # the score is the kept (final) model's accuracy on its ground-truth slice
        run = next(
            c
            for c in lr_sweep.sweep_configs(["synth_prefs"], ["tiny-1"], [0], lrs, **SMALL)
            if c.half == row.half and c.train.lr == row.lr
        )
        history = cache.read_json(run_dir(run, tmp_path) / "history.json")
        assert row.val_acc == history[-1]["val_acc"] and row.n_steps == history[-1]["step"]
    means = table.groupby("lr")["val_acc"].mean()
    assert chosen == {"tiny-1": float(means.idxmax())}

    # the command reads a notebook preset and finds every run in the cache
    preset = tmp_path / "preset.yaml"
    settings = {k: v for k, v in TRAIN_KW.items() if k != "select"}
    preset.write_text(
        yaml.safe_dump(
            dict(
                tasks=["synth_prefs"],
                models=["tiny-1"],
                seeds=[0, 1],
                select="last",
                train_kw={},
                **settings,
                **DATA_KW,
            )
        )
    )
    monkeypatch.setattr(protocol, "_train_run", lambda *a, **k: pytest.fail("trained again"))
    assert lr_sweep.main([str(preset), "--out", str(tmp_path), "--lrs", "1e-5,3e-3", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"lr: {{tiny-1: {chosen['tiny-1']:.3g}}}" in out and "val_acc" in out
