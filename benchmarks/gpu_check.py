"""The GPU check (issue 19): the library's fast path measured against the re-created reference loop and the
hardware's limit, one end-to-end run of each kind through the real protocol and cache, and the paper presets'
cost from measured rates. One command, one JSON and one Markdown table.

1. Throughput (``bench_train``'s paths and timing, reused): the same random-init model, from the same
   initial weights, on the same random token ids, timed alternately (median of ``--rounds``):
   * training: ``train_classifier`` at the paper's batch 32 (minibatch 32) and at the largest minibatch
     that fits (found by doubling until CUDA runs out of memory; on a CPU the ``--max-minibatch``), against
     the reference loop (minibatch 1, fp32, per-example gather, batch 32);
   * prediction under ``torch.inference_mode``: ``predict_tokens`` (length-sorted batches of 256) against
     one example per forward pass; the two must give the same probabilities.
   Examples/s and tokens/s count real tokens (no padding); MFU is 6 (training) or 2 (prediction) FLOPs per
   parameter and real token, over the device's bf16 dense peak (``PEAK_TFLOPS`` by device name, or
   ``--peak-tflops``). CUDA: gpt2-large's shape (774M, random init), fp32 weights with bf16 autocast in the
   library's path as in every run of the library. CPU: a tiny shape, seconds.
2. End to end, into a fresh results folder, on random-init models of the paper models' shapes saved as local
   model folders (CUDA: gpt2 supervising gpt2-medium; CPU: tiny shapes) and data made in code:
   * an NLP classifier (``synth_sentiment``): weak, ceiling and student through ``sweep.run_configs``; the
     supervisor first interrupted (nothing may be left), then trained with ``checkpoint=True`` (the saved
     model must reload and give the saved test predictions), then the student resumes from its cache;
   * a reward model (``synth_prefs``, the pairwise task), the same chain;
   * a chess generative run (``w2s_lib.chess``): supervisor and student on synthetic puzzles;
   * a vision probe (``w2s_lib.vision``): Table 3's supervisor, ceiling and student on ``fake`` images
     (CUDA: AlexNet supervising a ResNet-50 at 224 pixels; CPU: ResNet-18 at 64).
   Every kind is then run a second time, which must train nothing (its results come from the cache).
3. Estimates: each figure family's paper preset (the runs ``w2s plan --params params/paper/NAME.yaml``
   lists, with their FLOP-only upper bound at ``max_len`` tokens) turned into hours from the measured
   training and prediction rates (FLOP/s achieved by the library's path at batch 32 and by its prediction),
   beside the FLOP-only hours at the device's peak.

    python benchmarks/gpu_check.py                    # CUDA if present (about 8 minutes on one H100/H200)
    python benchmarks/gpu_check.py --cpu              # tiny shapes on the CPU, under a minute
    python benchmarks/gpu_check.py --out DIR --peak-tflops 989

Writes ``gpu_check_<device>.json`` and ``gpu_check_<device>.md`` into ``--out`` (default benchmarks/results/).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_train  # noqa: E402  (the reference loop, the library path and the alternating timing)

# bf16 dense tensor-core peaks (TFLOP/s), from NVIDIA's data sheets; the first name found in the device's
# name wins, so the more specific names come first.
PEAK_TFLOPS = {
    "GH200": 989.0,
    "H200": 989.0,
    "H100 PCIe": 756.0,
    "H100": 989.0,  # SXM
    "B200": 2250.0,
    "A100": 312.0,
    "L40S": 362.0,
    "L4": 121.0,
    "A10": 125.0,
}
# The shapes of the end-to-end runs: (supervisor, student) as GPT-2 configs, and the vision models.
E2E_SHAPES = {
    "cuda": dict(
        weak=("gpt2", bench_train.SHAPES["gpt2"]), strong=("gpt2-medium", dict(n_layer=24, n_embd=1024, n_head=16))
    ),
    "cpu": dict(
        weak=("tiny-1", dict(n_layer=1, n_embd=16, n_head=2)), strong=("tiny-2", dict(n_layer=2, n_embd=48, n_head=4))
    ),
}


def log(msg: str) -> None:
    print(f"[gpu_check {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def peak_tflops(device_name: str) -> float | None:
    """The bf16 dense peak of a device by name (``PEAK_TFLOPS``), or None for an unknown device or a CPU."""
    for key, value in PEAK_TFLOPS.items():
        if key.lower() in device_name.lower():
            return value
    return None


def machine(device: torch.device) -> dict:
    import transformers

    info = {
        "device": device.type,
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else _cpu_name(),
        "cpu": _cpu_name(),
        "cpu_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info["device_memory_gib"] = round(props.total_memory / 2**30, 1)
        info["bf16"] = torch.cuda.is_bf16_supported()
        info["sdpa_flash"] = torch.backends.cuda.flash_sdp_enabled()
    return info


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _free(device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


# ---------------------------------------------------------------------------------------------
# 1. Throughput


def _reference_predict(model, seqs, device):
    with torch.inference_mode():
        return bench_train.reference_predict(model, seqs, device)


def largest_minibatch(model, reset, length: int, vocab: int, cap: int, device) -> int:
    """The largest power-of-two minibatch (from 32, at most ``cap``) for which one optimizer step of the
    library's path at ``length`` tokens fits in the device's memory; ``cap`` on a CPU."""
    if device.type != "cuda":
        return cap
    best, m = 0, 32
    rng = np.random.default_rng(1)
    while m <= cap:
        seqs = [rng.integers(2, vocab, size=length).tolist() for _ in range(m)]
        try:
            bench_train.library_path(model, seqs, [0] * m, m, 1e-5, device)
            _sync(device)
            best = m
        except torch.OutOfMemoryError:
            break
        finally:
            model.zero_grad(set_to_none=True)
            reset()
            _free(device)
        m *= 2
    _free(device)  # what the failed attempt held, once its exception is gone
    log(f"largest minibatch that fits at {length} tokens: {best} (cap {cap})")
    return max(best, 1)


def throughput(a, device, peak: float | None) -> dict:
    """Section 1: the library's training and prediction paths against the reference loop's."""
    from w2s_lib.models.presets import TINY_SHAPES

    vocab = 512 if a.model in TINY_SHAPES or a.model == "tiny" else 50257
    model = bench_train.build(a.model, vocab, seed=0).to(device)
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def reset():
        model.load_state_dict(init)

    params = sum(p.numel() for p in model.parameters())
    m_max = largest_minibatch(model, reset, a.max_len, vocab, a.max_minibatch, device)
    n_lib = max(a.examples, (2 if device.type == "cpu" else 4) * m_max)
    seqs, labels = bench_train.random_data(n_lib, a.min_len, a.max_len, vocab)
    n_ref = min(a.reference_examples, len(seqs))
    # (name, path, batch, minibatch, examples): the reference at the paper's batch, the library at 32 and max
    train_paths = [
        ("reference", bench_train.reference_loop, 32, 1, n_ref),
        ("library", bench_train.library_path, 32, 32, a.examples),
    ]
    if m_max != 32:
        train_paths.append(("library", bench_train.library_path, m_max, m_max, n_lib))
    predict_paths = [
        ("reference", lambda m, s: _reference_predict(m, s, device), 1, n_ref),
        ("library", lambda m, s: bench_train.library_predict(m, s, device), 256, a.examples),
    ]
    # warm-up, untimed (kernel selection, allocator, lazy imports)
    for _, fn, batch, _, _ in train_paths:
        fn(model, seqs[: min(batch, 8) * 2], labels[: min(batch, 8) * 2], min(batch, 8), 1e-5, device)
        reset()
    timings: dict = {}
    peaks: dict = {}
    preds: dict = {}
    for r in range(a.rounds):
        for name, fn, batch, minibatch, k in train_paths:
            key = ("train", name, batch)
            reset()
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats()
            seconds, _ = bench_train._time(lambda fn=fn, k=k, b=batch: fn(model, seqs[:k], labels[:k], b, 1e-5, device))
            timings.setdefault(key, []).append(seconds)
            if device.type == "cuda":
                peaks[key] = max(peaks.get(key, 0), torch.cuda.max_memory_allocated())
            model.zero_grad(set_to_none=True)
            _free(device)
            log(f"round {r + 1}/{a.rounds} train {name} batch {batch} minibatch {minibatch}: {seconds:.2f} s")
        reset()
        for name, fn, batch, k in predict_paths:
            key = ("predict", name, batch)
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats()
            seconds, preds[name] = bench_train._time(lambda fn=fn, k=k: fn(model, seqs[:k]))
            timings.setdefault(key, []).append(seconds)
            if device.type == "cuda":
                peaks[key] = max(peaks.get(key, 0), torch.cuda.max_memory_allocated())
            log(f"round {r + 1}/{a.rounds} predict {name}: {seconds:.2f} s")
    diff = float(np.abs(preds["library"][:n_ref] - preds["reference"]).max())
    tol = 2e-2 if device.type == "cuda" else 1e-4  # bf16 on CUDA: loosely
    lengths = np.array([len(s) for s in seqs])

    def row(stage, name, batch, minibatch, k):
        t = statistics.median(timings[(stage, name, batch)])
        tokens = int(lengths[:k].sum())
        flops_per_token = (6 if stage == "train" else 2) * params
        out = {
            "stage": stage,
            "path": name,
            "batch": batch,
            "minibatch": minibatch,
            "examples": k,
            "tokens": tokens,
            "seconds": t,
            "rounds_seconds": timings[(stage, name, batch)],
            "examples_per_s": k / t,
            "tokens_per_s": tokens / t,
            "achieved_tflops": flops_per_token * tokens / t / 1e12,
            "mfu": flops_per_token * tokens / t / (peak * 1e12) if peak else None,
            "peak_memory_gib": peaks[(stage, name, batch)] / 2**30 if device.type == "cuda" else None,
        }
        if stage == "train":
            out["optimizer_steps"] = math.ceil(k / batch)
            out["seconds_per_step"] = t / out["optimizer_steps"]
        return out

    rows = [row("train", n, b, mb, k) for n, _, b, mb, k in train_paths]
    rows += [row("predict", n, b, b, k) for n, _, b, k in predict_paths]
    ref = {r["stage"]: r["examples_per_s"] for r in rows if r["path"] == "reference"}
    for r in rows:
        r["ratio_vs_reference"] = r["examples_per_s"] / ref[r["stage"]]
    return {
        "model": a.model,
        "params": params,
        "dtype": "fp32 weights, bf16 autocast (library on CUDA); fp32 (reference loop)"
        if device.type == "cuda"
        else "fp32",
        "data": {
            "kind": "random token ids",
            "min_len": a.min_len,
            "max_len": a.max_len,
            "mean_len": float(lengths[: a.examples].mean()),
            "examples_library": a.examples,
            "examples_largest_minibatch": n_lib,
            "examples_reference": n_ref,
        },
        "rounds": a.rounds,
        "largest_minibatch": m_max,
        "predictions_max_abs_diff": diff,
        "predictions_match": diff < tol,
        "rows": rows,
    }


# ---------------------------------------------------------------------------------------------
# 2. End to end


def write_model_folder(path: Path, shape: dict, vocab: int, seed: int) -> str:
    """A random-init GPT-2 of ``shape`` saved as a local model folder (with the tiny tokenizer): any model
    name of the library may be such a folder, so the protocol loads it as it loads a pretrained model."""
    from transformers import GPT2LMHeadModel

    from w2s_lib.models.tokenizers import tiny_tokenizer

    cfg = bench_train.gpt2_config(shape, vocab)
    torch.manual_seed(seed)
    GPT2LMHeadModel(cfg).save_pretrained(path)
    tiny_tokenizer().save_pretrained(path)
    return str(path)


@contextlib.contextmanager
def _interrupted_training():
    """Every ``train_classifier`` call raises KeyboardInterrupt (as Ctrl-C in the middle of a run would)."""
    from w2s_lib.nlp import protocol, train

    def killed(*a, **k):
        raise KeyboardInterrupt

    # where the protocol finds it: imported when a run starts, or (should that change) at module level
    modules = [m for m in (train, protocol) if hasattr(m, "train_classifier")]
    real = [m.train_classifier for m in modules]
    for m in modules:
        m.train_classifier = killed
    try:
        yield
    finally:
        for m, fn in zip(modules, real):
            m.train_classifier = fn


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _gpu_peak_reset(device):
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()


def _gpu_peak(device) -> float | None:
    return torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None


def e2e_protocol(kind: str, task: str, root: Path, weak: str, strong: str, sizes: dict, device) -> dict:
    """An NLP classifier or reward model: supervisor (interrupted, then with a checkpoint), then the
    ceiling and the student through ``sweep.run_configs`` (the supervisor from the cache), then all again."""
    import pandas as pd

    from w2s_lib.core import cache
    from w2s_lib.models.classifier import load_classifier
    from w2s_lib.models.loading import load_tokenizer
    from w2s_lib.nlp.protocol import TEST_PREDICTIONS_FILE, DataConfig, RunConfig, prepare_data, run_dir, run_or_load
    from w2s_lib.nlp.sweep import run_configs
    from w2s_lib.nlp.train import TrainConfig, predict

    train = TrainConfig(
        lr=1e-4,
        epochs=1.0,
        batch_size=32,
        minibatch_size=sizes["minibatch"],
        max_len=sizes["max_len"],
        eval_batch_size=256,
        min_evals=2,
    )
    data = DataConfig(task, n_train=sizes["n_train"], n_test=sizes["n_test"])
    sup = RunConfig(data, weak, train=train)
    ceiling = RunConfig(data, strong, half="B", train=train)
    student = RunConfig(data, strong, labels="weak", half="B", weak=sup, train=train)
    out: dict = {"kind": kind, "task": task, "runs": 3}
    # an interrupted run leaves nothing behind, and the next call trains it from the start
    with _interrupted_training(), contextlib.suppress(KeyboardInterrupt):
        run_or_load(sup, root, progress=False)
        raise RuntimeError("the interrupted run did not stop")
    out["interrupt_left_nothing"] = not run_dir(sup, root).exists() and not any(
        p.name.startswith(".tmp") for p in run_dir(sup, root).parent.glob("*")
    )
    _gpu_peak_reset(device)
    t_sup, sup_metrics = _timed(lambda: run_or_load(sup, root, checkpoint=True, progress=False))
    # the checkpoint reloads and gives the saved test predictions
    model = load_classifier(run_dir(sup, root) / "checkpoint").to(device)
    saved = pd.read_parquet(run_dir(sup, root) / TEST_PREDICTIONS_FILE)
    texts = [it["txt"] for it in prepare_data(data).test]
    tok = load_tokenizer(str(run_dir(sup, root) / "checkpoint" / "tokenizer"))  # saved with the model
    p1 = predict(model, tok, texts, train.max_len, 256)[:, 1]
    out["checkpoint_max_abs_diff"] = float(np.abs(p1 - saved["p1"].to_numpy()).max())
    out["checkpoint_ok"] = out["checkpoint_max_abs_diff"] < (2e-2 if device.type == "cuda" else 1e-4)
    del model
    _free(device)
    stamp = (run_dir(sup, root) / cache.METRICS_FILE).stat().st_mtime_ns
    t_rest, df = _timed(lambda: run_configs([ceiling, student], root, progress=False))
    out["resumed_supervisor_from_cache"] = (run_dir(sup, root) / cache.METRICS_FILE).stat().st_mtime_ns == stamp
    out["peak_memory_gib"] = _gpu_peak(device)
    t_again, again = _timed(lambda: run_configs([sup, ceiling, student], root, progress=False))
    out["second_call_cached"] = bool(len(again) == 3 and t_again < max(5.0, 0.2 * (t_sup + t_rest)))
    rows = [sup_metrics, *df.to_dict("records")]
    steps = sum(int(r["n_steps"]) for r in rows)
    train_s = sum(float(r["seconds"]) for r in rows)
    student_row = df[df["role"] == "w2s"].iloc[0]
    out.update(
        seconds_fresh=t_sup + t_rest,
        seconds_cached=t_again,
        optimizer_steps=steps,
        training_seconds=train_s,
        seconds_per_step=train_s / steps,
        models=f"{_short(weak)} -> {_short(strong)}",
        student_test_acc=float(student_row["test_acc"]),
    )
    return out


def _short(folder: str) -> str:
    return Path(folder).name


def e2e_chess(root: Path, weak: str, strong: str, sizes: dict, device) -> dict:
    from w2s_lib.chess import protocol as cp
    from w2s_lib.nlp.train import TrainConfig

    data = cp.ChessData(n_train=sizes["chess_train"], n_test=sizes["chess_test"], n_parts=2, n_pool=sizes["chess_pool"])
    train = dataclasses.replace(
        cp.CHESS_TRAIN, epochs=1.0, minibatch_size=sizes["minibatch"], max_len=sizes["chess_max_len"], lr=1e-4
    )
    assert isinstance(train, TrainConfig)
    sup = cp.gt_run(data, weak, train=train)
    student = cp.student(sup, strong)
    _gpu_peak_reset(device)
    t_sup, m_sup = _timed(lambda: cp.run_or_load(sup, root, progress=False))
    stamp = (cp.run_dir(sup, root) / "metrics.json").stat().st_mtime_ns
    t_student, m_student = _timed(lambda: cp.run_or_load(student, root, progress=False))
    resumed = (cp.run_dir(sup, root) / "metrics.json").stat().st_mtime_ns == stamp
    peak = _gpu_peak(device)
    t_again, again = _timed(lambda: cp.run_all([sup, student], root, progress=False))
    steps = m_sup["n_steps"] + m_student["n_steps"]
    train_s = m_sup["seconds"] + m_student["seconds"]
    return {
        "kind": "chess",
        "task": "synth puzzles",
        "runs": 2,
        "models": f"{_short(weak)} -> {_short(strong)}",
        "resumed_supervisor_from_cache": resumed,
        "second_call_cached": bool(len(again) == 2 and t_again < max(5.0, 0.2 * (t_sup + t_student))),
        "peak_memory_gib": peak,
        "seconds_fresh": t_sup + t_student,
        "seconds_cached": t_again,
        "optimizer_steps": steps,
        "training_seconds": train_s,
        "seconds_per_step": train_s / steps,
        "student_test_acc": float(m_student["test_acc"]),
    }


def e2e_vision(root: Path, device, cpu: bool) -> dict:
    from w2s_lib.core import cache
    from w2s_lib.vision import protocol as vp

    if cpu:
        common = dict(source="fake:48", n_train=32, n_test=16, image_size=64, num_classes=4)
        strong = "tv:resnet18"
    else:
        common = dict(source="fake:1280", n_train=1024, n_test=256, image_size=224, num_classes=1000)
        strong = "tv:resnet50"
    runs = vp.plan_table3(strongs=[strong], losses=["xent"], epochs=2, weak="alexnet", pretrained=False, **common)
    _gpu_peak_reset(device)
    t_fresh, df = _timed(lambda: vp.run_all(runs, root, progress=False))
    peak = _gpu_peak(device)
    stamps = [(vp.run_dir(c, root) / cache.METRICS_FILE).stat().st_mtime_ns for c in runs]
    t_again, again = _timed(lambda: vp.run_all(runs, root, progress=False))
    cached = stamps == [(vp.run_dir(c, root) / cache.METRICS_FILE).stat().st_mtime_ns for c in runs]
    steps = int(df["n_steps"].sum())
    train_s = float(df["seconds"].sum())
    return {
        "kind": "vision probe",
        "task": f"{common['source']} ({common['image_size']} px)",
        "runs": len(runs),
        "models": f"alexnet -> {strong}",
        "resumed_supervisor_from_cache": None,
        "second_call_cached": bool(cached and len(again) == len(runs)),
        "peak_memory_gib": peak,
        "seconds_fresh": t_fresh,
        "seconds_cached": t_again,
        "optimizer_steps": steps,
        "training_seconds": train_s,
        "seconds_per_step": train_s / steps if steps else None,
        "student_test_acc": float(df[df["role"] == "w2s"]["test_acc"].iloc[0]),
    }


def end_to_end(device, cpu: bool) -> list[dict]:
    """Section 2, in a fresh results folder and Hugging Face cache that are removed afterwards."""
    shapes = E2E_SHAPES["cpu" if cpu else "cuda"]
    vocab = 512 if cpu else 50257
    if cpu:
        sizes = dict(n_train=128, n_test=32, max_len=32, minibatch=16, chess_train=16, chess_test=8)
        sizes.update(chess_pool=100, chess_max_len=96)
    else:
        sizes = dict(n_train=2048, n_test=512, max_len=128, minibatch=32, chess_train=512, chess_test=128)
        sizes.update(chess_pool=2000, chess_max_len=256)
    out = []
    with tempfile.TemporaryDirectory(prefix="w2s_gpu_check_") as tmp:
        tmp = Path(tmp)
        weak = write_model_folder(tmp / "models" / shapes["weak"][0], shapes["weak"][1], vocab, seed=0)
        strong = write_model_folder(tmp / "models" / shapes["strong"][0], shapes["strong"][1], vocab, seed=1)
        root = tmp / "results"
        steps = [
            (
                "classifier",
                lambda: e2e_protocol("NLP classifier", "synth_sentiment", root, weak, strong, sizes, device),
            ),
            ("reward", lambda: e2e_protocol("reward model", "synth_prefs", root, weak, strong, sizes, device)),
            ("chess", lambda: e2e_chess(root / "chess", weak, strong, sizes, device)),
            ("vision", lambda: e2e_vision(root / "vision", device, cpu)),
        ]
        for name, fn in steps:
            log(f"end to end: {name}")
            try:
                row = fn()
            except Exception as e:  # one failing kind is a finding; the others still run
                row = {"kind": name, "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
                log(f"end to end: {name} FAILED: {row['error']}")
            row["device"] = device.type
            out.append(row)
            _free(device)
    return out


# ---------------------------------------------------------------------------------------------
# 3. Estimates of the paper presets


def run_plans(out_dir: Path, timeout: float, workers: int, files: list[Path] | None = None) -> list[Path]:
    """``w2s plan`` of every paper preset file (or of ``files``), in parallel processes, into ``out_dir``,
    within ``timeout`` seconds in all; the plans written (a preset whose plan fails, or is not done in
    time, is left out, and logged)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = files or sorted((ROOT / "params" / "paper").glob("*.yaml"))

    deadline = time.monotonic() + timeout  # for all of them: the check keeps to its wall-time budget

    def one(params: Path) -> Path | None:
        dest = out_dir / f"{params.stem}.jsonl"
        cmd = [sys.executable, "-m", "w2s_lib.cli", "plan", "--params", str(params)]
        left = deadline - time.monotonic()
        if left <= 1:
            log(f"plan {params.stem}: skipped (the planning budget is spent)")
            return None
        try:
            res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=left)
        except subprocess.TimeoutExpired:
            log(f"plan {params.stem}: timed out")
            return None
        if res.returncode != 0:
            log(f"plan {params.stem}: exit {res.returncode}: {res.stderr.strip().splitlines()[-1:]}")
            return None
        dest.write_text(res.stdout)
        return dest

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [p for p in pool.map(one, files) if p is not None]


