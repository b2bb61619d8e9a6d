"""Model plumbing on tiny random-init backbones: pooling/padding invariance, the "0"/"1" unembedding head,
linear probes, checkpoint round trips, tokenizers and presets (docs/reference_differences.md §1, §2, §7, §11)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from w2s_lib.models import presets, tokenizers
from w2s_lib.models.classifier import build_classifier, last_token_index, load_classifier, save_classifier
from w2s_lib.models.presets import HEAD_INITS, MODEL_FAMILIES, MODEL_PRESETS, POOLINGS
from w2s_lib.models.tokenizers import configure_tokenizer, tiny_tokenizer

PAD = 0
COMMON = dict(vocab_size=512, pad_token_id=PAD, bos_token_id=1, eos_token_id=1)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny matmuls run much faster on one thread (thread sync dominates, worst on a busy 2-core box).

    Also pays transformers' one-time lazy imports (~3 s) here, in setup, rather than in the first test.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    build_classifier(make_config("gpt2"))
    yield
    torch.set_num_threads(before)


def make_config(family: str):
    from transformers import GPT2Config, GPTNeoXConfig, LlamaConfig, Qwen2Config

    small = dict(num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    if family == "gpt2":
        return GPT2Config(n_embd=32, n_layer=2, n_head=2, n_positions=64, **COMMON)
    if family == "llama":
        return LlamaConfig(hidden_size=32, num_key_value_heads=2, **small, **COMMON)
    if family == "qwen2":
        return Qwen2Config(hidden_size=32, num_key_value_heads=2, **small, **COMMON)
    if family == "gpt_neox":
        return GPTNeoXConfig(hidden_size=32, **small, **COMMON)
    raise AssertionError(family)


FAMILIES = ("gpt2", "llama", "qwen2", "gpt_neox")


def random_head_classifier(family: str, seed: int = 0, **kw):
    """A classifier in eval mode whose head has random weights (head_init='zeros' gives all-0 logits)."""
    torch.manual_seed(seed)
    model = build_classifier(make_config(family), num_labels=2, **kw)
    with torch.no_grad():
        torch.nn.init.normal_(model.head.weight)
        torch.nn.init.normal_(model.head.bias)
    return model.eval()


# Sequences of different lengths; several contain id 0 (= the pad id, and GPT-2's "!") in the middle or at
# the end, which the reference code's `(input_ids != 0).sum()` would miscount.
SEQS = [
    [5, 0, 17, 42, 8],
    [9, 0],
    [3, 4, 5, 6, 0, 7, 11],
    [12, 33, 0],
    [250],
]


def pad_batch(seqs, side: str):
    n = max(map(len, seqs))
    ids = torch.full((len(seqs), n), PAD, dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, s in enumerate(seqs):
        if side == "right":
            ids[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s)] = 1
        else:
            ids[i, n - len(s) :] = torch.tensor(s)
            mask[i, n - len(s) :] = 1
    return ids, mask


def alone(model, seq):
    ids = torch.tensor([seq])
    return model(ids, torch.ones_like(ids))[0]


# ---------------------------------------------------------------------------------------------
# last_token_index


def test_last_token_index_padding_sides():
    right = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]])
    assert last_token_index(right).tolist() == [2, 4, 0]
    left = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1], [0, 0, 0, 0, 1]])
    assert last_token_index(left).tolist() == [4, 4, 4]
    assert last_token_index(torch.ones(2, 7, dtype=torch.long)).tolist() == [6, 6]
    # a boolean mask works too
    assert last_token_index(right.bool()).tolist() == [2, 4, 0]


def test_last_token_index_ignores_ids():
    # the index comes from the mask only: a batch built by hand with id 0 inside the text
    ids, mask = pad_batch(SEQS, "right")
    assert last_token_index(mask).tolist() == [len(s) - 1 for s in SEQS]
    # the reference code's rule (count non-zero ids) would be wrong on every row that contains a 0
    nonzero_rule = ((ids != 0).sum(-1) - 1).tolist()
    assert nonzero_rule != last_token_index(mask).tolist()
    ids, mask = pad_batch(SEQS, "left")
    assert last_token_index(mask).tolist() == [ids.shape[1] - 1] * len(SEQS)


# ---------------------------------------------------------------------------------------------
# pooling invariance (docs/reference_differences.md §1)


@pytest.mark.parametrize("family", FAMILIES)
def test_last_token_logits_invariant_to_padding(family):
    model = random_head_classifier(family)
    with torch.no_grad():
        single = torch.stack([alone(model, s) for s in SEQS])
        right = model(*pad_batch(SEQS, "right"))
        left = model(*pad_batch(SEQS, "left"))
    # the examples really differ, so equality below is not trivial
    assert (single[0] - single[1]).abs().max() > 1e-3
    torch.testing.assert_close(right, single, atol=1e-4, rtol=0)
    torch.testing.assert_close(left, single, atol=1e-4, rtol=0)


def test_mean_pooling_invariant_to_padding():
    model = random_head_classifier("gpt2", pooling="mean")
    with torch.no_grad():
        single = torch.stack([alone(model, s) for s in SEQS])
        right = model(*pad_batch(SEQS, "right"))
        left = model(*pad_batch(SEQS, "left"))
    torch.testing.assert_close(right, single, atol=1e-4, rtol=0)
    torch.testing.assert_close(left, single, atol=1e-4, rtol=0)


@pytest.mark.parametrize("family", ["gpt2", "llama"])
def test_head_reads_last_real_token(family):
    model = random_head_classifier(family)
    seq = [5, 0, 17, 42, 8, 0, 23]  # two 0 ids, one in the middle
    ids = torch.tensor([seq])
    with torch.no_grad():
        got = model(ids, torch.ones_like(ids))[0]
        # the head applied by hand to the backbone's hidden state at the final position
        h = model.backbone(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
        want = model.head(h[0, -1])
        shorter = alone(model, seq[:-1])
        # where the reference code's rule would read: position (#non-zero ids) - 1 = 4
        wrong = model.head(h[0, 4])
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)
    # dropping the last token changes the logits: the head does read the last token...
    assert (got - shorter).abs().max() > 1e-3
    # ... and not the position the non-zero count points at
    assert (got - wrong).abs().max() > 1e-3


# ---------------------------------------------------------------------------------------------
# head_init="unembed01"


def test_unembed01_gpt2_matches_causal_lm(tiny_tok):
    from transformers import AutoModelForCausalLM

    cfg = make_config("gpt2")
    id0, id1 = tiny_tok.encode("0", add_special_tokens=False)[0], tiny_tok.encode("1", add_special_tokens=False)[0]
    torch.manual_seed(11)
    lm = AutoModelForCausalLM.from_config(cfg).eval()
    torch.manual_seed(11)
    clf = build_classifier(cfg, head_init="unembed01", tokenizer=tiny_tok).eval()

    w = clf.head.weight.detach()
    torch.testing.assert_close(w, lm.get_output_embeddings().weight.detach()[[id0, id1]], atol=0, rtol=0)
    # GPT-2 ties the unembedding to the input embedding of the classifier's own backbone
    torch.testing.assert_close(w, clf.backbone.get_input_embeddings().weight.detach()[[id0, id1]], atol=0, rtol=0)
    assert not torch.equal(w[0], w[1])
    assert torch.count_nonzero(clf.head.bias) == 0

    seqs = [[5, 0, 17, 42, 8], [9, 0], [3, 4, 5]]
    with torch.no_grad():
        got = clf(*pad_batch(seqs, "right"))
        for i, s in enumerate(seqs):
            next_token = lm(torch.tensor([s])).logits[0, -1]
            torch.testing.assert_close(got[i], next_token[[id0, id1]], atol=1e-5, rtol=0)


def test_unembed01_untied_uses_output_embeddings(tiny_tok):
    from transformers import AutoModelForCausalLM

    cfg = make_config("llama")
    assert not cfg.tie_word_embeddings
    ids01 = [tiny_tok.encode(t, add_special_tokens=False)[0] for t in ("0", "1")]
    torch.manual_seed(5)
    lm = AutoModelForCausalLM.from_config(cfg).eval()
    torch.manual_seed(5)
    clf = build_classifier(cfg, head_init="unembed01", tokenizer=tiny_tok).eval()
    torch.testing.assert_close(clf.head.weight.detach(), lm.lm_head.weight.detach()[ids01], atol=0, rtol=0)
    assert not torch.allclose(clf.head.weight, clf.backbone.get_input_embeddings().weight[ids01])
    seq = [7, 0, 19, 4]
    with torch.no_grad():
        torch.testing.assert_close(alone(clf, seq), lm(torch.tensor([seq])).logits[0, -1, ids01], atol=1e-5, rtol=0)


# The decoder families of the pretrained presets (gpt2, qwen2 for Qwen2.5, gpt_neox for Pythia, ...), each with
# tied and untied unembeddings (GPT-2 and Qwen2.5 up to 3B tie them, Qwen2.5-7B and Pythia do not).
PRESET_DECODERS = sorted({p.family for p in MODEL_PRESETS.values() if p.hub_id and p.family != "bert"})


@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("family", PRESET_DECODERS)
def test_unembed01_head_is_the_lms_0_1_logits_for_every_preset_family(family, tied, tiny_tok):
    """The paper's head (§A.1): at initialisation the classifier's logits are the causal LM's next-token logits
    of "0" and "1", whatever the family and whether its unembedding is tied to its input embedding."""
    from transformers import AutoModelForCausalLM

    assert {"gpt2", "gpt_neox", "qwen2"} <= set(PRESET_DECODERS)  # GPT-2, Pythia, Qwen2.5 at least
    cfg = make_config(family)
    cfg.tie_word_embeddings = tied
    ids01 = [tiny_tok.encode(t, add_special_tokens=False)[0] for t in ("0", "1")]
    torch.manual_seed(3)
    lm = AutoModelForCausalLM.from_config(cfg).eval()
    torch.manual_seed(3)
    clf = build_classifier(cfg, head_init="unembed01", tokenizer=tiny_tok).eval()
    torch.testing.assert_close(
        clf.head.weight.detach(), lm.get_output_embeddings().weight.detach()[ids01], atol=0, rtol=0
    )
    tied_rows = torch.equal(clf.head.weight, clf.backbone.get_input_embeddings().weight[ids01])
    assert tied_rows == tied
    seq = [7, 0, 19, 4]
    with torch.no_grad():
        torch.testing.assert_close(alone(clf, seq), lm(torch.tensor([seq])).logits[0, -1, ids01], atol=1e-5, rtol=0)


def test_unembed01_builds_the_smoke_presets_from_their_names():
    """The tiny presets are GPT-2s (causal LMs) built at random with the offline tokenizer, in which "0" and
    "1" are single tokens: the smoke presets can run the paper's head, as the paper presets do."""
    for name in ("tiny-1", "tiny-2", "tiny-3"):
        torch.manual_seed(0)
        clf = build_classifier(name, head_init="unembed01")  # the tokenizer comes from the name
        emb = clf.backbone.get_input_embeddings().weight  # tied, as GPT-2's
        tok = tiny_tokenizer()
        ids01 = [tok.encode(t, add_special_tokens=False) for t in ("0", "1")]
        assert all(len(i) == 1 for i in ids01)
        torch.testing.assert_close(clf.head.weight, emb[[ids01[0][0], ids01[1][0]]], atol=0, rtol=0)
        assert torch.count_nonzero(clf.head.weight) > 0


