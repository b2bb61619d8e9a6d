"""The vision notebook's spec (Table 3): its flat parameters as one typed object that lists its runs without
running anything (``runs``; ``protocol.plan_table3``) and runs them (``run``; ``protocol.run_all``, which
computes the frozen models' outputs first, in one pass over the images)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from w2s_lib.core.losses import LOSSES
from w2s_lib.core.spec import Spec
from w2s_lib.vision.backbones import check_spec
from w2s_lib.vision.data import SOURCES
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

    def __post_init__(self):
        # the source's kind only: its folder (imagenet:$IMAGENET_ROOT) need not exist where the runs are planned
        kind = str(self.source).partition(":")[0]
        if kind not in SOURCES:
            raise ValueError(f"unknown image source {self.source!r}; valid: imagenet:ROOT, folder:PATH, fake, fake:N")
        if not self.strongs or not self.seeds:
            raise ValueError("give at least one student backbone (strongs) and one seed")
        bad = [loss for loss in self.losses if loss not in LOSSES]
        if bad:
            raise ValueError(f"unknown loss {bad[0]!r}; valid: {', '.join(LOSSES)}")
        for model in [self.weak, *self.strongs]:
            check_spec(model)  # names only: loads no weights
        unknown = sorted(set(self.epochs) - set(self.strongs)) if isinstance(self.epochs, dict) else []
        if unknown:
            raise ValueError(f"epochs names no student: {', '.join(unknown)}; students: {', '.join(self.strongs)}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size (images per forward pass) must be an integer >= 1, got {self.batch_size!r}")
        self.configs()  # every run's config is built (and checked: sizes, epochs) now

    def configs(self) -> list:
        """Every run's config (``protocol.plan_table3``): the supervisor, then per student its ceiling and one
        weak-to-strong probe per loss, seed by seed."""
        common = dict(pretrained=self.pretrained, n_train=self.n_train, n_test=self.n_test)
        common |= dict(image_size=self.image_size, num_classes=self.num_classes)
        args = (self.source, self.weak, list(self.strongs), list(self.losses), list(self.seeds))
        return plan_table3(*args, epochs=self.epochs or None, **common)

    def runs(self, root) -> list[VisionRun]:
        return [VisionRun(c, root) for c in self.configs()]

    def run(self, root, *, progress: bool | None = None) -> pd.DataFrame:
        return run_all(self.configs(), root, progress=progress, batch_size=self.batch_size)


NOTEBOOK_SPECS = {"table03_imagenet": VisionSpec.from_params}
