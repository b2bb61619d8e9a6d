"""How a model trains, as the library's entry points take it (``nlp.spec``, ``nlp.sweep.plan_sweep`` and the
calls built on it, the chess plans of ``chess.protocol``): ``ModelSettings``.

An entry point takes one for every model, ``every``, and one mapping ``per_model`` (model name ->
``ModelSettings``) whose set fields override ``every``'s for that model. "This model trains as a probe at lr
1e-3" is ``per_model={"gpt2": ModelSettings(linear_probe=True, lr=1e-3)}``; "every model trains 2 epochs at
batch 16" is ``every=ModelSettings(train=dict(epochs=2.0, batch_size=16))``. A field left None is not set
there: the model takes ``every``'s value, and where that is unset too the library's default (each field's
comment). The data's sizes are ``nlp.settings.DataSettings`` (chess has its own, ``chess.protocol.ChessData``).

Each object checks its fields when it is made, with a one-line ValueError naming the valid choices.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from w2s_lib.core.train_config import TrainConfig

# TrainConfig fields that a plan sets itself, so ModelSettings.train may not: why, for the error message
PLANNED = {
    "lr": "give it as ModelSettings(lr=...)",
    "seed": "every run takes its data seed",
    "loss": "a sweep's students take its losses",
    "loss_kw": "a sweep's losses take plan_sweep's loss_kw",
}


TRAIN_FIELDS = tuple(f.name for f in dataclasses.fields(TrainConfig) if f.name not in PLANNED)


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


@dataclass(frozen=True)
class ModelSettings:
    """How a model trains (module docstring): None leaves a field to ``every``'s, then to the default."""

    lr: float | None = None  # default: the model's preset rate (``models.default_lr``; chess: ``CHESS_LR`` first)
    linear_probe: bool | None = None  # True: a linear probe on the frozen backbone; default False (finetuned)
    lora_r: int | None = None  # rank of LoRA adapters instead of the whole backbone; default 0 (off)
    head_init: str | None = None  # the classifier head's start (``models.HEAD_INITS``); default "zeros"
    # The confidence loss's alpha_max when this model is a student; default: an alpha_max in plan_sweep's
    # loss_kw["logconf"], else the paper's 0.75 for the largest student and 0.5 for the others.
    alpha_max: float | None = None
    train: Mapping[str, Any] = field(default_factory=dict)  # TrainConfig fields; per_model's win key by key

    def __post_init__(self):
        from w2s_lib.models.presets import HEAD_INITS

        if self.lr is not None and not (is_number(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0 (None: the model's preset rate), got {self.lr!r}")
        if not (self.linear_probe is None or isinstance(self.linear_probe, bool)):
            raise ValueError(f"linear_probe must be True, False or None, got {self.linear_probe!r}")
        if self.lora_r is not None and not (is_int(self.lora_r) and self.lora_r >= 0):
            raise ValueError(f"lora_r must be an integer >= 0 (0: full finetuning), got {self.lora_r!r}")
        if self.head_init is not None and self.head_init not in HEAD_INITS:
            raise ValueError(f"unknown head_init {self.head_init!r}; valid: {', '.join(HEAD_INITS)}")
        if self.alpha_max is not None and not (is_number(self.alpha_max) and 0 <= self.alpha_max <= 1):
            raise ValueError(f"alpha_max must lie in [0, 1], got {self.alpha_max!r}")
        if not isinstance(self.train, Mapping):
            raise ValueError(f"train must be a mapping of TrainConfig settings, got {self.train!r}")
        for key in self.train:
            if key in PLANNED:
                raise ValueError(f"ModelSettings.train cannot set {key!r}: {PLANNED[key]}")
            if key not in TRAIN_FIELDS:
                raise ValueError(f"unknown TrainConfig setting {key!r}; valid: {', '.join(TRAIN_FIELDS)}")
        object.__setattr__(self, "train", dict(self.train))  # a copy: the caller's dict may change later

    def overridden_by(self, other: ModelSettings | None) -> ModelSettings:
        """These settings with ``other``'s set fields instead, and ``other.train``'s keys over ``train``'s."""
        if other is None:
            return self
        changes = {f.name: getattr(other, f.name) for f in dataclasses.fields(other) if f.name != "train"}
        changes = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **changes, train={**self.train, **other.train})

    def train_config(
        self, model: str, seed: int, base: TrainConfig | None = None, rates: Mapping[str, float] | None = None
    ) -> TrainConfig:
        """``model``'s TrainConfig: ``base`` (default ``TrainConfig()``) with ``train`` over it, the data ``seed``,
        and the rate ``lr``, else ``rates[model]``, else the model's preset rate (``models.default_lr``)."""
        from w2s_lib.models.presets import default_lr

        rate = self.lr or (rates or {}).get(model) or default_lr(model)
        return dataclasses.replace(base or TrainConfig(), **{"seed": seed, "lr": rate, **self.train})


def check_per_model(per_model: Mapping[str, ModelSettings] | None) -> dict[str, ModelSettings]:
    """``per_model`` as a dict (None: no overrides), each key a model name and each value ``ModelSettings``.
    Models that a plan does not train are ignored (a preset's rates may name more models than a run uses)."""
    if per_model is None:
        return {}
    if not isinstance(per_model, Mapping):
        raise ValueError(f"per_model must map model names to ModelSettings, got {per_model!r}")
    for model, settings in per_model.items():
        if not isinstance(model, str) or not isinstance(settings, ModelSettings):
            raise ValueError(f"per_model must map model names to ModelSettings, got {model!r}: {settings!r}")
    return dict(per_model)


def per_model_lr(lr: Mapping[str, float] | None) -> dict[str, ModelSettings]:
    """A notebook's ``lr`` parameter (a mapping model -> rate; {} or None: every model at its preset rate) as
    ``per_model`` settings."""
    if lr is None:
        return {}
    if not isinstance(lr, Mapping):
        raise ValueError(f"lr must be a mapping model -> rate ({{}}: each model's preset rate), got {lr!r}")
    return {model: ModelSettings(lr=rate) for model, rate in lr.items()}
