"""Loading real checkpoints: training weights in fp32 whatever the checkpoint stores (issue 14, item 5), and
MODEL@REVISION names that load an earlier pretraining checkpoint through the Hub cache (item 6).

Everything is offline: tiny checkpoints of the real model classes saved to folders, and a Hugging Face hub
cache laid out as the real one (refs, snapshots, blobs) in the test session's temporary HF_HOME.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import torch

from w2s_lib import plotting
from w2s_lib.chess import protocol as chess_protocol
from w2s_lib.models import loading, presets, tokenizers
from w2s_lib.models.classifier import build_classifier
from w2s_lib.models.loading import model_source, stored_dtype
from w2s_lib.models.presets import split_revision
from w2s_lib.nlp import genft, prompting
from w2s_lib.nlp.protocol import DataConfig, RunConfig, run_dir
from w2s_lib.nlp.train import TrainConfig

HALF = {torch.float16: "float16", torch.bfloat16: "bfloat16"}
FAMILIES = ("gpt2", "gpt_neox", "qwen2", "llama")


def tiny_lm(family: str):
    """A random-init causal LM of the real class of ``family``, shaped for the offline tiny tokenizer."""
    from transformers import (
        GPT2Config,
        GPT2LMHeadModel,
        GPTNeoXConfig,
        GPTNeoXForCausalLM,
        LlamaConfig,
        LlamaForCausalLM,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    ids = dict(vocab_size=presets.TINY_VOCAB, pad_token_id=0, bos_token_id=1, eos_token_id=1)
    small = dict(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        **ids,
    )
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
    tokenizers.tiny_tokenizer().save_pretrained(folder)
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
    assert trainable_dtypes(loading.base_lm(folder)) == {torch.float32}
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
    assert loading.inference_dtype("cpu") == torch.float32


def test_stored_dtype_reads_the_config(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "gpt2", "torch_dtype": "bfloat16"}')
    assert stored_dtype(str(tmp_path)) == "bfloat16"  # the key of configs saved by transformers 4
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    assert stored_dtype(str(tmp_path)) is None
    assert stored_dtype("tiny-1") is None  # random-init: no checkpoint


# ---------------------------------------------------------------------------------------------
# Item 6: MODEL@REVISION


def test_split_revision():
    assert split_revision("pythia-410m@step3000") == ("pythia-410m", "step3000")
    assert split_revision("EleutherAI/pythia-70m@step3000") == ("EleutherAI/pythia-70m", "step3000")
    assert split_revision("gpt2") == ("gpt2", None)
    assert split_revision("org/model@feature@x") == ("org/model", "feature@x")  # branch names may hold '@'
    for bad in ("@step3000", "pythia-70m@"):
        with pytest.raises(ValueError, match="MODEL@REVISION"):
            split_revision(bad)


def test_a_local_folder_with_an_at_sign_has_no_revision(tmp_path):
    folder = tmp_path / "run@2"
    folder.mkdir()
    assert split_revision(str(folder)) == (str(folder), None)
    assert model_source(str(folder)) == (str(folder), None)
    with pytest.raises(ValueError, match="local folder"):
        model_source(f"{tmp_path}@main")


def test_model_source():
    assert model_source("pythia-70m") == ("EleutherAI/pythia-70m", None)
    assert model_source("pythia-410m@step3000") == ("EleutherAI/pythia-410m", "step3000")
    assert model_source("EleutherAI/pythia-70m@step3000") == ("EleutherAI/pythia-70m", "step3000")
    # an installed package has one version of the weights: a revision comes from the Hub
    assert model_source("minilm-l6@main") == ("sentence-transformers/all-MiniLM-L6-v2", "main")
    assert model_source("tiny-1") == (None, None)
    with pytest.raises(ValueError, match="no revisions"):
        model_source("tiny-1@step3000")


def test_a_revision_keeps_its_presets_size_rate_and_family():
    assert presets.preset_of("pythia-410m@step3000") is presets.MODEL_PRESETS["pythia-410m"]
    assert presets.preset_of("EleutherAI/pythia-70m@step3000") is None
    assert presets.default_lr("pythia-1b@step3000") == presets.MODEL_PRESETS["pythia-1b"].lr
    assert plotting.model_x("pythia-410m@step3000") == plotting.model_x("pythia-410m")
    order = presets.model_order(["pythia-1b", "pythia-410m@step3000", "pythia-70m", "pythia-410m"])
    assert order == ["pythia-70m", "pythia-410m@step3000", "pythia-410m", "pythia-1b"]


def test_model_names_are_checked_with_revisions(tmp_path):
    for ok in ("pythia-410m@step3000", "gpt2", "EleutherAI/pythia-70m@step3000", "org/model", str(tmp_path)):
        loading.check_model_name(ok)
    for bad, why in (
        ("pythia-9b", "unknown model"),
        ("pythia-9b@step1", "unknown model"),
        ("tiny-1@step1", "no revisions"),
        ("gpt2@", "MODEL@REVISION"),
    ):
        with pytest.raises(ValueError, match=why):
            loading.check_model_name(bad)


def test_run_names_and_folders_record_the_revision():
    data = DataConfig("synth_sentiment")
    final, early = RunConfig(data, "pythia-70m"), RunConfig(data, "pythia-70m@step3000")
    assert run_dir(final, "r") != run_dir(early, "r")
    assert "pythia-70m--step3000" in run_dir(early, "r").name  # '@' is slugged, and the revision stays
    assert run_dir(early, "r").parent == run_dir(final, "r").parent
    assert genft.genft_dir(early, "r") != genft.genft_dir(final, "r")
    student = RunConfig(data, "pythia-70m", labels="weak", half="B", weak=early)
    assert "pythia-70m--step3000-to-pythia-70m" in run_dir(student, "r").name


# ---------------------------------------------------------------------------------------------
# Item 6 through a Hub cache laid out as the real one

REPO = "EleutherAI/pythia-70m"
COMMITS = {"main": "1" * 40, "step3000": "3" * 40}
STORED = {"main": torch.float16, "step3000": torch.bfloat16}


def _as_hub_snapshot(folder: Path, repo: Path, commit: str) -> None:
    """Move a saved folder into ``repo`` as huggingface_hub does: files in blobs/<hash>, symlinked from
    snapshots/<commit>/."""
    snap = repo / "snapshots" / commit
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    snap.mkdir(parents=True)
    for f in folder.iterdir():
        blob = repo / "blobs" / hashlib.sha256(f.read_bytes()).hexdigest()
        shutil.move(f, blob)
        (snap / f.name).symlink_to(os.path.relpath(blob, snap))


@pytest.fixture(scope="module")
def hub_cache(tmp_path_factory):
    """``EleutherAI/pythia-70m`` in the session's hub cache: refs/main and refs/step3000 name two snapshots
    of a tiny GPTNeoX with different weights (and stored dtypes). Returns the snapshots' backbone weights."""
    from huggingface_hub import constants
    from transformers import GPTNeoXForCausalLM

    cache = Path(constants.HF_HUB_CACHE)
    assert cache.is_relative_to(os.environ["HF_HOME"]) and os.environ["HF_HUB_OFFLINE"] == "1"
    repo = cache / ("models--" + REPO.replace("/", "--"))
    assert not repo.exists(), f"{repo} exists already: another test owns it"
    weights = {}
    for seed, (ref, commit) in enumerate(COMMITS.items()):
        folder = save_checkpoint(tmp_path_factory.mktemp(ref), "gpt_neox", STORED[ref], seed=seed)
        weights[ref] = GPTNeoXForCausalLM.from_pretrained(folder, dtype=torch.float32).gpt_neox.state_dict()
        _as_hub_snapshot(folder, repo, commit)
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / ref).write_text(commit)
    yield weights
    shutil.rmtree(repo)


