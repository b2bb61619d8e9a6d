"""``w2s vision``: Table 3, an ImageNet classifier supervising linear probes on frozen features."""

from __future__ import annotations

import os
import sys

from w2s_lib.cli.common import UsageError, choices, csv, ints, usage


def add_parsers(sub) -> None:
    """``w2s vision``."""
    v = sub.add_parser("vision", help="Table 3: an ImageNet classifier supervising probes on frozen features")
    v.add_argument("--out", required=True, help="results folder: features/ and runs/ (finished ones are reused)")
    v.add_argument("--source", default="fake", help="imagenet:ROOT (the paper), folder:PATH, fake or fake:N")
    v.add_argument("--weak", default="alexnet", help="the supervisor: alexnet, tv:NAME or timm:NAME")
    v.add_argument(
        "--strong",
        type=csv,
        default=["dino_resnet50", "dino_vitb8"],
        help="comma-separated backbones for the probes: dino_*, tv:NAME, timm:NAME",
    )
    v.add_argument("--losses", type=csv, default=["xent", "logconf"], help="comma-separated: xent, logconf, product")
    v.add_argument("--seeds", type=ints, default=[0], help="comma-separated integer seeds (split and probe)")
    v.add_argument("--epochs", type=float, help="probe epochs for every student (default 20; dino_vitb8: 5)")
    v.add_argument("--n-train", type=int, default=40000, help="images that train the probes (default 40000)")
    v.add_argument("--n-test", type=int, default=10000, help="images that test (default 10000)")
    v.add_argument("--image-size", type=int, default=224, help="center crop in pixels (default 224)")
    v.add_argument("--random-init", action="store_true", help="random weights: offline, numbers at chance")
    v.add_argument("--num-classes", type=int, default=1000, help="classes of random heads and fake sources")
    v.add_argument("--batch-size", type=int, default=64, help="images per forward pass while extracting")
    v.add_argument("--quiet", action="store_true", help="no progress bars")


def cmd_vision(a) -> int:
    from w2s_lib.core.losses import LOSSES  # torch: keeps --help fast

    choices("loss", a.losses, LOSSES)
    if not a.strong or not a.seeds:
        raise UsageError("give at least one --strong backbone and one seed")
    if os.path.exists(a.out) and not os.path.isdir(a.out):
        raise UsageError(f"{a.out!r} exists and is not a folder")
    if a.batch_size < 1:  # run_all's extraction batch, not part of a run's config
        raise UsageError(f"--batch-size (images per forward pass) must be an integer >= 1, got {a.batch_size}")
    # torch: keeps --help fast
    from w2s_lib.vision import protocol
    from w2s_lib.vision.backbones import check_spec
    from w2s_lib.vision.data import parse_source

    try:
        for spec in [a.weak, *a.strong]:
            check_spec(spec)
        parse_source(a.source)
        runs = protocol.plan_table3(
            a.source,
            a.weak,
            a.strong,
            a.losses,
            a.seeds,
            epochs=a.epochs,
            pretrained=not a.random_init,
            n_train=a.n_train,
            n_test=a.n_test,
            image_size=a.image_size,
            num_classes=a.num_classes,
        )
        protocol.check_splits(runs)
    except ValueError as e:
        raise usage(e) from None
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    print(f"w2s vision: {len(runs)} runs -> {a.out}", file=sys.stderr)
    df = protocol.run_all(runs, a.out, batch_size=a.batch_size, progress=False if a.quiet else None)
    print(protocol.table3(df).to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    return 0
