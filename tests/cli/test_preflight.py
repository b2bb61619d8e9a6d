"""``w2s preflight`` against the rebuilt Hub repositories (tests/support/hub_layouts.py) and a hub cache of the
GPT-2 family's configs, and on a machine with no network."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time

import pytest

from tests.support.hub_layouts import hub_model
from w2s_lib import preflight
from w2s_lib.cli import main as cli
from w2s_lib.data import TASKS

# the real shapes of the GPT-2 family's configs (n_embd, n_layer, n_head)
GPT2_SHAPES = {
    "gpt2": (768, 12, 12),
    "gpt2-medium": (1024, 24, 16),
    "gpt2-large": (1280, 36, 20),
    "gpt2-xl": (1600, 48, 25),
}


@pytest.fixture(scope="module")
def gpt2_cache():
    """The GPT-2 family in the session's hub cache: config.json of each real shape and a tokenizer."""
    from transformers import GPT2Config

    from w2s_lib.models.presets import MODEL_PRESETS
    from w2s_lib.models.tokenizers import tiny_tokenizer

    tok = tiny_tokenizer()
    for name, (d, n_layer, n_head) in GPT2_SHAPES.items():
        hub_model(MODEL_PRESETS[name].hub_id, GPT2Config(n_embd=d, n_layer=n_layer, n_head=n_head), tok)


def _run(capsys, *argv) -> tuple[int, list[str]]:
    code = cli.main(["preflight", *argv, "--quiet"])
    return code, capsys.readouterr().out.splitlines()


def test_paper_preset_passes_against_the_real_layouts(hub, gpt2_cache, capsys):
    code, out = _run(capsys, "--preset", "paper", "--n", "4")
    assert code == 0, "\n".join(out)
    body = out[1:]
    assert len(body) == 4 + 22 + 1  # models, tasks, disk
    assert all(line.split()[-1] != "" for line in body)
    tasks = [line for line in body if line.split()[0] == "task"]
    assert len(tasks) == 22 and all(" OK " in f"{line} " for line in tasks)


def test_reward_and_chess_presets(hub, gpt2_cache, capsys):
    code, out = _run(capsys, "--preset", "rm-paper", "--n", "4")
    assert code == 0 and sum(line.startswith(" task") for line in out) == 2
    code, out = _run(capsys, "--params", "params/paper/fig19_fig20_chess_easy_to_hard.yaml", "--n", "4")
    assert code == 0, "\n".join(out)
    assert any(line.split()[:2] == ["chess", "lichess"] for line in out)


def test_a_spec_with_a_config_its_branch_lacks_fails_with_its_fix(hub, gpt2_cache, monkeypatch, capsys):
    monkeypatch.setitem(TASKS, "dream", dataclasses.replace(TASKS["dream"], config="plain_text"))
    code, out = _run(capsys, "--params", "params/paper/fig03_naive_scaling.yaml", "--n", "4")
    assert code == 2
    (dream,) = [line for line in out if line.split()[:2] == ["task", "dream"]]
    assert "BuilderConfig 'plain_text' not found" in dream and "config its branch lacks" in dream


@pytest.mark.slow
def test_without_a_network_every_item_says_so_in_one_line_quickly(tmp_path):
    """The network-less machine: offline mode, an empty cache; one 'not reachable' line per item, exit 2."""
    env = {**os.environ, "HF_HOME": str(tmp_path)}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "w2s_lib.cli", "preflight", "--preset", "paper", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert time.perf_counter() - start < 60
    assert proc.returncode == 2, proc.stderr
    body = proc.stdout.splitlines()[1:]
    assert len(body) == 27
    assert sum("not reachable (offline, not cached)" in line for line in body) == 26
    assert "Hub is not reachable" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_input_is_one_line_with_exit_2(capsys):
    for argv in (
        ["--preset", "nope"],
        [],
        ["--preset", "paper", "--params", "x.yaml"],
        ["--params", "missing.yaml"],
        ["--preset", "paper", "--n", "0"],
    ):
        assert cli.main(["preflight", *argv]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("w2s: error:")


def test_hub_probe(monkeypatch):
    calls = []

    def refuse(address, timeout):
        calls.append(address)
        raise OSError("Name or service not known")

    monkeypatch.setattr(preflight.socket, "create_connection", refuse)
    assert preflight.hub_reachable() is False and calls == []  # offline mode is set: no probe at all
    for var in preflight.OFFLINE_VARS:
        monkeypatch.delenv(var)
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.example.org")
    assert preflight.hub_reachable(timeout=0.1) is False and calls == [("hub.example.org", 443)]


def test_needs_of_a_notebook_preset():
    needs = preflight.needs_of(
        {"features": "gpt2-xl:sciq", "tasks": ["sciq", "boolq"], "models": ["gpt2"], "supervisors": ["gpt2"]}
    )
    assert needs.tasks == ["sciq", "boolq"] and needs.models == ["gpt2", "gpt2-xl"] and not needs.chess
    assert preflight.needs_of({"source": "imagenet:/data", "weak": "alexnet"}).vision


def test_a_checkpoint_revision_is_checked_to_exist(capsys, tmp_path):
    """pythia-160m@step3000 as a supervisor: its revision is in the hub cache; step999 is not."""
    import yaml
    from transformers import GPTNeoXConfig

    from w2s_lib.models.presets import MODEL_PRESETS
    from w2s_lib.models.tokenizers import tiny_tokenizer

    config = GPTNeoXConfig(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, dtype="float16")
    hub_model(MODEL_PRESETS["pythia-160m"].hub_id, config, tiny_tokenizer(), ref="step3000")
    params = tmp_path / "p.yaml"
    params.write_text(yaml.safe_dump({"models": ["pythia-160m@step3000", "pythia-160m@step999"]}))
    code, out = _run(capsys, "--params", str(params))
    assert code == 2
    good, bad = (line for line in out if line.startswith("model"))
    assert "pythia-160m@step3000" in good and "float16" in good and good.rstrip().endswith("OK")
    assert "pythia-160m@step999" in bad and "OK" not in bad.split()