def _run_cost(run: dict) -> dict:
    """(optimizer steps, training FLOPs, other FLOPs) of one planned run, split as ``plan.flops`` counts
    them: fine-tuning at 6 FLOPs per weight and token, the rest (evaluation, labels, decoding, probes'
    feature passes, prompting) forward passes at 2."""
    from w2s_lib import plan

    total = run.get("flops")
    if total is None:
        return {"steps": 0, "train_flops": None, "other_flops": None}
    t = run.get("train", {})
    steps, train = 0, 0.0
    if run["kind"] == "nlp" and not run.get("linear_probe"):
        sizes = plan._sizes(_DataView(run["data"]))
        p = plan._params(run["model"])
        if sizes is not None and p is not None:
            n_fit = sizes[0] / 2 * (1 - run["data"]["val_frac"]) / run.get("b_slices", 1)
            steps = max(1, math.ceil(t["epochs"] * n_fit / t["batch_size"]))
            from w2s_lib.data import TASKS

            texts = 2 if run["data"]["task"] in TASKS and TASKS[run["data"]["task"]].pairwise else 1
            train = texts * 6 * p * steps * t["batch_size"] * t["max_len"]
            train += texts * 6 * p * run.get("genft_epochs", 0.0) * n_fit * t["max_len"]
    elif run["kind"] == "chess":
        p = plan._params(run["model"])
        steps = max(1, math.ceil(t["epochs"] * run["data"]["n_train"] / t["batch_size"]))
        train = 6 * p * steps * t["batch_size"] * t["max_len"] if p else 0.0
    return {"steps": steps, "train_flops": train, "other_flops": max(0.0, total - train)}


