"""The vision notebook's spec (Table 3): its flat parameters as one typed object that lists its runs without
running anything (``runs``; ``protocol.plan_table3``) and runs them (``run``; ``protocol.run_all``, which
computes the frozen models' outputs first, in one pass over the images)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from w2s_lib.core.spec import Spec
from w2s_lib.vision.protocol import VisionRun, plan_table3, run_all


@dataclass(frozen=True)
class VisionSpec(Spec):
    """Every setting of Table 3's notebook (``params/*/table03_imagenet.yaml``)."""

    source: str
    weak: str = "alexnet"
    strongs: tuple[str, ...] = ("dino_resnet50", "dino_vitb8")
    losses: tuple[str, ...] = ("xent", "logconf")
    seeds: tuple[int, ...] = (0,)
    epochs: dict | float | None = None  # one number or per student; None or 0: the paper's (20; 5 for ViT-B/8)
    pretrained: bool = True
    n_train: int = 40000
    n_test: int = 10000
    image_size: int = 224
    num_classes: int = 1000
    batch_size: int = 64  # images per forward pass of the frozen models

    @classmethod
    def from_params(cls, params, **fixed):
        spec = super().from_params(params, **fixed)
        lists = {k: tuple(getattr(spec, k)) for k in ("strongs", "losses", "seeds")}
        return dataclasses.replace(spec, **lists)

    def __post_init__(self):
        self.configs()  # every run's config is built (and checked) now

    def configs(self) -> list:
        common = dict(pretrained=self.pretrained, n_train=self.n_train, n_test=self.n_test)
        common |= dict(image_size=self.image_size, num_classes=self.num_classes)
        args = (self.source, self.weak, list(self.strongs), list(self.losses), list(self.seeds))
        return plan_table3(*args, epochs=self.epochs or None, **common)

    def runs(self, root) -> list[VisionRun]:
        return [VisionRun(c, root) for c in self.configs()]

    def run(self, root, *, progress: bool | None = None) -> pd.DataFrame:
        return run_all(self.configs(), root, progress=progress, batch_size=self.batch_size)


NOTEBOOK_SPECS = {"table03_imagenet": VisionSpec.from_params}
