"""Generative finetuning: a label-free LM pass that changes the backbone only, cached and shared."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from w2s_lib.models import loading
from w2s_lib.models.classifier import build_classifier
from w2s_lib.nlp import genft
from w2s_lib.nlp.protocol import DataConfig, RunConfig, ceiling_config, run_dir, run_or_load, variant
from w2s_lib.nlp.sweep import plan_sweep
from w2s_lib.nlp.train import TrainConfig

DATA = DataConfig("synth_prefs", n_train=160, n_test=40, seed=0)
TRAIN = TrainConfig(lr=3e-3, epochs=1.0, batch_size=16, minibatch_size=8, max_len=32, select="last")


def run(**kw):
    return RunConfig(DATA, "tiny-1", train=TRAIN, genft_epochs=2.0, **kw)


def test_corpus_ignores_labels_and_order():
    items = [{"txt": ("p: a", "p: b"), "hard_label": 1}, {"txt": ("q: c", "q: d"), "hard_label": 0}]
    flipped = [{"txt": tuple(reversed(it["txt"])), "hard_label": 1 - it["hard_label"]} for it in items[::-1]]
    assert genft.corpus(items) == genft.corpus(flipped) == ["p: a", "p: b", "q: c", "q: d"]
    assert genft.corpus([{"txt": "x"}, {"txt": "x"}]) == ["x"]


def test_genft_changes_only_the_backbone_and_is_cached(tmp_path, monkeypatch):
    cfg = run()
    path = genft.ensure_genft(cfg, tmp_path, progress=False)
    metrics = genft.cache.read_json(path.parent / genft.cache.METRICS_FILE)
    assert metrics["lm_loss_last"] < metrics["lm_loss_first"]  # it learned the texts
    torch.manual_seed(TRAIN.seed)
    base = build_classifier("tiny-1", pairwise=True)
    torch.manual_seed(TRAIN.seed)
    tuned = build_classifier(str(path), pairwise=True)
    base_sd, tuned_sd = base.state_dict(), tuned.state_dict()
    assert base_sd.keys() == tuned_sd.keys()
    changed = [k for k in base_sd if not torch.equal(base_sd[k], tuned_sd[k])]
    assert changed and all(k.startswith("backbone.") for k in changed)  # the reward head is untouched
    assert torch.count_nonzero(tuned.head.weight) == 0  # a fresh head, as without generative finetuning
    # the same (data, model, seed, settings) reuses the cached model, whatever the labels, half or loss
    monkeypatch.setattr(genft, "finetune_lm", lambda *a, **k: pytest.fail("finetuned again"))
    weak = RunConfig(DATA, "tiny-1", train=TRAIN)
    student = RunConfig(
        DATA,
        "tiny-1",
        labels="weak",
        half="B",
        weak=weak,
        genft_epochs=2.0,
        train=dataclasses.replace(TRAIN, loss="logconf"),
    )
    assert genft.ensure_genft(student, tmp_path) == path
    assert genft.genft_dir(dataclasses.replace(cfg, genft_epochs=1.0), tmp_path) != path.parent


def test_a_genft_run_trains_its_head_on_the_finetuned_backbone(tmp_path):
    cfg = run()
    metrics = run_or_load(cfg, tmp_path, progress=False)
    assert variant(cfg) == "genft2" and metrics["variant"] == "genft2"
    assert (genft.genft_dir(cfg, tmp_path) / "model").is_dir() and run_dir(cfg, tmp_path).is_dir()
    assert 0 <= metrics["test_acc"] <= 1
    from w2s_lib.nlp.results import collect

    assert collect(tmp_path)["run"].tolist() == [metrics["run"]]  # the finetuned LM is not a run


def test_plan_sweep_gives_genft_to_students_and_ceilings_and_optionally_supervisors():
    plan = plan_sweep(["synth_prefs"], ["tiny-1", "tiny-3"], ["xent"], [0], genft_epochs=1.0)
    assert all(c.genft_epochs == 1.0 for c in plan.w2s + plan.ceilings)
    assert all(c.genft_epochs == 0.0 for c in plan.weak)
    assert all(ceiling_config(c) in plan.ceilings for c in plan.w2s)  # PGR against the finetuned ceiling
    fig18 = plan_sweep(["synth_prefs"], ["tiny-1", "tiny-3"], ["xent"], [0], genft_epochs=1.0, genft_supervisors=True)
    assert all(c.genft_epochs == 1.0 for c in fig18.weak)


def test_genft_refuses_encoders():
    with pytest.raises(ValueError, match="needs a causal language model"):
        loading.base_lm("scratch-1")  # a BERT-shaped encoder


def test_results_table_keeps_variants_apart():
    import pandas as pd

    from w2s_lib.core.results import pgr_table

    rows = [
        dict(
            task="t",
            role="w2s",
            weak_model="a",
            model="b",
            loss="xent",
            variant=v,
            weak_acc=0.5,
            test_acc=acc,
            strong_acc=0.9,
            pgr=(acc - 0.5) / 0.4,
        )
        for v, acc in (("", 0.6), ("genft1", 0.8))
    ]
    table = pgr_table(pd.DataFrame(rows))
    assert table["variant"].tolist() == ["", "genft1"] and table["n_seeds"].tolist() == [1, 1]
    assert table["w2s_acc"].tolist() == [0.6, 0.8]
    assert "variant" not in pgr_table(pd.DataFrame(rows[:1])).columns