class _DataView:
    def __init__(self, d: dict):
        self.__dict__.update(d)


def estimates(plan_files: list[Path], measured: dict, peak) -> dict:
    """Section 3: per plan file (a figure family), its runs' FLOPs and hours, FLOP-only and measured."""
    train_tflops, predict_tflops = measured["train_tflops"], measured["predict_tflops"]
    families = []
    for path in plan_files:
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        runs = [r for r in lines if "kind" in r]
        costs = [_run_cost(r) for r in runs]
        known = [c for c in costs if c["train_flops"] is not None]
        flops = sum(c["train_flops"] + c["other_flops"] for c in known)
        hours = None
        if train_tflops and predict_tflops and known:
            seconds = sum(
                c["train_flops"] / (train_tflops * 1e12) + c["other_flops"] / (predict_tflops * 1e12) for c in known
            )
            hours = seconds / 3600
        kinds: dict = {}
        for r in runs:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        families.append(
            {
                "family": path.stem,
                "runs": len(runs),
                "runs_by_kind": kinds,
                "runs_not_estimated": len(runs) - len(known),
                "optimizer_steps": sum(c["steps"] for c in costs),
                "pflop": flops / 1e15,
                "hours_flop_only_at_peak": flops / (peak * 1e12) / 3600 if peak and known else None,
                "hours_measured": hours,
            }
        )
    return {
        "basis": {
            "model": measured["model"],
            "mean_len": measured["mean_len"],
            "seconds_per_step": measured["seconds_per_step"],
            "train_tflops_measured": train_tflops,
            "predict_tflops_measured": predict_tflops,
            "peak_tflops": peak,
            "note": "FLOPs are w2s plan's upper bound (every text at max_len). Measured hours: each run's "
            "optimizer steps at the measured seconds per step, scaled by its parameters, batch and max_len "
            "against the measured model's (that is, its fine-tuning FLOPs at the FLOP/s the library's path "
            "achieved at batch 32), plus its other FLOPs (evaluation, labels, decoding, probe features) at "
            "the prediction path's FLOP/s. Other model sizes, lengths and autoregressive decoding run at "
            "other rates, so this is an estimate from one measured shape",
        },
        "families": families,
    }


