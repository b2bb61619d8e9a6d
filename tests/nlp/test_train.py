"""The training loop: gradient accumulation, selection, determinism, progress through the steps."""

import dataclasses

import numpy as np
import pytest
import torch

from w2s_lib.data import load_items
from w2s_lib.models.classifier import build_classifier
from w2s_lib.nlp.train import TrainConfig, collate, predict, train_classifier


@pytest.fixture(scope="module")
def data():
    tr = load_items("synth_keyword", "train", 96, 0)
    te = load_items("synth_keyword", "test", 64, 0)
    return (
        [x["txt"] for x in tr],
        np.array([x["hard_label"] for x in tr]),
        [x["txt"] for x in te],
        np.array([x["hard_label"] for x in te]),
    )


def _model(seed=0):
    torch.manual_seed(seed)
    m = build_classifier("tiny-1")
    torch.nn.init.normal_(m.head.weight, std=0.5)  # so the backbone gets gradient from step 0
    return m


@pytest.mark.parametrize("loss", ["xent", "logconf", "product"])
def test_gradient_accumulation_matches_one_big_batch(data, tiny_tok, loss):
    """Minibatches of 4 give the same training as one pass over the 16-example batch (the confidence
    loss's threshold is a batch statistic, so its targets must come from the whole batch)."""
    txt, y, _, _ = data
    soft = np.clip(y * 0.8 + 0.1 + np.linspace(-0.05, 0.05, len(y)), 0, 1)
    cfg = TrainConfig(
        lr=1e-3,
        epochs=0.5,
        batch_size=16,
        minibatch_size=16,
        loss=loss,
        select="last",
        loss_kw=(("warmup_frac", 0.0),) if loss == "logconf" else (),
    )
    a, b = _model(), _model()
    train_classifier(a, tiny_tok, txt, soft, cfg, progress=False)
    train_classifier(b, tiny_tok, txt, soft, dataclasses.replace(cfg, minibatch_size=4), progress=False)
    # Compare what the models compute (Adam turns float-rounding noise in near-zero gradients, such as
    # the attention query bias's, into visible parameter noise, so parameters are compared loosely).
    np.testing.assert_allclose(predict(a, tiny_tok, txt), predict(b, tiny_tok, txt), atol=2e-5)
    torch.testing.assert_close(a.head.weight, b.head.weight, atol=1e-5, rtol=1e-4)
    for (k, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.allclose(pa, pb, atol=1e-4), (k, (pa - pb).abs().max())
    # and the weights did move
    assert not torch.allclose(a.head.weight, _model().head.weight)


def test_same_seed_same_numbers(data, tiny_tok):
    txt, y, te, ty = data
    cfg = TrainConfig(lr=3e-3, epochs=1, batch_size=16, minibatch_size=8, select="oracle", seed=3)
    r1 = train_classifier(_model(), tiny_tok, txt, y, cfg, test_texts=te, test_labels=ty, progress=False)
    r2 = train_classifier(_model(), tiny_tok, txt, y, cfg, test_texts=te, test_labels=ty, progress=False)
    assert r1.history == r2.history
    np.testing.assert_array_equal(r1.test_p1, r2.test_p1)
    r3 = train_classifier(
        _model(), tiny_tok, txt, y, dataclasses.replace(cfg, seed=4), test_texts=te, test_labels=ty, progress=False
    )
    assert r3.history != r1.history  # the seed drives the data order


def test_selection_restores_the_selected_weights(data, tiny_tok):
    """With select='oracle' the returned model is the test-best one, whichever step that was."""
    txt, y, te, ty = data
    cfg = TrainConfig(lr=1e-2, epochs=2, batch_size=8, minibatch_size=8, select="oracle", eval_every=2)
    m = _model()
    r = train_classifier(m, tiny_tok, txt, 1 - y, cfg, test_texts=te, test_labels=ty, progress=False)
    accs = [h["test_acc"] for h in r.history]
    best = int(np.argmax(accs))
    assert r.selected_step == r.history[best]["step"]
    p = predict(m, tiny_tok, te)[:, 1]
    np.testing.assert_allclose(p, r.test_p1, atol=1e-6)
    assert ((p > 0.5) == ty).mean() == pytest.approx(max(accs))


def test_val_selection_uses_training_labels_not_test(data, tiny_tok):
    txt, y, te, ty = data
    cfg = TrainConfig(lr=3e-3, epochs=1, batch_size=16, minibatch_size=16, select="val", eval_every=1)
    r = train_classifier(
        _model(),
        tiny_tok,
        txt[:64],
        y[:64],
        cfg,
        val_texts=txt[64:],
        val_soft=y[64:],
        test_texts=te,
        test_labels=ty,
        progress=False,
    )
    vals = [h["val_acc"] for h in r.history]
    assert r.selected_step == r.history[int(np.argmax(vals))]["step"]
    assert len(r.history) == r.n_steps  # one evaluation per step with eval_every=1


def test_history_test_off_scores_only_the_selected_weights(data, tiny_tok):
    """history_test=False drops the test set from the evaluations, yet selects the same step on the
    weak-label validation slice and returns the same test predictions: the selected weights, scored once."""
    txt, y, te, ty = data
    kw = dict(lr=3e-3, epochs=2, batch_size=16, minibatch_size=16, select="val", eval_every=1)
    runs = {}
    for on in (True, False):
        runs[on] = train_classifier(
            _model(),
            tiny_tok,
            txt[:64],
            y[:64],
            TrainConfig(**kw, history_test=on),
            val_texts=txt[64:],
            val_soft=y[64:],
            test_texts=te,
            test_labels=ty,
            progress=False,
        )
    on, off = runs[True], runs[False]
    assert all("test_acc" in h for h in on.history) and not any("test_acc" in h for h in off.history)
    assert [h["val_acc"] for h in on.history] == [h["val_acc"] for h in off.history]
    assert off.selected_step == on.selected_step < on.n_steps  # a step before the last, so weights were restored
    np.testing.assert_allclose(off.test_p1, on.test_p1, atol=1e-6)
    with pytest.raises(ValueError, match="oracle.*history_test"):
        TrainConfig(select="oracle", history_test=False)


def test_steps_follow_epochs_and_batch_size(data, tiny_tok):
    txt, y, _, _ = data
    r = train_classifier(
        _model(),
        tiny_tok,
        txt,
        y,
        TrainConfig(epochs=2, batch_size=32, minibatch_size=32, select="last"),
        progress=False,
    )
    assert r.n_steps == 6  # ceil(2 * 96 / 32)


def test_dynamic_padding_pads_to_the_batch_longest():
    ids, mask = collate([[5, 6, 7], [8]], pad_id=0, device="cpu")
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]] and mask.tolist() == [[1, 1, 1], [1, 0, 0]]