def test_unembed01_needs_tokenizer_with_config():
    with pytest.raises(ValueError, match="tokenizer"):
        build_classifier(make_config("gpt2"), head_init="unembed01")


def test_zeros_head_gives_zero_logits():
    torch.manual_seed(0)
    model = build_classifier(make_config("gpt2")).eval()
    assert torch.count_nonzero(model.head.weight) == 0 and torch.count_nonzero(model.head.bias) == 0
    with torch.no_grad():
        assert torch.count_nonzero(model(*pad_batch(SEQS, "right"))) == 0


# ---------------------------------------------------------------------------------------------
# linear probe


def test_linear_probe_freezes_backbone():
    model = random_head_classifier("gpt2", linear_probe=True)
    assert all(not p.requires_grad for p in model.backbone.parameters())
    assert all(p.requires_grad for p in model.head.parameters())
    logits = model(*pad_batch(SEQS, "right"))
    torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 0, 1, 1])).backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert model.head.weight.grad is not None and torch.count_nonzero(model.head.weight.grad) > 0


def test_full_finetune_trains_backbone():
    # control for the test above: without linear_probe the same backward reaches the backbone
    model = random_head_classifier("gpt2", linear_probe=False)
    logits = model(*pad_batch(SEQS, "right"))
    torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 0, 1, 1])).backward()
    grads = [p.grad for p in model.backbone.parameters()]
    assert all(g is not None for g in grads)
    assert any(torch.count_nonzero(g) > 0 for g in grads)