# ---------------------------------------------------------------------------------------------
# Output


def _f(x, fmt="{:.1f}", none="–"):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return none
    return fmt.format(x)


def markdown(res: dict) -> str:
    m = res["machine"]
    tp = res["throughput"]
    lines = [
        f"# GPU check: {m['device_name']} ({m['device']})",
        "",
        f"{res['created']}; torch {m['torch']} (CUDA {m['cuda']}), transformers {m['transformers']}, "
        f"Python {m['python']}, CPU {m['cpu']} ({m['cpu_threads']} threads); `{res['command']}`; "
        f"{res['wall_seconds']:.0f} s wall. Peak for MFU: {_f(res['peak_tflops'], '{:g}')} TFLOP/s bf16 dense "
        f"({res['peak_source']}).",
        "",
        f"## Throughput: {tp['model']} ({tp['params'] / 1e6:.3g}M parameters, random init), {tp['dtype']}",
        "",
        f"Random token ids of {tp['data']['min_len']}–{tp['data']['max_len']} tokens (mean "
        f"{tp['data']['mean_len']:.1f}); median of {tp['rounds']} alternating rounds; largest minibatch that fits: "
        f"{tp['largest_minibatch']}; batched predictions match the reference's: {tp['predictions_match']} "
        f"(max difference {tp['predictions_max_abs_diff']:.1e}).",
        "",
        "| stage | path | batch | minibatch | examples | examples/s | tokens/s | s/step | peak memory (GiB) "
        "| TFLOP/s | MFU | × reference |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in tp["rows"]:
        lines.append(
            f"| {r['stage']} | {r['path']} | {r['batch']} | {r['minibatch']} | {r['examples']} | "
            f"{r['examples_per_s']:.1f} | {r['tokens_per_s']:.0f} | {_f(r.get('seconds_per_step'), '{:.3f}')} | "
            f"{_f(r['peak_memory_gib'], '{:.2f}')} | {r['achieved_tflops']:.3g} | "
            f"{_f(None if r['mfu'] is None else 100 * r['mfu'], '{:.1f}%')} | {r['ratio_vs_reference']:.2f}× |"
        )
    lines += [
        "",
        "## End to end (real protocol and cache, random-init models, data made in code)",
        "",
        "| kind | task | models | runs | fresh (s) | cached (s) | steps | s/step | peak memory (GiB) | interrupt "
        "| checkpoint | resume | cache hit | student acc. |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in res["end_to_end"]:
        if "error" in r:
            lines.append(f"| {r['kind']} | **failed**: {r['error']} |" + " |" * 12)
            continue

        def yn(key, r=r):
            return {True: "ok", False: "**FAILED**", None: "–"}[r.get(key)]

        lines.append(
            f"| {r['kind']} | {r['task']} | {r['models']} | {r['runs']} | {r['seconds_fresh']:.1f} | "
            f"{r['seconds_cached']:.2f} | {r['optimizer_steps']} | {_f(r['seconds_per_step'], '{:.3f}')} | "
            f"{_f(r['peak_memory_gib'], '{:.2f}')} | {yn('interrupt_left_nothing')} | {yn('checkpoint_ok')} | "
            f"{yn('resumed_supervisor_from_cache')} | {yn('second_call_cached')} | {r['student_test_acc']:.3f} |"
        )
    est = res["estimates"]
    lines += ["", "## Paper presets: FLOP-only and measured estimates", ""]
    if not est["families"]:
        lines.append(f"Not estimated ({res['plans']}).")
    else:
        b = est["basis"]
        lines += [
            f"Measured on {b['model']} (mean {b['mean_len']:.0f} tokens): training "
            f"{_f(b['train_tflops_measured'], '{:.3g}')} TFLOP/s ({_f(b['seconds_per_step'], '{:.3g}')} s per "
            f"optimizer step of batch 32), prediction {_f(b['predict_tflops_measured'], '{:.3g}')} TFLOP/s. "
            f"{b['note']}.",
            "",
            "| family | runs | not estimated | optimizer steps | PFLOP | hours at peak (FLOP-only) "
            "| hours (measured rates) |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in est["families"]:
            lines.append(
                f"| {f['family']} | {f['runs']} | {f['runs_not_estimated']} | {f['optimizer_steps']:,} | "
                f"{f['pflop']:,.1f} | {_f(f['hours_flop_only_at_peak'], '{:,.1f}')} | "
                f"{_f(f['hours_measured'], '{:,.1f}')} |"
            )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cpu", action="store_true", help="tiny shapes on the CPU (also the default without CUDA)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="folder for the JSON and table")
    p.add_argument("--peak-tflops", type=float, default=None, help="bf16 dense peak for MFU (default: by device name)")
    p.add_argument("--model", default=None, help="throughput shape (default gpt2-large on CUDA, tiny-1 on CPU)")
    p.add_argument("--examples", type=int, default=None, help="examples per library training/prediction run")
    p.add_argument("--reference-examples", type=int, default=None, help="examples per reference-loop run")
    p.add_argument("--rounds", type=int, default=None, help="alternating rounds (median reported)")
    p.add_argument("--min-len", type=int, default=16)
    p.add_argument("--max-len", type=int, default=None, help="longest random sequence (default 128 CUDA, 32 CPU)")
    p.add_argument("--max-minibatch", type=int, default=None, help="cap of the largest-minibatch search")
    p.add_argument(
        "--plans",
        nargs="*",
        default=None,
        help="`w2s plan` outputs (JSONL) to estimate, 'auto' (plan every params/paper/*.yaml; the CUDA "
        "default) or 'none' (the CPU default)",
    )
    p.add_argument(
        "--budget", type=float, default=450.0, help="seconds of wall time the planning may end by (default 450)"
    )
    p.add_argument("--keep-plans", action="store_true", help="keep the `w2s plan` outputs in OUT/plans/")
    p.add_argument("--threads", type=int, default=1, help="CPU threads in --cpu mode (0: torch's default)")
    p.add_argument("--skip-e2e", action="store_true", help="throughput and estimates only")
    a = p.parse_args(argv)
    a.argv = list(argv if argv is not None else sys.argv[1:])
    cpu = a.cpu or not torch.cuda.is_available()
    device = torch.device("cpu" if cpu else "cuda")
    a.model = a.model or ("tiny-1" if cpu else "gpt2-large")
    a.examples = a.examples or (64 if cpu else 1024)
    a.reference_examples = a.reference_examples or (16 if cpu else 256)
    a.rounds = a.rounds or (2 if cpu else 3)
    a.max_len = a.max_len or (32 if cpu else 128)
    a.max_minibatch = a.max_minibatch or (64 if cpu else 512)
    threads = torch.get_num_threads()
    if cpu and a.threads:
        torch.set_num_threads(a.threads)
    try:
        return _check(a, cpu, device)
    finally:
        torch.set_num_threads(threads)  # in-process callers (the test) keep their setting


def _check(a, cpu: bool, device: torch.device) -> int:
    plans = a.plans if a.plans is not None else (["none"] if cpu else ["auto"])
    t0 = time.perf_counter()
    info = machine(device)
    peak = a.peak_tflops or (peak_tflops(info["device_name"]) if device.type == "cuda" else None)
    peak_source = (
        "--peak-tflops" if a.peak_tflops else (f"looked up by name: {info['device_name']}" if peak else "unknown")
    )
    log(f"device {info['device_name']}, peak {peak} TFLOP/s ({peak_source})")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    res: dict = {
        "schema": 1,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python benchmarks/gpu_check.py " + " ".join(a.argv),
        "machine": info,
        "peak_tflops": peak,
        "peak_source": peak_source,
    }
    log("throughput")
    res["throughput"] = throughput(a, device, peak)
    _free(device)
    res["end_to_end"] = [] if a.skip_e2e else end_to_end(device, cpu)
    tp = res["throughput"]
    train_row = next(r for r in tp["rows"] if r["stage"] == "train" and r["path"] == "library")
    predict_row = next(r for r in tp["rows"] if r["stage"] == "predict" and r["path"] == "library")
    measured = {
        "model": tp["model"],
        "mean_len": tp["data"]["mean_len"],
        "seconds_per_step": train_row["seconds_per_step"],
        "train_tflops": train_row["achieved_tflops"],
        "predict_tflops": predict_row["achieved_tflops"],
    }
    if plans == ["auto"]:
        log("planning the paper presets (w2s plan)")
        plan_dir = a.out / "plans" if a.keep_plans else Path(tempfile.mkdtemp(prefix="w2s_plans_"))
        budget = max(60.0, a.budget - (time.perf_counter() - t0))
        plan_files = run_plans(plan_dir, timeout=budget, workers=max(1, min(8, (os.cpu_count() or 2) - 1)))
        res["plans"] = "w2s plan of params/paper/*.yaml"
        res["estimates"] = estimates(plan_files, measured, peak)
        if not a.keep_plans:
            shutil.rmtree(plan_dir, ignore_errors=True)
    elif plans in (["none"], []):
        plan_files, res["plans"] = [], "--plans none"
    else:
        plan_files, res["plans"] = [Path(x) for x in plans], "given plan files"
    if "estimates" not in res:
        res["estimates"] = estimates(plan_files, measured, peak)
    res["wall_seconds"] = time.perf_counter() - t0
    a.out.mkdir(parents=True, exist_ok=True)
    stem = f"gpu_check_{device.type}"
    (a.out / f"{stem}.json").write_text(json.dumps(res, indent=1, default=float) + "\n")
    (a.out / f"{stem}.md").write_text(markdown(res))
    print(markdown(res))
    log(f"wrote {a.out / (stem + '.json')} and {stem}.md in {res['wall_seconds']:.0f} s")
    failed = [r["kind"] for r in res["end_to_end"] if "error" in r]
    return 1 if failed or not res["throughput"]["predictions_match"] else 0


if __name__ == "__main__":
    sys.exit(main())
