"""Backbone + classification head, tokenizers, and the model presets.

The head reads the hidden state of the *last real token*, found from the attention mask, so padding side
and token ids never move the read position. (The reference code found the last token by counting
non-zero ids; GPT-2's id 0 is "!", so every "!" in a text made it read an earlier token:
docs/reference_differences.md §1.)
Position ids are derived from the mask too, so a left-padded example sees the same positions as alone.
"""

from __future__ import annotations

import inspect
import json
import warnings
from pathlib import Path

import torch
from torch import nn

from w2s_lib.models import features
from w2s_lib.models.loading import clear_revision_errors, load_tokenizer, quiet_loading, resolve_backbone, revision_kw
from w2s_lib.models.presets import ENCODER_TYPES, HEAD_INITS, POOLINGS, preset_of


def clear_feature_cache() -> None:
    """Forget the features held in memory (the disk cache of ``w2s_lib.models.features`` stays)."""
    features.clear_memory()


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
        ``w2s_lib.models.features`` (memory and disk) for pretrained weights, which every probe on them shares,
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
    from transformers import AutoModelForCausalLM, PretrainedConfig

    if head_init not in HEAD_INITS:
        raise ValueError(f"unknown head_init {head_init!r}; valid: {', '.join(HEAD_INITS)}")
    backbone, name, revision, pooling = _resolve_name(backbone, pooling, from_pretrained_kw)
    config = _backbone_config(backbone, name, revision, trust_remote_code, from_pretrained_kw)
    auto = _model_class(config, head_init)
    model = _load_model(auto, backbone, config, name, revision, trust_remote_code, dtype, from_pretrained_kw)
    rows = None
    if head_init == "unembed01":
        if tokenizer is None:
            tokenizer = _head_tokenizer(backbone, name, trust_remote_code)
        rows = _unembedding_rows(model, tokenizer, ("1",) if pairwise else ("0", "1"))
    base = model.base_model if auto is AutoModelForCausalLM else model
    clf = Classifier(base, num_labels=num_labels, pooling=pooling, linear_probe=linear_probe, pairwise=pairwise)
    if not isinstance(backbone, PretrainedConfig):  # the same pretrained weights (revision in the kw) share features
        clf.feature_cache_key = f"{backbone}|{dtype}|{sorted(from_pretrained_kw.items())}|{pooling}"
    _init_head(clf, rows, num_labels, normal=head_init == "normal")
    if lora_r:
        add_lora(clf, lora_r)
    return clf


def _resolve_name(backbone, pooling, kw: dict):
    """(backbone, name, revision, pooling) for a backbone named by a string: the Hub id or path and revision it
    stands for, and its preset's pooling; the preset's layer count and the revision go into ``kw``, the keywords
    of every ``from_pretrained``. A config passes through with no name."""
    name = backbone if isinstance(backbone, str) else None
    preset = preset_of(name) if name else None
    pooling = pooling or (preset.pooling if preset else "last")
    if preset is not None and preset.num_layers is not None:
        kw.setdefault("num_hidden_layers", preset.num_layers)
    revision = None
    if name:
        backbone, revision = resolve_backbone(name)
    kw.update(revision_kw(revision))
    return backbone, name, revision, pooling


def _model_class(config, head_init: str):
    """``AutoModelForCausalLM`` for a causal LM (and for ``"unembed01"``, which reads its unembedding), else
    ``AutoModel``."""
    from transformers import AutoModel, AutoModelForCausalLM

    # Encoders like BERT also have a causal-LM class in transformers; they are used bidirectionally here.
    is_causal = type(config) in AutoModelForCausalLM._model_mapping and config.model_type not in ENCODER_TYPES
    if head_init == "unembed01" and not is_causal:
        raise ValueError(f"head_init='unembed01' needs a causal LM; {type(config).__name__} is not one")
    return AutoModelForCausalLM if (head_init == "unembed01" or is_causal) else AutoModel


def _load_model(auto, backbone, config, name, revision, trust_remote_code: bool, dtype, kw: dict):
    """The backbone model: random-init from a given config, else pretrained weights (revision errors made clear)."""
    from transformers import PretrainedConfig

    if isinstance(backbone, PretrainedConfig):  # dtype too: from_config builds in the dtype a config records
        return auto.from_config(config, trust_remote_code=trust_remote_code, dtype=dtype)
    with quiet_loading(), clear_revision_errors(name, revision):
        return auto.from_pretrained(str(backbone), trust_remote_code=trust_remote_code, dtype=dtype, **kw)


def _head_tokenizer(backbone, name, trust_remote_code: bool):
    """The tokenizer that finds the head's tokens ("0" and "1") for ``"unembed01"`` when none was given."""
    from transformers import PretrainedConfig

    if isinstance(backbone, PretrainedConfig) and name is None:  # a random-init preset has its name
        raise ValueError("head_init='unembed01' with a config needs tokenizer=")
    return load_tokenizer(name or str(backbone), trust_remote_code=trust_remote_code)


def _backbone_config(backbone, name, revision, trust_remote_code: bool, kw: dict):
    """The backbone's config: the given one, or read from its folder or the Hub (revision errors made clear)."""
    from transformers import AutoConfig, PretrainedConfig

    if isinstance(backbone, PretrainedConfig):
        return backbone
    with clear_revision_errors(name, revision):
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