def _same(state: dict, expected: dict) -> bool:
    return state.keys() == expected.keys() and all(torch.equal(state[k], expected[k]) for k in state)


@pytest.mark.parametrize("name", ["pythia-70m@step3000", f"{REPO}@step3000"])
def test_a_revision_loads_its_own_weights_through_the_hub_cache(hub_cache, name):
    early, final = build_classifier(name), build_classifier("pythia-70m")
    assert _same(early.backbone.state_dict(), hub_cache["step3000"])
    assert _same(final.backbone.state_dict(), hub_cache["main"])
    assert not _same(early.backbone.state_dict(), final.backbone.state_dict())
    assert early.feature_cache_key != final.feature_cache_key  # frozen features are never shared
    assert trainable_dtypes(early) == {torch.float32}
    assert _same(loading.base_lm(name).gpt_neox.state_dict(), hub_cache["step3000"])


def test_a_revisions_config_and_tokenizer_come_from_its_snapshot(hub_cache):
    assert (stored_dtype("pythia-70m"), stored_dtype("pythia-70m@step3000")) == ("float16", "bfloat16")
    tok = loading.load_tokenizer("pythia-70m@step3000")
    assert tok.get_vocab() == tokenizers.tiny_tokenizer().get_vocab() and tok.pad_token_id == 0


def test_an_unknown_revision_is_a_clear_error(hub_cache):
    for load in (build_classifier, loading.base_lm, loading.load_tokenizer, stored_dtype):
        with pytest.raises(OSError, match=r"cannot load revision 'step999' of model 'pythia-70m@step999'"):
            load("pythia-70m@step999")
