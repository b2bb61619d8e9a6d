"""The NLP setting's settings objects: ``DataSettings`` (the sizes of every run's data, per task and seed) and
``PromptSettings`` (how ``prompting.prompting_results`` prompts the models). Each checks its fields when it is
made, with a one-line ValueError naming the valid choices."""

from __future__ import annotations

from dataclasses import dataclass

from w2s_lib.data.splits import DataConfig
from w2s_lib.models.settings import is_int


@dataclass(frozen=True)
class DataSettings:
    """The sizes of every run's data; ``config`` makes one task's and seed's ``DataConfig`` (which checks them)."""

    n_train: int = 2000  # items before halving (0: every item of a Hub split)
    n_test: int = 500  # test items (0: the whole test split)
    val_frac: float = 0.1  # of each half, held out for model selection

    def __post_init__(self):
        self.config("any", 0)  # DataConfig's checks, now rather than at the first run

    def config(self, task: str, seed: int) -> DataConfig:
        return DataConfig(task=task, n_train=self.n_train, n_test=self.n_test, val_frac=self.val_frac, seed=seed)


@dataclass(frozen=True)
class PromptSettings:
    """How ``prompting.prompting_results`` prompts every model: one run per shot count, with ``PromptConfig``'s
    ``max_len``, ``batch_size`` and ``prompts``."""

    shots: tuple[int, ...] = (0, 5)  # labelled examples per prompt, one run per count (0: zero-shot)
    max_len: int = 1024  # tokens per prompt; longer prompts drop their earliest shots first
    batch_size: int = 8  # prompts per forward pass (does not change results)
    prompts: str = "ours"  # the instruction set (``prompting.PROMPT_SETS``, checked by prompting_results)

    def __post_init__(self):
        shots = tuple(self.shots) if isinstance(self.shots, (list, tuple)) else None
        if shots is None or not all(is_int(k) and k >= 0 for k in shots):
            raise ValueError(f"shots must be a list of integers >= 0 (0: zero-shot), got {self.shots!r}")
        object.__setattr__(self, "shots", shots)
        for name in ("max_len", "batch_size"):
            value = getattr(self, name)
            if not (is_int(value) and value >= 1):
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not isinstance(self.prompts, str):
            raise ValueError(f"prompts must be the name of an instruction set, got {self.prompts!r}")
