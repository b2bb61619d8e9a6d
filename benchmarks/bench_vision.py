"""What Table 3 costs: throughput of its frozen models and of its probes at the paper's shapes.

* extraction: images/s of AlexNet (logits), a ResNet-50 and a ViT-B/8 (the DINO students' shapes,
  random weights from torchvision and timm, so nothing downloads) on random 224-pixel batches: model
  time only, without JPEG decoding, which a real run overlaps with the GPU in loader processes;
* probes: seconds per epoch of a linear probe 2048 -> 1000 and 768 -> 1000 on 40,000 random feature
  rows (batch 128, Adam), with ``xent`` and with the many-class ``logconf``.

Then the estimate of a paper-preset run: 50,000 images through the three models, then the five probe
runs (two ceilings, two xent students, and the logconf students) at their epochs.

    python benchmarks/bench_vision.py [--device cuda] [--batch 64] [--images 64]
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import torch

MODELS = {
    "alexnet": ("alexnet", "logits"),
    "resnet50 (dino_resnet50's shape)": ("tv:resnet50", "features"),
    "vit-b/8 (dino_vitb8's shape)": ("timm:vit_base_patch8_224", "features"),
}
PROBES = {"resnet50": (2048, 20.0), "vit-b/8": (768, 5.0)}  # feature width, the paper's epochs


def images_per_s(model, device, batch: int, n_images: int) -> float:
    x = torch.randn(batch, 3, 224, 224, device=device)
    with torch.inference_mode():
        model(x[:2])  # warm-up
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0, done = time.perf_counter(), 0
        while done < n_images:
            model(x)
            done += batch
        if device.type == "cuda":
            torch.cuda.synchronize()
    return done / (time.perf_counter() - t0)


def probe_epoch_seconds(width: int, loss: str, device, n: int = 40000, steps: int = 40) -> float:
    from w2s_lib.vision.probe import PROBE_TRAIN, train_probe

    x, soft = torch.randn(n, width), torch.softmax(torch.randn(n, 1000), -1)
    cfg = dataclasses.replace(PROBE_TRAIN, loss=loss, epochs=steps * 128 / n)
    res = train_probe(
        x, soft, cfg, x_test=x[:1000], y_test=soft[:1000].argmax(-1).numpy(), device=device, progress=False
    )
    return res.seconds / steps * (n / 128)


def main(argv=None) -> int:
    from w2s_lib.vision.backbones import load_backbone

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=None, help="images per forward (default: 8 CPU, 256 GPU)")
    ap.add_argument("--images", type=int, default=None, help="images timed per model (default: 16 CPU, 2048 GPU)")
    a = ap.parse_args(argv)
    device = torch.device(a.device)
    batch = a.batch or (256 if device.type == "cuda" else 8)
    n_images = a.images or (2048 if device.type == "cuda" else 16)
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    total_extract = 0.0
    for name, (spec, output) in MODELS.items():
        model = load_backbone(spec, output, pretrained=False).to(device)
        ips = images_per_s(model, device, batch, n_images)
        total_extract += 50000 / ips
        print(f"extract {name:34s} {ips:9.1f} img/s  -> 50k images: {50000 / ips / 60:7.1f} min")
    total_probe = 0.0
    for name, (width, epochs) in PROBES.items():
        for loss in ("xent", "logconf"):
            s = probe_epoch_seconds(width, loss, device)
            runs = 2 if loss == "xent" else 1  # xent: the ceiling and the naive student
            total_probe += s * epochs * runs
            print(f"probe {name:8s} {loss:8s} {s:7.2f} s/epoch  x {epochs:g} epochs x {runs} run(s)")
    print(
        f"estimate for a paper-preset run on this device: extraction {total_extract / 60:.1f} min (model time, "
        f"no decoding) + probes {total_probe / 60:.1f} min"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
