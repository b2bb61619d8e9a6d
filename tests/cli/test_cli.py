"""The w2s command line: bad input gives one line, exit status 2, and writes nothing."""

import subprocess
import sys

import pytest

from w2s_lib.cli.main import main

BAD = [
    (["sweep", "--out", "{out}", "--tasks", "nope"], "unknown task 'nope'; valid: ", "sciq"),
    (["sweep", "--out", "{out}", "--models", "gpt3"], "unknown model 'gpt3'; valid: ", "tiny-1"),
    (["sweep", "--out", "{out}", "--losses", "mse"], "unknown loss 'mse'; valid: ", "xent, logconf, product"),
    (
        ["sweep", "--out", "{out}", "--preset", "huge"],
        "unknown preset 'huge'; valid: ",
        "smoke, paper, rm-smoke, rm-paper",
    ),
    (["sweep", "--out", "{out}", "--genft-epochs", "-1"], "--genft-epochs must be 0 (off) or positive", "positive"),
    (["sweep", "--out", "{out}", "--genft-supervisors"], "--genft-supervisors needs it positive", "positive"),
    (
        ["sweep", "--out", "{out}", "--pairs", "tiny-3:tiny-1"],
        "weak model 'tiny-3' is not smaller than",
        "tiny-1, tiny-2, tiny-3",
    ),
    (
        ["sweep", "--out", "{out}", "--batch-size", "32", "--minibatch-size", "5"],
        "batch size 32 is not divisible",
        "1, 2, 4, 8, 16, 32",
    ),
    (["sweep", "--out", "{out}", "--select", "best"], "unknown selection 'best'; valid: ", "last, val, oracle"),
    (["sweep", "--out", "{out}", "--seeds", "a,b"], "expected comma-separated integers", "a,b"),
    (["results", "{out}"], "is not a results folder", "w2s sweep"),
    (["list", "things"], "unknown list 'things'; valid: ", "tasks, models, losses, presets"),
    (["chess", "--out", "{out}", "--source", "pgn"], "unknown chess source 'pgn'; valid: ", "lichess, synth"),
    (["chess", "--out", "{out}", "--models", "tiny-1,gpt3"], "unknown model 'gpt3'; valid: ", "tiny-1"),
    (["chess", "--out", "{out}", "--models", "tiny-1,minilm-l1"], "chess needs causal language models", "minilm-l1"),
    (["chess", "--out", "{out}", "--models", "tiny-1"], "at least 2 different --models", "tiny-1"),
    (["chess", "--out", "{out}", "--n-parts", "1"], "n_parts must be >= 2", "supervisor"),
    (["sandbox", "--out", "{out}", "--students", "gpt3"], "unknown student 'gpt3'; valid: ", "mpnet-base"),
    # run settings: each checked by the dataclass that defines it (TrainConfig, DataConfig, the loss, ChessData,
    # VisionRunConfig), reported under its flag before any work
    (["sweep", "--out", "{out}", "--epochs", "0"], "--epochs must be a finite number > 0", "got 0.0"),
    (["sweep", "--out", "{out}", "--epochs", "-1"], "--epochs must be a finite number > 0", "got -1.0"),
    (["sweep", "--out", "{out}", "--lr", "0"], "--lr must be a finite number > 0", "got 0.0"),
    (["sweep", "--out", "{out}", "--lr", "nan"], "--lr must be a finite number > 0", "got nan"),
    (["sweep", "--out", "{out}", "--batch-size", "0"], "--batch-size must be an integer >= 1", "got 0"),
    (["sweep", "--out", "{out}", "--minibatch-size", "0"], "--minibatch-size must be an integer >= 1", "got 0"),
    (["sweep", "--out", "{out}", "--max-len", "0"], "--max-len must be an integer >= 1", "got 0"),
    (["sweep", "--out", "{out}", "--n-train", "-1"], "--n-train (items before halving) must be an integer >= 0", "-1"),
    (["sweep", "--out", "{out}", "--n-test", "-5"], "--n-test (test items) must be an integer >= 0", "-5"),
    (["sweep", "--out", "{out}", "--n-test", "0"], "--n-train/--n-test 0 (every item of a Hub split)", "synth_"),
    (["sweep", "--out", "{out}", "--alpha-max", "1.5"], "--alpha-max must lie in [0, 1]", "got 1.5"),
    (["plan", "--preset", "huge"], "unknown preset 'huge'; valid: ", "smoke, paper"),
    (["chess", "--out", "{out}", "--epochs", "0"], "--epochs must be a finite number > 0", "got 0.0"),
    (["chess", "--out", "{out}", "--lr=-1e-3"], "--lr must be a finite number > 0", "got -0.001"),
    (["chess", "--out", "{out}", "--n-train", "0"], "--n-train (puzzles per training part) must be", ">= 1"),
    (["chess", "--out", "{out}", "--n-test", "0"], "--n-test (test puzzles) must be an integer >= 1", "got 0"),
    (["chess", "--out", "{out}", "--n-pool", "-1"], "--n-pool must be an integer >= 0", "got -1"),
    (["chess", "--out", "{out}", "--max-len", "0"], "--max-len must be an integer >= 1", "got 0"),
    (["chess", "--out", "{out}", "--minibatch-size", "0"], "--minibatch-size must be an integer >= 1", "got 0"),
    (["vision", "--out", "{out}", "--random-init", "--epochs", "0"], "--epochs must be a finite number > 0", "0.0"),
    (["vision", "--out", "{out}", "--random-init", "--n-train", "0"], "--n-train must be an integer >= 1", "got 0"),
    (["vision", "--out", "{out}", "--random-init", "--image-size", "0"], "--image-size must be an integer", ">= 1"),
    (["vision", "--out", "{out}", "--random-init", "--num-classes", "1"], "--num-classes must be an integer", ">= 2"),
    (["vision", "--out", "{out}", "--batch-size", "0"], "--batch-size (images per forward pass) must be", ">= 1"),
]


