"""The entry points' configuration objects (``models.settings``, ``nlp.settings``): one way to say how a model
trains, checked when made, with one-line errors that name the valid choices.
Planning loads no model, so these tests are fast."""

from __future__ import annotations

import re

import pytest

from w2s_lib.chess import protocol as cp
from w2s_lib.models.presets import default_lr
from w2s_lib.models.settings import ModelSettings, check_per_model, per_model_lr
from w2s_lib.nlp.settings import DataSettings, PromptSettings
from w2s_lib.nlp.sweep import plan_sweep

MODELS = ["tiny-1", "tiny-2", "tiny-3"]


def test_a_probe_at_lr_1e3_for_one_model_and_every_other_setting_from_every():
    every = ModelSettings(head_init="unembed01", train=dict(epochs=2.0, batch_size=16, minibatch_size=8))
    per_model = {"tiny-3": ModelSettings(linear_probe=True, lr=1e-3, train={"epochs": 20.0})}
    plan = plan_sweep(["synth_sentiment"], MODELS, ["xent"], [0], data=DataSettings(400, 100), every=every,
                      per_model=per_model)  # fmt: skip
    for run in plan.runs:
        probe = run.model == "tiny-3"
        assert (run.linear_probe, run.head_init, run.data.n_train, run.data.n_test) == (probe, "unembed01", 400, 100)
        assert (run.train.batch_size, run.train.minibatch_size) == (16, 8)
        assert run.train.epochs == (20.0 if probe else 2.0)  # a model's train keys win one by one
        assert run.train.lr == (1e-3 if probe else default_lr(run.model))  # unset: the model's preset rate


def test_overrides_take_only_the_fields_they_set():
    every = ModelSettings(lr=1e-4, lora_r=8, train={"epochs": 2.0, "max_len": 64})
    got = every.overridden_by(ModelSettings(linear_probe=True, train={"epochs": 5.0}))
    assert got == ModelSettings(lr=1e-4, linear_probe=True, lora_r=8, train={"epochs": 5.0, "max_len": 64})
    assert every.overridden_by(None) is every
    assert ModelSettings(lr=1e-4).train_config("tiny-1", seed=3).lr == 1e-4
    assert ModelSettings().train_config("gpt2", seed=3).seed == 3


@pytest.mark.parametrize(
    "kw,message",
    [
        (dict(lr=0), "lr must be a finite number > 0"),
        (dict(lr="1e-3"), "lr must be a finite number > 0"),
        (dict(linear_probe=1), "linear_probe must be True, False or None, got 1"),
        (dict(lora_r=-1), "lora_r must be an integer >= 0 (0: full finetuning), got -1"),
        (dict(head_init="ones"), "unknown head_init 'ones'; valid: zeros, unembed01"),
        (dict(alpha_max=2.0), "alpha_max must lie in [0, 1], got 2.0"),
        (dict(train={"epochz": 2}), "unknown TrainConfig setting 'epochz'; valid: epochs, batch_size,"),
        (dict(train={"lr": 1e-3}), "ModelSettings.train cannot set 'lr': give it as ModelSettings(lr=...)"),
        (dict(train={"seed": 1}), "ModelSettings.train cannot set 'seed'"),
        (dict(train=[("epochs", 2)]), "train must be a mapping of TrainConfig settings"),
    ],
)
def test_bad_model_settings_fail_in_one_line_naming_the_choices(kw, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)) as e:
        ModelSettings(**kw)
    assert "\n" not in str(e.value)


def test_bad_data_prompt_and_per_model_settings():
    with pytest.raises(ValueError, match=r"^n_train \(items before halving\) must be an integer >= 0"):
        DataSettings(n_train=-1)
    with pytest.raises(ValueError, match=r"^val_frac .* must lie in \(0, 1\)"):
        DataSettings(val_frac=1.5)
    with pytest.raises(ValueError, match=r"^shots must be a list of integers >= 0"):
        PromptSettings(shots=(0, -5))
    with pytest.raises(ValueError, match=r"^max_len must be an integer >= 1, got 0"):
        PromptSettings(max_len=0)
    assert PromptSettings(shots=[0, 5]).shots == (0, 5)
    with pytest.raises(ValueError, match=r"^per_model must map model names to ModelSettings, got 'tiny-1': 0.001"):
        check_per_model({"tiny-1": 1e-3})
    with pytest.raises(ValueError, match=r"^lr must be a mapping model -> rate"):
        per_model_lr(1e-3)
    assert per_model_lr({}) == {} and per_model_lr({"gpt2": 1e-4}) == {"gpt2": ModelSettings(lr=1e-4)}


def test_chess_takes_the_same_settings_and_refuses_the_nlp_only_ones():
    data = cp.ChessData(n_train=8, n_test=4, n_parts=2)
    runs = cp.plan(data, ["tiny-1", "tiny-2"], every=ModelSettings(train={"epochs": 3.0}),
                   per_model={"tiny-2": ModelSettings(lr=5e-4)})  # fmt: skip
    lrs = {c.model: c.train.lr for series in runs.values() for c in series}
    assert lrs == {"tiny-1": cp.CHESS_LR["tiny-1"], "tiny-2": 5e-4}
    assert {c.train.epochs for series in runs.values() for c in series} == {3.0}
    with pytest.raises(ValueError, match=r"^chess trains whole causal LMs: .* not linear_probe \(model tiny-1\)$"):
        cp.plan(data, ["tiny-1", "tiny-2"], every=ModelSettings(linear_probe=True))