# ---------------------------------------------------------------------------------------------
# checkpoints (docs/reference_differences.md §2)


@pytest.mark.parametrize("family", ["gpt2", "llama", "gpt_neox"])
def test_checkpoint_round_trip(family, tmp_path, tiny_tok):
    model = random_head_classifier(family, seed=3)
    batch = pad_batch(SEQS, "left")
    with torch.no_grad():
        before = model(*batch)
    path = save_classifier(model, tmp_path / "ckpt", tiny_tok)

    # A different seed before loading: a reload that built the model but never applied the saved weights
    # would give a fresh random backbone and a zero head.
    torch.manual_seed(12345)
    loaded = load_classifier(path).eval()
    with torch.no_grad():
        after = loaded(*batch)
    torch.testing.assert_close(after, before, atol=0, rtol=0)

    # control: a model with other random weights gives other logits on the same batch
    other = random_head_classifier(family, seed=4)
    with torch.no_grad():
        assert (other(*batch) - before).abs().max() > 1e-3

    files = [p for p in path.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in {".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt"}]
    assert (path / "classifier.safetensors").is_file()


def test_checkpoint_keeps_head_metadata(tmp_path):
    torch.manual_seed(0)
    model = build_classifier(make_config("gpt2"), num_labels=3, pooling="mean", linear_probe=True)
    loaded = load_classifier(save_classifier(model, tmp_path / "ck"))
    assert loaded.num_labels == 3
    assert loaded.pooling == "mean"
    assert loaded.linear_probe is True
    assert all(not p.requires_grad for p in loaded.backbone.parameters())


