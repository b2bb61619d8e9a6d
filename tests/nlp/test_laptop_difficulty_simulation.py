"""The laptop presets of Figs. 21 and 24: rater agreement of the difficulty cutoffs, probe settings reaching
the difficulty sweep, and Fig. 24's features pooled as the model's own probes pool them."""

import numpy as np
import pandas as pd
import pytest

from w2s_lib.nlp import sweep
from w2s_lib.nlp.protocol import Splits
from w2s_lib.nlp.settings import DataSettings

TINY = DataSettings(n_train=10, n_test=4)


def _fake_sweep(monkeypatch, items, level):
    """difficulty_sweep with its graders' predictions and its training replaced: the planned runs come back."""
    monkeypatch.setattr(sweep, "run_or_load", lambda cfg, root, progress=None: {})
    monkeypatch.setattr(sweep, "prepare_data", lambda dc: Splits([], [], [], items, []))
    monkeypatch.setattr(sweep, "item_difficulty", lambda runs, root, its: np.asarray(level))
    seen = []

    def run_configs(runs, root, progress=None):
        seen.extend(runs)
        return pd.DataFrame({"difficulty_max": [r.difficulty_max for r in runs], "model": [r.model for r in runs]})

    monkeypatch.setattr(sweep, "run_configs", run_configs)
    return seen


def test_rater_agreement_of_each_cutoff_by_hand(monkeypatch):
    # 2 models: levels 0 (both right), 1 (only the larger), 2 (neither)
    agree = [1.0, 0.9, 0.7, 0.6, 0.5, 0.5]
    items = [{"id": i, "agreement": a} for i, a in enumerate(agree)]
    level = [0, 0, 1, 1, 2, 2]
    _fake_sweep(monkeypatch, items, level)
    df = sweep.difficulty_sweep("unused", "synth_sentiment", ["tiny-1", "tiny-2"], 3, data=TINY)
    by_cut = df.drop_duplicates("cutoff_model").set_index("cutoff_model")["rater_agreement"]
    assert by_cut["tiny-1"] == 0.95  # the two level-0 items, n_keep = 2: no subsample
    for k, cut in ((1, "tiny-2"), (2, "all")):  # the 2 items the run draws from those of level <= k
        kept = sweep.kept_items(np.array(level), k, 2, 3)
        assert len(kept) == 2 and all(level[i] <= k for i in kept)
        assert by_cut[cut] == np.mean([agree[i] for i in kept])


def test_kept_items_draw_as_the_protocol_does():
    level = np.array([0, 2, 1, 0, 1, 2, 0, 1])
    keep = np.flatnonzero(level <= 1)
    expected = np.sort(np.random.default_rng(5).choice(keep, 3, replace=False))  # protocol._train_run's draw
    np.testing.assert_array_equal(sweep.kept_items(level, 1, 3, 5), expected)
    np.testing.assert_array_equal(sweep.kept_items(level, 0, 3, 5), [0, 3, 6])  # few enough: all of them


def test_no_rater_agreement_without_raters(monkeypatch):
    _fake_sweep(monkeypatch, [{"id": i} for i in range(4)], [0, 0, 1, 2])
    df = sweep.difficulty_sweep("unused", "synth_sentiment", ["tiny-1", "tiny-2"], 0, data=TINY)
    assert "rater_agreement" not in df


def test_difficulty_sweep_takes_the_laptop_settings(monkeypatch):
    from w2s_lib.nlp.sandbox import SANDBOX, setting_kw

    seen = _fake_sweep(monkeypatch, [{"id": i} for i in range(4)], [0, 1, 2, 2])
    models = ["scratch-1", "minilm-l1"]
    sweep.difficulty_sweep("unused", "sandbox_animals", models, 0, data=TINY, **setting_kw("laptop", models))
    by_model = {r.model: r for r in seen}
    assert not by_model["scratch-1"].linear_probe and by_model["minilm-l1"].linear_probe
    assert by_model["scratch-1"].train.epochs == SANDBOX["weak_train"]["epochs"]
    assert by_model["minilm-l1"].train.epochs == SANDBOX["probe_train"]["epochs"]
    assert all(g.linear_probe == (g.model == "minilm-l1") for g in seen[0].difficulty_runs)


@pytest.mark.slow  # builds tiny-1 and embeds three times
def test_model_features_take_a_pooling_each_cached_apart(tmp_path):
    from w2s_lib.nlp.simulation import load_features, simulation_data

    X_mean, _ = load_features("tiny-1:synth_keyword", n=30, cache_dir=tmp_path)
    X_last, _ = load_features("tiny-1:synth_keyword", n=30, cache_dir=tmp_path, pooling="last")
    assert X_mean.shape == X_last.shape and not np.allclose(X_mean, X_last)
    assert len(list((tmp_path / "features").iterdir())) == 2
    np.testing.assert_array_equal(load_features("tiny-1:synth_keyword", n=30, cache_dir=tmp_path)[0], X_mean)
    _, _, (Xt, _) = simulation_data("tiny-1:synth_keyword", n=30, n_test=20, cache_dir=tmp_path, pooling="last")
    assert Xt.shape == (20, X_last.shape[1]) and len(list((tmp_path / "features").iterdir())) == 3
