"""benchmarks/gpu_check.py on the CPU: its JSON's fields, its Markdown table, the peak lookup and the
paper-preset estimates from a plan written by the library's own ``plan.Planned``."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import gpu_check  # noqa: E402

pytest.importorskip("torchvision")


def test_peak_is_looked_up_by_device_name():
    assert gpu_check.peak_tflops("NVIDIA H200") == 989.0
    assert gpu_check.peak_tflops("NVIDIA H100 80GB HBM3") == 989.0
    assert gpu_check.peak_tflops("NVIDIA H100 PCIe") == 756.0
    assert gpu_check.peak_tflops("NVIDIA A100-SXM4-80GB") == 312.0
    assert gpu_check.peak_tflops("Some Other Accelerator") is None


def _plan_file(path: Path) -> tuple[Path, dict]:
    """A `w2s plan` output of three runs (an NLP classifier, a chess run, a vision probe), with the
    optimizer steps each should count."""
    from w2s_lib import plan
    from w2s_lib.chess import protocol as cp
    from w2s_lib.nlp.protocol import DataConfig, RunConfig, run_name
    from w2s_lib.nlp.train import TrainConfig
    from w2s_lib.vision import protocol as vp

    planned = plan.Planned()
    nlp = RunConfig(DataConfig("synth_sentiment", n_train=1000, n_test=100), "gpt2", train=TrainConfig(epochs=2.0))
    chess = cp.gt_run(cp.ChessData(n_train=200, n_test=50), "gpt2")
    vision = vp.VisionRunConfig(strong="tv:resnet50")
    planned.add("nlp", nlp, run_name(nlp))
    planned.add("chess", chess, cp.run_name(chess))
    planned.add("vision", vision, vp.run_name(vision))
    with open(path, "w") as f:
        plan.print_plan(planned, out=f)
    steps = math.ceil(2.0 * 1000 / 2 * 0.9 / 32) + math.ceil(5.0 * 200 / 32)
    return path, {"steps": steps, "pflop": planned.total_flops / 1e15}


@pytest.mark.slow
def test_gpu_check_on_the_cpu_writes_its_json_and_table(tmp_path):
    plan_file, expected = _plan_file(tmp_path / "fig_test.jsonl")
    out = tmp_path / "out"
    rc = gpu_check.main(["--cpu", "--out", str(out), "--peak-tflops", "1", "--plans", str(plan_file)])
    assert rc == 0
    res = json.loads((out / "gpu_check_cpu.json").read_text())
    assert res["machine"]["device"] == "cpu" and res["peak_tflops"] == 1.0
    assert res["peak_source"] == "--peak-tflops"

    tp = res["throughput"]
    assert tp["model"] == "tiny-1" and tp["params"] > 0 and tp["predictions_match"]
    rows = {(r["stage"], r["path"], r["batch"]) for r in tp["rows"]}
    m = tp["largest_minibatch"]
    assert m == 64  # the CPU's cap
    assert rows == {
        ("train", "reference", 32),
        ("train", "library", 32),
        ("train", "library", m),
        ("predict", "reference", 1),
        ("predict", "library", 256),
    }
    for r in tp["rows"]:
        assert r["examples_per_s"] > 0 and r["tokens_per_s"] > r["examples_per_s"]
        assert r["mfu"] == pytest.approx(r["achieved_tflops"] / 1.0)
        assert r["peak_memory_gib"] is None  # measured on CUDA only
        assert len(r["rounds_seconds"]) == tp["rounds"]
        if r["path"] == "reference":
            assert r["ratio_vs_reference"] == pytest.approx(1.0)
        if r["stage"] == "train":
            assert r["seconds_per_step"] == pytest.approx(r["seconds"] / r["optimizer_steps"])

    kinds = [r["kind"] for r in res["end_to_end"]]
    assert kinds == ["NLP classifier", "reward model", "chess", "vision probe"]
    for r in res["end_to_end"]:
        assert "error" not in r, r
        assert r["device"] == "cpu" and r["second_call_cached"] and r["optimizer_steps"] > 0
        assert r["seconds_cached"] < r["seconds_fresh"]
    for r in res["end_to_end"][:2]:  # the protocol's runs: interrupted, checkpointed, resumed
        assert r["interrupt_left_nothing"] and r["checkpoint_ok"] and r["resumed_supervisor_from_cache"]
    assert res["end_to_end"][2]["resumed_supervisor_from_cache"]

    (fam,) = res["estimates"]["families"]
    assert fam["family"] == "fig_test" and fam["runs"] == 3 and fam["runs_not_estimated"] == 1
    assert fam["optimizer_steps"] == expected["steps"]
    assert fam["pflop"] == pytest.approx(expected["pflop"])
    assert fam["hours_flop_only_at_peak"] == pytest.approx(expected["pflop"] * 1e15 / 1e12 / 3600)
    assert fam["hours_measured"] > fam["hours_flop_only_at_peak"]  # a CPU runs far below 1 TFLOP/s

    md = (out / "gpu_check_cpu.md").read_text()
    assert md.startswith("# GPU check:")
    for header in ("## Throughput", "## End to end", "## Paper presets"):
        assert header in md
    table_rows = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(table_rows) == (1 + 5) + (1 + 4) + (1 + 1)  # headers and rows of the three tables
    assert "| fig_test | 3 | 1 |" in md and "FAILED" not in md