# ---------------------------------------------------------------------------------------------
# argument errors


def test_bad_head_init_names_valid_choices():
    with pytest.raises(ValueError) as err:
        build_classifier(make_config("gpt2"), head_init="random")
    assert "random" in str(err.value)
    for name in HEAD_INITS:
        assert name in str(err.value)


def test_bad_pooling_names_valid_choices():
    with pytest.raises(ValueError) as err:
        build_classifier(make_config("gpt2"), pooling="max")
    assert "max" in str(err.value)
    for name in POOLINGS:
        assert name in str(err.value)


# ---------------------------------------------------------------------------------------------
# tokenizers


def test_tiny_tokenizer_is_deterministic(tiny_tok):
    # rebuild the BPE from scratch (bypassing the cache) and compare with the cached one
    fresh = tokenizers._tiny_tokenizer_json.__wrapped__()
    assert fresh == tokenizers._tiny_tokenizer_json()
    assert tiny_tokenizer().get_vocab() == tiny_tok.get_vocab()
    # every id fits the tiny models' 512-row embedding (the trainer stops below 512 on this corpus)
    assert max(tiny_tok.get_vocab().values()) < presets.TINY_VOCAB


def test_tiny_tokenizer_special_and_digit_tokens(tiny_tok):
    assert tiny_tok.pad_token_id == 0
    assert tiny_tok.eos_token_id == 1
    assert tiny_tok.truncation_side == "left"
    ids0 = tiny_tok.encode("0", add_special_tokens=False)
    ids1 = tiny_tok.encode("1", add_special_tokens=False)
    assert len(ids0) == 1 and len(ids1) == 1 and ids0 != ids1
    assert {ids0[0], ids1[0]}.isdisjoint({0, 1})
    # any text tokenizes (byte fallback) and decodes back
    text = "Q: ünïcode ☃ 123! A: Yes"
    assert tiny_tok.decode(tiny_tok.encode(text, add_special_tokens=False)) == text


def _bare_tokenizer(**special):
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(tokenizers._tiny_tokenizer_json()), **special)


def test_configure_tokenizer_uses_eos_as_pad():
    tok = _bare_tokenizer(eos_token="<eos>")
    assert tok.pad_token is None
    out = configure_tokenizer(tok)
    assert out.pad_token == "<eos>" and out.pad_token_id == 1
    assert out.truncation_side == "left"


def test_configure_tokenizer_without_eos():
    tok = _bare_tokenizer(unk_token="<eos>")
    assert tok.pad_token is None and tok.eos_token is None
    assert configure_tokenizer(tok).pad_token == "<eos>"

    tok = _bare_tokenizer()
    out = configure_tokenizer(tok)
    assert out.pad_token is not None and out.pad_token_id is not None
    assert out.truncation_side == "left"


def test_configure_tokenizer_keeps_existing_pad():
    tok = _bare_tokenizer(pad_token="<pad>", eos_token="<eos>")
    assert configure_tokenizer(tok).pad_token_id == 0


# ---------------------------------------------------------------------------------------------
# presets


