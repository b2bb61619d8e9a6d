"""The probes' feature cache (w2s_lib/models/features.py): on disk, shared across processes, safe to lose."""

import subprocess
import sys

import pytest
import torch

from w2s_lib.models import features


@pytest.fixture
def disk(tmp_path, monkeypatch):
    monkeypatch.setenv(features.CACHE_ENV, str(tmp_path / "feat"))
    features.clear_memory()
    yield tmp_path / "feat"
    features.clear_memory()


def _counting_probe(calls):
    from w2s_lib.models.classifier import build_classifier

    probe = build_classifier("minilm-l1", linear_probe=True)
    probe.backbone.register_forward_hook(lambda m, a, kw, out: calls.append(len(kw["input_ids"])), with_kwargs=True)
    return probe


def _enc(texts):
    from w2s_lib.models.loading import load_tokenizer

    return load_tokenizer("minilm-l1")(texts, padding=True, return_tensors="pt")


def test_a_new_process_reads_features_from_disk_without_a_forward_pass(disk):
    enc = _enc(["the owl", "a rusty saw in the shed"])
    calls = []
    with torch.no_grad():
        first = _counting_probe(calls).pooled(enc["input_ids"], enc["attention_mask"])
    features.flush_all()
    assert len(calls) == 1 and len(list(disk.glob("*/shard-*.pt"))) == 1
    features.clear_memory()  # what a new process starts with
    with torch.no_grad():
        again = _counting_probe(calls).pooled(enc["input_ids"], enc["attention_mask"])
    assert len(calls) == 1  # no new forward pass
    torch.testing.assert_close(again, first, atol=0, rtol=0)


def test_a_changed_tokenization_is_another_entry(disk):
    enc = _enc(["the owl sat on the roof"])
    short = enc["input_ids"][:, :3].clone()
    short[:, -1] = enc["input_ids"][0, -1]  # truncated, as max_len would, then [SEP]
    calls = []
    probe = _counting_probe(calls)
    with torch.no_grad():
        full = probe.pooled(enc["input_ids"], enc["attention_mask"])
        cut = probe.pooled(short, torch.ones_like(short))
    assert len(calls) == 2 and not torch.allclose(full, cut)


def test_an_unreadable_shard_is_recomputed_not_fatal(disk, capsys):
    enc = _enc(["a small owl"])
    calls = []
    with torch.no_grad():
        want = _counting_probe(calls).pooled(enc["input_ids"], enc["attention_mask"])
    features.clear_memory()
    (shard,) = disk.glob("*/shard-*.pt")
    shard.write_bytes(shard.read_bytes()[:40])  # a half-written file (as from a full disk)
    with torch.no_grad():
        got = _counting_probe(calls).pooled(enc["input_ids"], enc["attention_mask"])
    assert len(calls) == 2 and "unreadable feature shard" in capsys.readouterr().err
    torch.testing.assert_close(got, want)


def test_off_keeps_features_in_memory_only(tmp_path, monkeypatch):
    monkeypatch.setenv(features.CACHE_ENV, "off")
    features.clear_memory()
    enc = _enc(["a small owl"])
    with torch.no_grad():
        _counting_probe([]).pooled(enc["input_ids"], enc["attention_mask"])
    features.clear_memory()
    assert features.cache_root() is None and not list(tmp_path.iterdir())


def test_other_weights_or_pooling_get_another_store(disk):
    a = features.store("minilm-l1|None|[]|mean")
    assert features.store("minilm-l1|None|[]|mean") is a
    assert features.store("minilm-l1|None|[]|cls").folder != a.folder


def test_two_processes_fill_one_store_without_losing_entries(disk):
    """Each writer renames its own shard into place: both processes' features are there afterwards."""
    code = (
        "import sys, torch; from w2s_lib.models import features as f; s = f.store('k');"
        "s.put([f.digest([int(sys.argv[1])])], torch.full((1, 3), float(sys.argv[1]))); f.flush_all()"
    )
    env = {**__import__("os").environ, features.CACHE_ENV: str(disk)}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(i)], env=env) for i in (1, 2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    got = features.store("k").get([features.digest([1]), features.digest([2]), features.digest([3])])
    assert got[0].tolist() == [1.0] * 3 and got[1].tolist() == [2.0] * 3 and got[2] is None


def _train_24_8_8(probe, tok, texts, soft, cfg, test_labels):
    """train_classifier on 40 texts: the first 24 to train, 8 to select, the last 8 to test."""
    from w2s_lib.nlp.train import train_classifier

    return train_classifier(
        probe, tok, texts[:24], soft[:24], cfg, val_texts=texts[24:32], val_soft=soft[24:32],
        test_texts=texts[32:], test_labels=test_labels, progress=False,
    )  # fmt: skip


def test_probe_training_embeds_each_text_once_in_length_sorted_batches(disk):
    """train_classifier computes every text's features before its first step (train, val and test), so
    steps and evaluations never run the backbone; a second run on the same texts runs it not at all."""
    import numpy as np

    from tests.support.settings import FAST
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.nlp.train import TrainConfig

    tok = load_tokenizer("minilm-l1")
    texts = [f"a {'very ' * (i % 7)}small owl number {i}" for i in range(40)]
    soft = np.arange(40) % 2
    cfg = TrainConfig(
        lr=1e-2, select="val", eval_batch_size=16, **{**FAST, "epochs": 3.0, "batch_size": 8, "minibatch_size": 8}
    )
    for run in range(2):
        calls = []
        probe = _counting_probe(calls)
        _train_24_8_8(probe, tok, texts, soft, cfg, soft[32:])
        assert calls == ([16, 16, 8] if run == 0 else []), calls
        features.clear_memory()


@pytest.mark.parametrize("loss", ["xent", "logconf"])
def test_the_feature_path_trains_the_same_probe_as_the_forward_path(disk, monkeypatch, loss):
    """Precomputed features (train.PROBE_FEATURE_PATH) change the speed, not the run: the same history,
    selected step and test predictions as running the model at every step (minibatches of 4 in batches
    of 8, so the confidence loss takes its whole-batch target pass)."""
    import numpy as np

    from tests.support.settings import FAST
    from w2s_lib.models.classifier import build_classifier
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.nlp import train

    tok = load_tokenizer("minilm-l1")
    texts = [f"a {'very ' * (i % 5)}{['small', 'big'][i % 2]} owl number {i}" for i in range(40)]
    soft = np.linspace(0.1, 0.9, 40)
    cfg = train.TrainConfig(
        lr=1e-2,
        select="val",
        loss=loss,
        eval_batch_size=16,
        **{**FAST, "epochs": 3.0, "batch_size": 8, "minibatch_size": 4},
    )
    results = []
    for fast in (True, False):
        monkeypatch.setattr(train, "PROBE_FEATURE_PATH", fast)
        torch.manual_seed(0)
        probe = build_classifier("minilm-l1", linear_probe=True)
        results.append(_train_24_8_8(probe, tok, texts, soft, cfg, soft[32:] > 0.5))
    a, b = results
    assert a.selected_step == b.selected_step and len(a.history) == len(b.history) > 2
    for ra, rb in zip(a.history, b.history):
        assert ra.keys() == rb.keys()
        for k in ra:
            assert ra[k] == pytest.approx(rb[k], abs=1e-6), k
    np.testing.assert_allclose(a.test_p1, b.test_p1, atol=1e-6)
