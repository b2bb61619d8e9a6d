"""Loading real checkpoints: training weights in fp32 whatever the checkpoint stores (issue 14, item 5).

Everything is offline: tiny checkpoints of the real model classes saved to folders.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from w2s_lib import genft, models, prompting
from w2s_lib.chess import protocol as chess_protocol
from w2s_lib.models import build_classifier, stored_dtype
from w2s_lib.protocol import DataConfig, RunConfig, run_dir
from w2s_lib.train import TrainConfig

HALF = {torch.float16: "float16", torch.bfloat16: "bfloat16"}
FAMILIES = ("gpt2", "gpt_neox", "qwen2", "llama")


def tiny_lm(family: str):
    """A random-init causal LM of the real class of ``family``, shaped for the offline tiny tokenizer."""
    from transformers import (GPT2Config, GPT2LMHeadModel, GPTNeoXConfig, GPTNeoXForCausalLM, LlamaConfig,
                              LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM)

    ids = dict(vocab_size=models.TINY_VOCAB, pad_token_id=0, bos_token_id=1, eos_token_id=1)
    small = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                 max_position_embeddings=64, **ids)
    if family == "gpt2":
        return GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=2, n_head=2, n_positions=64, **ids))
    if family == "gpt_neox":
        return GPTNeoXForCausalLM(GPTNeoXConfig(**small))
    if family == "qwen2":
        return Qwen2ForCausalLM(Qwen2Config(num_key_value_heads=2, **small))
    return LlamaForCausalLM(LlamaConfig(num_key_value_heads=2, **small))


def save_checkpoint(folder: Path, family: str, dtype: torch.dtype, seed: int = 0) -> Path:
    """A checkpoint as the Hub stores Pythia (fp16) or Qwen2.5 (bf16): half-precision weights, a config
    that records the dtype, and a tokenizer."""
    torch.manual_seed(seed)
    tiny_lm(family).to(dtype).save_pretrained(folder)
    models.tiny_tokenizer().save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def half_checkpoints(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("half")
    return {(f, d): save_checkpoint(root / f"{f}-{HALF[d]}", f, d) for f in FAMILIES for d in HALF}


def trainable_dtypes(module: torch.nn.Module) -> set:
    dtypes = {p.dtype for p in module.parameters() if p.requires_grad}
    assert dtypes, "nothing trains"
    return dtypes


# ---------------------------------------------------------------------------------------------
# Item 5: what trains is fp32


@pytest.mark.parametrize("dtype", list(HALF), ids=list(HALF.values()))
@pytest.mark.parametrize("family", FAMILIES)
def test_a_classifier_on_a_half_precision_checkpoint_trains_in_fp32(half_checkpoints, family, dtype):
    folder = half_checkpoints[family, dtype]
    assert stored_dtype(str(folder)) == HALF[dtype]  # the checkpoint really is half precision
    clf = build_classifier(str(folder))
    assert trainable_dtypes(clf) == {torch.float32}
    assert {p.dtype for p in clf.backbone.parameters()} == {torch.float32}


@pytest.mark.parametrize("family", ("gpt_neox", "qwen2"))
def test_generative_and_chess_models_of_a_half_precision_checkpoint_train_in_fp32(half_checkpoints, family):
    dtype = torch.float16 if family == "gpt_neox" else torch.bfloat16  # as Pythia and Qwen2.5 store them
    folder = str(half_checkpoints[family, dtype])
    assert trainable_dtypes(genft.base_lm(folder)) == {torch.float32}
    cfg = chess_protocol.gt_run(chess_protocol.ChessData(n_train=10, n_test=5, n_parts=2), folder)
    lm, _ = chess_protocol._lm(cfg)
    assert trainable_dtypes(lm) == {torch.float32}


def test_generative_finetuning_of_a_half_precision_checkpoint_saves_and_trains_fp32(half_checkpoints, tmp_path):
    folder = str(half_checkpoints["gpt_neox", torch.float16])
    train = TrainConfig(lr=1e-3, epochs=1.0, batch_size=16, minibatch_size=16, max_len=32, select="last")
    cfg = RunConfig(DataConfig("synth_sentiment", n_train=80, n_test=20), folder, train=train, genft_epochs=1.0)
    tuned = genft.ensure_genft(cfg, tmp_path, progress=False)
    assert stored_dtype(str(tuned)) == "float32"
    assert trainable_dtypes(build_classifier(str(tuned))) == {torch.float32}


def test_a_saved_half_precision_config_rebuilds_in_fp32(half_checkpoints):
    """``load_classifier`` builds from a saved config, and from_config builds in the dtype it records."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(half_checkpoints["qwen2", torch.bfloat16])
    assert trainable_dtypes(build_classifier(config)) == {torch.float32}


def test_prompting_loads_inference_weights_in_fp32_on_a_cpu(half_checkpoints):
    lm, _ = prompting._language_model.__wrapped__(str(half_checkpoints["gpt2", torch.float16]), 0, "cpu")
    assert {p.dtype for p in lm.parameters()} == {torch.float32}
    assert models.inference_dtype("cpu") == torch.float32


def test_stored_dtype_reads_the_config(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "gpt2", "torch_dtype": "bfloat16"}')
    assert stored_dtype(str(tmp_path)) == "bfloat16"  # the key of configs saved by transformers 4
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    assert stored_dtype(str(tmp_path)) is None
    assert stored_dtype("tiny-1") is None  # random-init: no checkpoint