@pytest.mark.parametrize("name", [n for n, p in MODEL_PRESETS.items() if p.tiny is not None])
def test_tiny_preset_param_count(name):
    torch.manual_seed(0)
    model = build_classifier(name)
    assert sum(p.numel() for p in model.parameters()) == MODEL_PRESETS[name].params
    assert MODEL_PRESETS[name].hub_id is None and MODEL_PRESETS[name].lr > 0


def test_tiny1_param_count_by_hand():
    # tiny-1: GPT-2, vocab 512, 512 positions, width 16, 1 layer, head 16 -> 2
    #   wte 512*16 + wpe 512*16 = 16384
    #   block: ln_1 32 + c_attn 16*48+48 + c_proj 16*16+16 + ln_2 32 + c_fc 16*64+64 + mlp c_proj 64*16+16 = 3280
    #   ln_f 32; head 16*2 + 2 = 34
    assert MODEL_PRESETS["tiny-1"].params == 16384 + 3280 + 32 + 34 == 19730


def test_hub_presets_are_complete():
    hub = [p for p in MODEL_PRESETS.values() if p.tiny is None]
    assert len(hub) >= 10
    for p in hub:
        assert isinstance(p.hub_id, str) and "/" in p.hub_id, p.name
        assert p.lr > 0 and p.params > 0, p.name
    for family, names in MODEL_FAMILIES.items():
        assert names and all(n in MODEL_PRESETS for n in names), family
        sizes = [MODEL_PRESETS[n].params for n in names]
        assert sizes == sorted(sizes), family


def test_lora_trains_only_adapters_and_head_and_round_trips(tiny_tok, tmp_path):
    pytest.importorskip("peft")
    from w2s_lib.models.classifier import add_lora, build_classifier, load_classifier, save_classifier
    from w2s_lib.nlp.train import TrainConfig, predict, train_classifier

    torch.manual_seed(0)
    model = build_classifier("tiny-2", tokenizer=tiny_tok, head_init="unembed01")
    texts = ["good food", "bad service", "nice place and good", "awful bad"] * 4
    before = predict(model, tiny_tok, texts)
    base = {k: v.clone() for k, v in model.state_dict().items()}
    add_lora(model, 4)
    np.testing.assert_allclose(predict(model, tiny_tok, texts), before, atol=1e-6)  # B = 0: a no-op at first
    trainable = {k for k, p in model.named_parameters() if p.requires_grad}
    assert trainable == {k for k in trainable if "lora_" in k} | {"head.weight", "head.bias"}
    assert 0 < sum(model.get_parameter(k).numel() for k in trainable) < 0.1 * sum(v.numel() for v in base.values())
    train_classifier(
        model,
        tiny_tok,
        texts,
        np.array([1, 0, 1, 0] * 4),
        TrainConfig(lr=1e-2, epochs=2, batch_size=8, minibatch_size=8, select="last"),
        progress=False,
    )
    after = model.state_dict()
    # the pretrained weights did not move; the adapters did

    def moved(k):  # where peft put a wrapped layer's own weights
        stem, _, leaf = k.rpartition(".")
        return f"{stem}.base_layer.{leaf}" if f"{stem}.base_layer.{leaf}" in after else k

    assert all(torch.equal(after[moved(k)], v) for k, v in base.items() if k.startswith("backbone."))
    assert any(after[k].abs().sum() > 0 for k in after if "lora_B" in k)
    save_classifier(model, tmp_path / "ckpt", tiny_tok)
    np.testing.assert_allclose(
        predict(load_classifier(tmp_path / "ckpt"), tiny_tok, texts), predict(model, tiny_tok, texts), atol=1e-6
    )


def test_lora_and_linear_probe_exclude_each_other(tiny_tok):
    pytest.importorskip("peft")
    from w2s_lib.models.classifier import build_classifier

    with pytest.raises(ValueError, match="choose one"):
        build_classifier("tiny-1", tokenizer=tiny_tok, linear_probe=True, lora_r=4)


def test_long_texts_keep_their_end(tiny_tok):
    """A text longer than max_len is cut from the left, never dropped (docs/reference_differences.md §7)."""
    from w2s_lib.nlp.train import tokenize

    text = "the first words are cut and the last words stay: 1"
    full = tiny_tok(text)["input_ids"]
    (cut,) = tokenize(tiny_tok, [text], max_len=5)
    assert len(full) > 5 and cut == full[-5:]