def test_bad_train_config_names_valid_choices():
    with pytest.raises(ValueError, match="valid: adam, adamw, adafactor"):
        TrainConfig(optimizer="sgd")
    with pytest.raises(ValueError, match="not divisible"):
        TrainConfig(batch_size=32, minibatch_size=5)


def test_length_grouping_covers_each_epoch_once_with_similar_lengths():
    from w2s_lib.nlp.train import GROUP_WINDOW, index_batches

    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 200, size=1000).tolist()
    bs = 8
    per_epoch = sum(-(-min(bs * GROUP_WINDOW, 1000 - i) // bs) for i in range(0, 1000, bs * GROUP_WINDOW))
    batches = list(index_batches(lengths, bs, per_epoch, torch.Generator().manual_seed(0), group_by_length=True))
    assert sorted(i for b in batches for i in b) == list(range(1000))  # one epoch, each example once
    spread = np.mean([max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches])
    plain = list(index_batches(lengths, bs, per_epoch, torch.Generator().manual_seed(0)))
    plain_spread = np.mean([max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in plain])
    assert spread < plain_spread / 5, (spread, plain_spread)
    # batch order is shuffled, not sorted by length
    means = [np.mean([lengths[i] for i in b]) for b in batches]
    assert means != sorted(means) and means != sorted(means, reverse=True)


def test_length_grouping_runs_the_planned_steps(data, tiny_tok):
    txt, y, te, ty = data
    cfg = TrainConfig(lr=3e-3, epochs=3, batch_size=16, minibatch_size=16, select="last", group_by_length=True)
    r = train_classifier(_model(), tiny_tok, txt, y, cfg, test_texts=te, test_labels=ty, progress=False)
    assert r.n_steps == 18 and len(r.history) >= 1 and np.isfinite(r.history[-1]["train_loss"])


@pytest.mark.slow
def test_compiled_training_matches_eager(data, tiny_tok):
    """torch.compile (its graph-capturing "aot_eager" backend: no C++ toolchain, seconds not minutes)
    traces our forward with varying batch widths and trains the same model."""
    txt, y, _, _ = data
    cfg = TrainConfig(lr=1e-3, epochs=0.5, batch_size=16, minibatch_size=8, select="last", group_by_length=True)
    a, b = _model(), _model()
    ra = train_classifier(a, tiny_tok, txt, y, cfg, progress=False)
    rb = train_classifier(b, tiny_tok, txt, y, dataclasses.replace(cfg, compile="aot_eager"), progress=False)
    assert [h["train_loss"] for h in ra.history] == pytest.approx([h["train_loss"] for h in rb.history], abs=1e-5)
    np.testing.assert_allclose(predict(a, tiny_tok, txt), predict(b, tiny_tok, txt), atol=1e-5)
    assert not torch.allclose(a.head.weight, _model().head.weight)


# ---------------------------------------------------------------------------------------------
# How often a run evaluates: min_evals, evals_per_epoch (the paper's early-stopping curves, Figs. 7, 13)


@pytest.mark.parametrize(
    "kw, n_steps, steps",
    [
        # the defaults: every n_steps // 8 steps, then the final model
        ({}, 100, [12, 24, 36, 48, 60, 72, 84, 96, 100]),
        ({}, 96, [12, 24, 36, 48, 60, 72, 84, 96]),
        ({}, 5, [1, 2, 3, 4, 5]),  # shorter than min_evals: every step
        # max(min_evals 8, ceil(10 * 2.5) = 25) = 25 for 1000 steps: every 40
        ({"evals_per_epoch": 10, "epochs": 2.5}, 1000, list(range(40, 1001, 40))),
        # ceil(0.3 * 2) = 1 < min_evals: min_evals decides
        ({"evals_per_epoch": 0.3, "epochs": 2}, 80, list(range(10, 81, 10))),
        # an explicit eval_every wins over both
        ({"eval_every": 7, "min_evals": 20, "evals_per_epoch": 10}, 20, [7, 14, 20]),
    ],
)
def test_eval_steps_by_hand(kw, n_steps, steps):
    assert TrainConfig(**kw).eval_steps(n_steps) == steps


def test_the_paper_presets_eval_count():
    # the paper presets' settings, 2 epochs of 9,000 examples in batches of 32: 563 steps. n_evals = max(20,
    # ceil(10 * 2)) = 20, every 563 // 20 = 28 steps: 28, ..., 560 (20 of them) and the final 563.
    cfg = TrainConfig(epochs=2.0, min_evals=20, evals_per_epoch=10)
    assert cfg.n_evals() == 20
    steps = cfg.eval_steps(563)
    assert len(steps) == 21 and steps[:2] == [28, 56] and steps[-2:] == [560, 563]


def test_default_eval_rule_is_the_one_cached_runs_were_trained_with():
    cfg = TrainConfig()
    assert all(cfg.eval_interval(n) == max(1, n // 8) for n in range(1, 2000))


def test_eval_fields_keep_cache_keys_and_are_checked():
    from w2s_lib.core import cache
    from w2s_lib.nlp.protocol import DataConfig, RunConfig

    # hashes of these configs computed with the code before min_evals / evals_per_epoch existed
    assert cache.config_hash(RunConfig(DataConfig("synth_keyword"), "tiny-1")) == "0873182451"
    tc = TrainConfig(lr=1e-3, epochs=3.0, eval_batch_size=256)
    assert cache.config_hash(RunConfig(DataConfig("synth_keyword"), "tiny-1", train=tc)) == "ea33ec33ef"
    more = dataclasses.replace(tc, min_evals=20, evals_per_epoch=10)
    assert cache.config_hash(RunConfig(DataConfig("synth_keyword"), "tiny-1", train=more)) != "ea33ec33ef"
    # 10 and 10.0 (a yaml int, a float) are one setting and one cache key
    assert more == dataclasses.replace(tc, min_evals=20, evals_per_epoch=10.0)
    for bad, match in [
        (dict(min_evals=0), "min_evals must be an integer >= 1, got 0"),
        (dict(min_evals=2.5), "min_evals must be an integer >= 1"),
        (dict(evals_per_epoch=-1), "evals_per_epoch must be a number >= 0, got -1"),
        (dict(eval_every=-3), "eval_every must be an integer >= 0"),
    ]:
        with pytest.raises(ValueError, match=match):
            TrainConfig(**bad)


def test_history_holds_the_planned_evaluations(data, tiny_tok):
    txt, y, te, ty = data
    # 96 examples, 2 epochs of batch 32: 6 steps; min_evals 3 -> every 2 steps (the default would be every step)
    cfg = TrainConfig(lr=3e-3, epochs=2, batch_size=32, minibatch_size=32, select="oracle", min_evals=3)
    r = train_classifier(_model(), tiny_tok, txt, y, cfg, test_texts=te, test_labels=ty, progress=False)
    assert [h["step"] for h in r.history] == cfg.eval_steps(r.n_steps) == [2, 4, 6]


@pytest.mark.parametrize(
    "bad,match",
    [
        (dict(epochs=0), r"epochs must be a finite number > 0, got 0"),
        (dict(epochs=-1.0), r"epochs must be a finite number > 0"),
        (dict(epochs=float("inf")), r"epochs must be a finite number > 0, got inf"),
        (dict(lr=0.0), r"lr must be a finite number > 0, got 0.0"),
        (dict(lr=float("nan")), r"lr must be a finite number > 0, got nan"),
        (dict(lr="1e-3"), r"lr must be a finite number > 0, got '1e-3'"),
        (dict(warmup_frac=1.5), r"warmup_frac must be a finite number in \[0, 1\]"),
        (dict(warmup_frac=-0.1), r"warmup_frac must be a finite number in \[0, 1\]"),
        (dict(weight_decay=-1e-4), r"weight_decay must be a finite number >= 0"),
        (dict(batch_size=0), r"batch_size must be an integer >= 1, got 0"),
        (dict(minibatch_size=0), r"minibatch_size must be an integer >= 1, got 0"),
        (dict(batch_size=32.0), r"batch_size must be an integer >= 1, got 32.0"),
        (dict(max_len=0), r"max_len must be an integer >= 1, got 0"),
        (dict(eval_batch_size=0), r"eval_batch_size must be an integer >= 1, got 0"),
        (dict(batch_size=12, minibatch_size=5), r"not divisible .*; valid minibatch sizes: 1, 2, 3, 4, 6, 12$"),
        (dict(seed=1.5), r"seed must be an integer, got 1.5"),
        (dict(loss="mse"), r"unknown loss 'mse'; valid: xent, logconf, product"),
        (dict(loss="logconf", loss_kw=(("alpha_max", 2.0),)), r"alpha_max must lie in \[0, 1\], got 2.0"),
        (dict(loss="logconf", loss_kw=(("warmup_frac", 2.0),)), r"warmup_frac must lie in \[0, 1\], got 2.0"),
        (dict(loss="xent", loss_kw=(("alpha_max", 0.5),)), r"loss_kw \{'alpha_max': 0.5\} do not fit loss 'xent'"),
    ],
)
def test_train_config_checks_every_setting_once_in_one_line(bad, match):
    with pytest.raises(ValueError, match=match) as e:
        TrainConfig(**bad)
    assert "\n" not in str(e.value)


def test_train_config_accepts_the_edges_of_its_ranges():
    TrainConfig(epochs=0.01, lr=1e-9, warmup_frac=0.0, weight_decay=0.0, batch_size=1, minibatch_size=1, max_len=1)
    TrainConfig(warmup_frac=1.0, epochs=np.float64(2.0), batch_size=np.int64(8), minibatch_size=8, seed=np.int64(3))
    TrainConfig(loss="logconf", loss_kw=(("alpha_max", 0.75), ("warmup_frac", 0.0)))


@pytest.mark.parametrize(
    "bad,match",
    [
        (dict(n_train=-1), r"n_train \(items before halving\) must be an integer >= 0 \(0: every item"),
        (dict(n_train=100.0), r"n_train .* must be an integer >= 0"),
        (dict(n_test=-1), r"n_test \(test items\) must be an integer >= 0"),
        (dict(val_frac=0.0), r"val_frac .* must lie in \(0, 1\), got 0.0"),
        (dict(val_frac=1.0), r"val_frac .* must lie in \(0, 1\), got 1.0"),
        (dict(val_frac=True), r"val_frac .* must lie in \(0, 1\), got True"),
        (dict(seed="0"), r"seed must be an integer, got '0'"),
    ],
)
def test_data_config_checks_its_ranges(bad, match):
    from w2s_lib.nlp.protocol import DataConfig

    with pytest.raises(ValueError, match=match) as e:
        DataConfig("synth_keyword", **bad)
    assert "\n" not in str(e.value)
    DataConfig("sciq", n_train=0, n_test=0, val_frac=0.5)  # 0: every item of a Hub split


def test_chess_and_vision_configs_check_their_sizes():
    from w2s_lib.chess.protocol import ChessData
    from w2s_lib.vision.protocol import VisionRunConfig

    for bad, match in [
        (dict(n_train=0), r"n_train \(puzzles per training part\) must be an integer >= 1, got 0"),
        (dict(n_test=-2), r"n_test \(test puzzles\) must be an integer >= 1, got -2"),
        (dict(n_pool=-1), r"n_pool must be an integer >= 0"),
    ]:
        with pytest.raises(ValueError, match=match):
            ChessData(**bad)
    ChessData(n_train=1, n_test=1, n_pool=0)
    for bad, match in [
        (dict(n_train=0), r"n_train must be an integer >= 1, got 0"),
        (dict(n_test=0), r"n_test must be an integer >= 1, got 0"),
        (dict(image_size=0), r"image_size must be an integer >= 1, got 0"),
        (dict(num_classes=1), r"num_classes must be an integer >= 2, got 1"),
    ]:
        with pytest.raises(ValueError, match=match):
            VisionRunConfig(**bad)
