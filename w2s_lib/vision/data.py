"""Image sources, the evaluation transform, and the disjoint train/test split of Table 3.

A source is named by a short spec, so that configs, cache keys and the CLI share one spelling:

* ``imagenet:ROOT``: ``torchvision.datasets.ImageNet(ROOT, split="val")`` (ROOT holds the devkit and
  the validation archive or its extracted folder; torchvision documents the layout). The paper's pool:
  the 50,000 validation images, 40k to train the probes and 10k to test.
* ``folder:PATH``: any ``torchvision.datasets.ImageFolder`` (one sub-folder per class, sorted names
  give the class indices, which for ImageNet synset folders is the order the pretrained heads use).
* ``fake`` or ``fake:N``: ``torchvision.datasets.FakeData`` with N images (default 512) of random
  pixels and random labels, generated on the fly: offline, for tests and the smoke preset. There is
  nothing to learn in it; it checks the plumbing only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SOURCES = ("imagenet", "folder", "fake")
# ImageNet statistics: every backbone used here (torchvision, DINO, timm's ImageNet models) expects them
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
FAKE_DEFAULT_SIZE = 512


@dataclass(frozen=True)
class ImageSource:
    kind: str
    root: str = ""  # imagenet / folder: an absolute path
    size: int = FAKE_DEFAULT_SIZE  # fake only: number of images
    num_classes: int = 10  # fake only: labels are drawn from range(num_classes)

    @property
    def name(self) -> str:
        return source_name(f"{self.kind}:{self.root}")

    def key(self) -> str:
        """What identifies the images (not the transform): part of every feature cache key."""
        if self.kind == "fake":
            return f"fake:{self.size}:{self.num_classes}"
        return f"{self.kind}:{self.root}"


def source_name(spec: str) -> str:
    """A short readable name for run folders and tables: the kind, or a folder source's folder name."""
    kind, _, arg = str(spec).partition(":")
    return (Path(arg).name or "folder") if kind == "folder" else kind


def parse_source(spec: str, *, num_classes: int = 10) -> ImageSource:
    """``imagenet:ROOT``, ``folder:PATH``, ``fake`` or ``fake:N`` (see the module docstring).

    Paths may use ``~`` and environment variables (``imagenet:$IMAGENET_ROOT``)."""
    kind, _, arg = str(spec).partition(":")
    if kind not in SOURCES:
        raise ValueError(f"unknown image source {spec!r}; valid: imagenet:ROOT, folder:PATH, fake, fake:N")
    if kind == "fake":
        if arg and not arg.isdigit():
            raise ValueError(f"fake:N needs a number of images, got {spec!r}")
        return ImageSource("fake", size=int(arg) if arg else FAKE_DEFAULT_SIZE, num_classes=num_classes)
    if not arg:
        raise ValueError(f"{kind}: needs a path, as in {kind}:/data/imagenet")
    root = os.path.expandvars(os.path.expanduser(arg))
    if "$" in root:
        raise ValueError(f"{spec!r} names an unset environment variable: export it or write the path")
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"{kind} source {root} is not a folder")
    return ImageSource(kind, root=root)


@dataclass(frozen=True)
class EvalTransform:
    """Resize the short side to ``resize``, center-crop ``image_size``, normalise with ImageNet statistics.

    224/256 is the torchvision and DINO evaluation recipe; ``resize=0`` scales it as 256/224 of the crop.
    """

    image_size: int = 224
    resize: int = 0

    def key(self) -> str:
        return f"resize{self.resize or round(self.image_size * 256 / 224)}-crop{self.image_size}"

    def build(self):
        from torchvision import transforms as T

        resize = self.resize or round(self.image_size * 256 / 224)
        return T.Compose(
            [
                T.Resize(resize, interpolation=T.InterpolationMode.BILINEAR),
                T.CenterCrop(self.image_size),
                T.ToTensor(),
                T.Normalize(MEAN, STD),
            ]
        )


def open_dataset(source: ImageSource, transform=None, *, fake_image_size: int = 64):
    """The torchvision dataset behind ``source`` (items are (image tensor, class index))."""
    from torchvision import datasets

    if source.kind == "imagenet":
        return datasets.ImageNet(source.root, split="val", transform=transform)
    if source.kind == "folder":
        return datasets.ImageFolder(source.root, transform=transform)
    # FakeData's images are fixed by their index, so every pass sees the same pixels
    return datasets.FakeData(
        size=source.size,
        image_size=(3, fake_image_size, fake_image_size),
        num_classes=source.num_classes,
        transform=transform,
    )


def split(n_total: int, n_train: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint train and test indices into a pool of ``n_total`` images, drawn by ``seed``.

    The paper: 40,000 of the 50,000 ImageNet validation images train the probes, the other 10,000 test.
    """
    if n_train <= 0 or n_test <= 0:
        raise ValueError(f"n_train and n_test must be positive, got {n_train} and {n_test}")
    if n_train + n_test > n_total:
        raise ValueError(f"n_train + n_test = {n_train + n_test} exceeds the {n_total} images of the source")
    perm = np.random.default_rng(seed).permutation(n_total)
    return np.sort(perm[:n_train]), np.sort(perm[n_train : n_train + n_test])
