"""Frozen-model outputs (classifier logits, backbone features) over an image source, computed once.

Each (model, output, weights, source, transform) gets one safetensors file under the cache folder,
holding ``x`` [N, D] (float32) and ``labels`` [N] for every image of the source in dataset order, with
the spec and the extraction time in its metadata. Files are written atomically, so an interrupted
extraction leaves no partial file and simply starts again. Models that are missing are computed
together in a single pass over the images: decoding the JPEGs is the expensive part on a GPU.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from w2s_lib.core import cache
from w2s_lib.core.progress import show_progress
from w2s_lib.vision.backbones import load_backbone
from w2s_lib.vision.data import EvalTransform, ImageSource, open_dataset


@dataclass(frozen=True)
class FeatureSpec:
    model: str
    output: str  # "logits" or "features"
    pretrained: bool
    source: str  # ImageSource.key()
    transform: str  # EvalTransform.key()
    num_classes: int = 1000  # head size of random-init classifiers
    fake_image_size: int = 64  # FakeData only

    def path(self, cache_dir) -> Path:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", self.model)
        name = f"{slug}--{self.output}--{self.source.split(':')[0]}--{cache.config_hash(self)}.safetensors"
        return Path(cache_dir) / name


def _default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _load(path: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(path)


def _save(path: Path, tensors: dict, metadata: dict) -> None:
    from safetensors.torch import save

    blob = save({k: v.contiguous() for k, v in tensors.items()}, metadata={k: str(v) for k, v in metadata.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    cache.atomic_write(path, lambda f: f.write(blob))


def extraction_seconds(path: Path) -> float:
    """How long the extraction behind a cached file took (its metadata)."""
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        return float(f.metadata()["seconds"])


def outputs(
    models: list[tuple[str, str]],
    source: ImageSource,
    transform: EvalTransform,
    cache_dir,
    *,
    pretrained: bool = True,
    num_classes: int = 1000,
    fake_image_size: int = 64,
    batch_size: int = 64,
    num_workers: int | None = None,
    device=None,
    progress: bool | None = None,
) -> tuple[dict[tuple[str, str], torch.Tensor], torch.Tensor]:
    """``{(model, output): x [N, D]}`` and the labels [N] for every image of ``source``.

    ``models`` lists (name, "logits" | "features") pairs. Cached ones are read; the rest are computed
    in one pass over the images (``num_workers`` loader processes: 0 for FakeData, else up to 8).
    """
    specs = {
        (m, out): FeatureSpec(
            m,
            out,
            pretrained,
            source.key(),
            transform.key(),
            num_classes,
            fake_image_size if source.kind == "fake" else 0,
        )
        for m, out in models
    }
    missing = [key for key, spec in specs.items() if not spec.path(cache_dir).exists()]
    if missing:
        _extract(
            {k: specs[k] for k in missing},
            source,
            transform,
            cache_dir,
            batch_size=batch_size,
            num_workers=num_workers,
            device=device,
            progress=progress,
            fake_image_size=fake_image_size,
        )
    result, labels = {}, None
    for key, spec in specs.items():
        data = _load(spec.path(cache_dir))
        if labels is None:
            labels = data["labels"]
        elif not torch.equal(labels, data["labels"]):
            raise RuntimeError(
                f"{spec.path(cache_dir)} has other labels than its siblings: the source changed; delete the stale files"
            )
        result[key] = data["x"]
    return result, labels


def _extract(
    specs: dict, source, transform, cache_dir, *, batch_size, num_workers, device, progress, fake_image_size
) -> None:
    progress = show_progress(progress)
    device = torch.device(device) if device is not None else _default_device()
    if num_workers is None:
        num_workers = 0 if source.kind == "fake" else min(8, os.cpu_count() or 1)
    dataset = open_dataset(source, transform.build(), fake_image_size=fake_image_size)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers, pin_memory=device.type == "cuda"
    )
    models = {}
    for key, spec in specs.items():
        # random-init models (tests, smoke) get the same weights in every process; the caller's RNG is kept
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            models[key] = load_backbone(
                spec.model, spec.output, pretrained=spec.pretrained, num_classes=spec.num_classes
            ).to(device)
    chunks = {key: [] for key in specs}
    labels = []
    t0 = time.time()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=len(dataset), desc="features: " + ", ".join(m for m, _ in specs), unit="img", dynamic_ncols=True
        )
    with torch.inference_mode():
        for images, y in loader:
            images = images.to(device, non_blocking=True)
            for key, model in models.items():
                chunks[key].append(model(images).float().flatten(1).cpu())
            labels.append(torch.as_tensor(y, dtype=torch.int64))
            if bar is not None:
                bar.update(len(y))
    if bar is not None:
        bar.close()
    seconds = time.time() - t0
    y = torch.cat(labels)
    for key, spec in specs.items():
        meta = {
            "spec": json.dumps(asdict(spec)),
            "seconds": f"{seconds:.3f}",
            "device": str(device),
            "n_images": len(y),
            "models_in_pass": len(specs),
        }
        _save(spec.path(cache_dir), {"x": torch.cat(chunks[key]), "labels": y}, meta)
