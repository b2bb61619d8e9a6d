"""Two-process CPU DDP (gloo) through ``accelerate launch`` matches one process on the same global batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from w2s_lib.nlp.results import collect

WORKER = Path(__file__).parents[1] / "support" / "ddp_worker.py"
ACCELERATE = Path(sys.executable).with_name("accelerate")


def _run(out: Path, *extra: str, processes: int = 1) -> dict:
    env = {**os.environ, "W2S_PROGRESS": "0", "OMP_NUM_THREADS": "1"}
    if processes == 1:
        cmd = [sys.executable, str(WORKER), str(out), *extra]
    else:
        cmd = [
            str(ACCELERATE),
            "launch",
            "--multi_gpu",
            "--num_processes",
            str(processes),
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "--main_process_port",
            "0",
            str(WORKER),
            str(out),
            *extra,
        ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    tb = proc.stderr.find("Traceback")
    assert proc.returncode == 0, proc.stderr[tb : tb + 4000] if tb >= 0 else proc.stderr[-4000:]
    return json.loads((out / "train.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    return {
        "single": _run(root / "single"),
        "ddp": _run(root / "ddp", processes=2),
        "ddp_local": _run(root / "ddp_local", "--local-statistic", "--no-sweep", processes=2),
        "root": root,
    }


def _max_param_diff(a: dict, b: dict) -> float:
    return max(abs(a["params"][k] - b["params"][k]) for k in a["params"])


@pytest.mark.slow
def test_ddp_training_matches_single_process(runs):
    single, ddp = runs["single"], runs["ddp"]
    assert single["params"].keys() == ddp["params"].keys()
    assert _max_param_diff(single, ddp) < 1e-3
    np.testing.assert_allclose(ddp["test_p1"], single["test_p1"], atol=1e-4)
    # the logged training loss is the global batch's, not one process's
    assert ddp["history"][-1]["train_loss"] == pytest.approx(single["history"][-1]["train_loss"], abs=1e-5)


@pytest.mark.slow
def test_confidence_statistic_is_gathered_over_processes(runs):
    """Negative control: per-process statistics give a measurably different model."""
    single, local = runs["single"], runs["ddp_local"]
    assert _max_param_diff(single, local) > 100 * max(_max_param_diff(single, runs["ddp"]), 1e-6)


@pytest.mark.slow
def test_ddp_sweep_writes_the_same_cache_once(runs):
    root = runs["root"]
    single = collect(root / "single" / "sweep").set_index("run").sort_index()
    ddp = collect(root / "ddp" / "sweep").set_index("run").sort_index()
    assert list(single.index) == list(ddp.index) and len(single) == 3  # weak, ceiling, w2s
    np.testing.assert_allclose(ddp["test_acc"], single["test_acc"], atol=1e-6)
    # nothing left behind by the non-main process
    assert not list((root / "ddp" / "sweep").rglob(".tmp-*"))


@pytest.mark.parametrize("name", ["single", "ddp", "fsdp"])
def test_accelerate_configs_load(name):
    from accelerate.commands.config.config_args import load_config_from_file

    cfg = load_config_from_file(str(Path(__file__).parents[2] / "configs" / "accelerate" / f"{name}.yaml"))
    assert cfg.distributed_type.name == {"single": "NO", "ddp": "MULTI_GPU", "fsdp": "FSDP"}[name]


def test_fsdp_auto_wrap_finds_the_backbone_blocks(tiny_tok):
    from w2s_lib.models.classifier import build_classifier

    model = build_classifier("tiny-1", tokenizer=tiny_tok)
    assert set(model._no_split_modules) == {"GPT2Block"}


@pytest.mark.parametrize("world", [2, 3, 4])
@pytest.mark.parametrize("n", [0, 1, 5, 8, 9])
def test_local_parts_cover_the_batch_once_with_equal_lengths(monkeypatch, world, n):
    from w2s_lib.core import dist

    batch = list(range(100, 100 + n))
    monkeypatch.setattr(dist, "world_size", lambda: world)
    parts = []
    for r in range(world):
        monkeypatch.setattr(dist, "rank", lambda r=r: r)
        parts.append(dist.local_part(batch))
    assert len({len(ids) for ids, _ in parts}) == 1  # every process runs the same number of passes
    assert [i for ids, n_real in parts for i in ids[:n_real]] == batch
