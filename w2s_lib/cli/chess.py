"""``w2s chess``: the chess puzzles, naive and bootstrapped weak-to-strong, zero-shot and easy-to-hard."""

from __future__ import annotations

import os
import sys

from w2s_lib.cli.common import UsageError, check_models, csv, ints, usage


def add_parsers(sub) -> None:
    """``w2s chess``."""
    c = sub.add_parser("chess", help="chess puzzles: naive and bootstrapped weak-to-strong, zero-shot, easy-to-hard")
    c.add_argument("--out", required=True, help="results folder (finished runs are reused)")
    c.add_argument("--source", default="synth", help="lichess (the Hub; the paper's puzzles) or synth (offline)")
    c.add_argument(
        "--models",
        type=csv,
        default=["tiny-1", "tiny-2", "tiny-3"],
        help="comma-separated causal LMs, weakest to strongest (at least 2): presets, Hub ids or local folders",
    )
    c.add_argument("--seeds", type=ints, default=[0], help="comma-separated integer seeds")
    c.add_argument("--n-train", type=int, default=300, help="puzzles per training part (paper: 50000)")
    c.add_argument("--n-test", type=int, default=200, help="test puzzles (paper: 5000)")
    c.add_argument("--n-parts", type=int, default=3, help="training parts: the supervisors' + one per bootstrap step")
    c.add_argument("--n-pool", type=int, help="puzzles drawn in all, so --easy sets fill up (default: just the parts)")
    c.add_argument("--epochs", type=float, default=10.0, help="passes over each part (paper: 5)")
    c.add_argument("--batch-size", type=int, default=32, help="puzzles per optimizer step (paper: 32)")
    c.add_argument("--minibatch-size", type=int, default=32, help="puzzles per forward pass")
    c.add_argument("--max-len", type=int, default=128, help="tokens per transcript + move (keeps the end)")
    c.add_argument("--lr", type=float, help="one learning rate for every model (default: each preset's)")
    c.add_argument(
        "--easy",
        type=ints,
        default=[],
        help="also easy-to-hard: comma-separated Elo cutoffs (paper: 800,900,...,1300)",
    )
    c.add_argument("--quiet", action="store_true", help="no progress bars")


def cmd_chess(a) -> int:
    from w2s_lib.chess.protocol import encoders as chess_encoders  # torch: keeps --help fast

    check_models(a.models)  # presets, local folders or Hub ids (owner/name): any causal LM, e.g. Qwen/Qwen2.5-0.5B
    encoders = chess_encoders(a.models)
    if encoders:
        raise UsageError(f"chess needs causal language models; {', '.join(encoders)} are encoders")
    if len(set(a.models)) < 2 or len(set(a.models)) != len(a.models) or not a.seeds:
        raise UsageError(f"give at least 2 different --models and one seed; got {', '.join(a.models)}")
    if os.path.exists(a.out) and not os.path.isdir(a.out):
        raise UsageError(f"{a.out!r} exists and is not a folder")
    # torch; the model registry: keeps --help fast
    from w2s_lib.chess import protocol
    from w2s_lib.models.presets import model_order
    from w2s_lib.models.settings import ModelSettings
    from w2s_lib.nlp.train import TrainConfig

    try:
        # the data and training settings, checked by their dataclasses before any work
        data = protocol.ChessData(a.source, n_train=a.n_train, n_test=a.n_test, n_parts=a.n_parts, n_pool=a.n_pool)
        train = dict(epochs=a.epochs, batch_size=a.batch_size, minibatch_size=a.minibatch_size, max_len=a.max_len)
        TrainConfig(**train, **({} if a.lr is None else {"lr": a.lr}))
        every = ModelSettings(lr=a.lr, train=train)
    except ValueError as e:
        raise usage(e) from None
    kw = dict(data=data, every=every, progress=False if a.quiet else None)
    order = model_order(a.models)
    print(f"w2s chess: {a.source} puzzles, models {', '.join(order)} -> {a.out}", file=sys.stderr)
    df = protocol.chess_results(a.out, order, a.seeds, **kw)
    cols = ["series", "weak_model", "via", "model", "seed", "test_acc", "acc_hard", "legal_rate", "pgr"]
    print(df[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    if a.easy:
        runs, _ = protocol.easy_to_hard_results(a.out, order, a.seeds, a.easy, **kw)
        cols = ["model", "trained_on", "seed", "n_train", "test_acc", "acc_hard"]
        print(runs[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0
