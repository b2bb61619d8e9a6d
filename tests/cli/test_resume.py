"""A kill -9 in the middle of a chess, vision or prompting sweep, then a rerun: the rerun computes only what the
killed one had not published, leaves no temporary folder, and ends with the results of an uninterrupted sweep
(the engine of w2s_lib.core.runs; tests/nlp/test_protocol.py has the same test for NLP sweeps)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from w2s_lib.core import cache

CHESS = ["-m", "w2s_lib.cli", "chess", "--models", "tiny-1,tiny-2", "--n-train", "60", "--n-test", "40"]
CHESS += ["--n-parts", "2", "--epochs", "2", "--batch-size", "8", "--minibatch-size", "8", "--max-len", "64"]
VISION = ["-m", "w2s_lib.cli", "vision", "--source", "fake:200", "--random-init", "--strong", "tv:resnet18"]
VISION += ["--epochs", "500", "--n-train", "150", "--n-test", "50", "--image-size", "64", "--num-classes", "4"]
# Prompting has no command: a supervisor, then prompting runs with ground-truth and with its weak shots.
PROMPT = textwrap.dedent(
    """
    import sys
    from w2s_lib.data.splits import DataConfig
    from w2s_lib.nlp.prompting import PromptConfig, run_or_load_prompting
    from w2s_lib.nlp.protocol import RunConfig, run_or_load
    from w2s_lib.nlp.train import TrainConfig

    root, data = sys.argv[1], DataConfig("synth_sentiment", n_train=200, n_test=200)
    sup = RunConfig(data, "tiny-1", train=TrainConfig(lr=1e-3, epochs=1.0, max_len=32))
    run_or_load(sup, root, progress=False)
    for model in ("tiny-1", "tiny-2", "tiny-3"):
        for shots in (0, 2):
            run_or_load_prompting(PromptConfig(data, model, shots=shots, max_len=128), root)
        run_or_load_prompting(PromptConfig(data, model, shots=2, shot_labels="weak", weak=sup, max_len=128), root)
    """
)
SETTINGS = {
    "chess": (lambda out: [*CHESS, "--out", str(out), "--quiet"], 5),
    "vision": (lambda out: [*VISION, "--out", str(out), "--quiet"], 4),
    "prompt": (lambda out: ["-c", PROMPT, str(out)], 10),
}


def _start(args) -> subprocess.Popen:
    env = {**os.environ, "W2S_PROGRESS": "0"}
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _finished(root: Path) -> dict[Path, int]:
    return {d: (d / cache.METRICS_FILE).stat().st_mtime_ns for d in cache.iter_runs(root)} if root.exists() else {}


def _metrics(root: Path) -> dict[str, dict]:
    """Every run's metrics by folder, without the wall-clock seconds."""
    out = {}
    for d in cache.iter_runs(root):
        m = cache.read_json(d / cache.METRICS_FILE)
        out[str(d.relative_to(root))] = {k: v for k, v in m.items() if k != "seconds"}
    return out


@pytest.mark.slow
@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_kill_midway_then_resume(setting, tmp_path):
    args, total = SETTINGS[setting]
    out = tmp_path / "killed"
    proc = _start(args(out))
    deadline = time.time() + 300
    while len(_finished(out)) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = _finished(out)
    assert 2 <= len(finished) < total, f"{len(finished)} of {total} runs finished before the kill"
    for d in finished:  # every published run is complete
        assert {cache.CONFIG_FILE, cache.METRICS_FILE} <= {p.name for p in d.iterdir()}
    proc = _start(args(out))
    assert proc.wait() == 0, proc.communicate()
    assert {d: t for d, t in _finished(out).items() if d in finished} == finished  # not recomputed
    assert not list(out.rglob(".tmp-*"))  # the killed run's temporary folder is gone
    clean = tmp_path / "clean"
    proc = _start(args(clean))
    assert proc.wait() == 0, proc.communicate()
    resumed, uninterrupted = _metrics(out), _metrics(clean)
    assert len(resumed) == total and resumed == uninterrupted