@pytest.mark.parametrize("argv,message,valid", BAD)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, argv, message, valid):
    out = tmp_path / "out"
    code = main([a.replace("{out}", str(out)) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("w2s: error: ") and message in err and valid in err, err
    assert not out.exists()


def test_console_script_reports_without_traceback(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "w2s_lib.cli", "sweep", "--out", str(tmp_path / "o"), "--tasks", "x"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stderr.strip().startswith("w2s: error: unknown task 'x'")


def test_missing_required_flag_is_one_line(capsys):
    assert main(["sweep"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_results_table_and_json(tmp_path, capsys):
    args = [
        "sweep",
        "--tasks",
        "synth_keyword",
        "--models",
        "tiny-1,tiny-2",
        "--losses",
        "xent",
        "--n-train",
        "200",
        "--n-test",
        "50",
        "--epochs",
        "1",
        "--max-len",
        "32",
        "--quiet",
        "--out",
        str(tmp_path),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "tiny-1" in printed and "pgr" in printed
    assert main(["results", str(tmp_path), "--json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert {r["role"] for r in rows} == {"weak", "ceiling", "w2s"}
    assert main(["list", "tasks"]) == 0
    assert "synth_sentiment" in capsys.readouterr().out.split()


def test_results_of_a_folder_without_classifier_runs_names_its_kinds(tmp_path, capsys):
    from w2s_lib.core import cache

    run = tmp_path / "chess" / "synth" / "weak_tiny-1_s0_0123456789"
    run.mkdir(parents=True)
    cache.write_json(run / cache.CONFIG_FILE, {"kind": "chess"})
    cache.write_json(run / cache.METRICS_FILE, {"test_acc": 0.5})
    assert main(["results", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds only chess runs" in err


def test_chess_runs_and_prints_its_table(tmp_path, capsys):
    argv = [
        "chess",
        "--out",
        str(tmp_path / "c"),
        "--models",
        "tiny-1,tiny-2",
        "--n-train",
        "8",
        "--n-test",
        "4",
        "--n-parts",
        "2",
        "--n-pool",
        "60",
        "--epochs",
        "1",
        "--batch-size",
        "4",
        "--minibatch-size",
        "4",
        "--quiet",
        "--easy",
        "1000",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "bootstrap" not in out  # two models: no chain
    for word in ("naive", "ceiling", "zero_shot", "easy<=1000", "hard>=2000"):
        assert word in out, out
