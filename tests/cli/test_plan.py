"""``w2s plan``: the runs a preset or a notebook's preset file would train, with FLOPs, training nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from w2s_lib import plan
from w2s_lib.cli.main import main
from w2s_lib.core import cache
from w2s_lib.nlp.protocol import DataConfig, RunConfig, run_name
from w2s_lib.nlp.sweep import plan_sweep
from w2s_lib.nlp.train import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
# fig14 draws puzzles and trains nothing; fig24's logistic regressions (simulation.py) are fitted on
# features in the notebook, outside the run engines and their cache, so there is no run to plan.
TRAINS_NOTHING = {"fig14_chess_examples", "fig24_simulation_difficulty"}


def _lines(capsys) -> tuple[list[dict], dict]:
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return rows[:-1], rows[-1]


def test_sweep_preset_plan_is_the_sweeps_runs_with_their_configs(capsys):
    assert main(["plan", "--preset", "smoke"]) == 0
    runs, total = _lines(capsys)
    cli_plan = plan_sweep(["synth_sentiment"], ["tiny-1", "tiny-2", "tiny-3"], ["xent", "logconf"], [0])
    assert total["total_runs"] == len(runs) == len(cli_plan.runs) == 10
    by_name = {r["run"]: r for r in runs}
    for run in runs:  # every line carries the fields of the run's config.json
        cfg = RunConfig.from_dict({k: v for k, v in run.items() if k not in ("kind", "run", "flops")})
        assert run_name(cfg) == run["run"] and run["kind"] == "nlp"
        assert {k: run[k] for k in cache.config_dict(cfg)} == cache.jsonable(cache.config_dict(cfg))
    for cfg in (r for r in runs if r["weak"]):  # supervisors come first
        assert list(by_name).index(run_name(RunConfig.from_dict(cfg["weak"]))) < list(by_name).index(cfg["run"])
    assert total["total_flops"] == pytest.approx(sum(r["flops"] for r in runs))


def test_flops_by_hand():
    # 1000 items -> half 500, val 10% -> 450 fitted; 2 epochs at batch 30 -> 30 steps of 30 at 100 tokens;
    # an evaluation every 30 // 8 = 3 steps, final one included: 10 of (50 val + 200 test) items; the
    # supervisor then labels its 500 half-B items.
    train = TrainConfig(epochs=2.0, batch_size=30, minibatch_size=30, max_len=100)
    cfg = RunConfig(data=DataConfig("synth_sentiment", n_train=1000, n_test=200), model="tiny-1", train=train)
    p = plan._params("tiny-1")
    want = 6 * p * 30 * 30 * 100 + 2 * p * 10 * 250 * 100 + 2 * p * 500 * 100
    assert plan.flops("nlp", cfg) == pytest.approx(want)
    probe = RunConfig(data=cfg.data, model="tiny-1", train=train, linear_probe=True)
    # a frozen backbone reads each of its 450 + 50 + 200 texts once (memoized features), then labels half B
    assert plan.flops("nlp", probe) == pytest.approx(2 * p * (450 + 50 + 200) * 100 + 2 * p * 500 * 100)
    assert plan.flops("nlp", RunConfig(data=cfg.data, model="someone/unknown", train=train)) is None


def test_cpu_seconds_by_hand_with_and_without_test_curves():
    # as test_flops_by_hand: 30 steps of 30 items at 100 tokens, 10 evaluations of 50 validation items, with
    # the 200 test items at each (history_test) or once at the end; then the 450 fitted items once more
    rate = {"train_step_s": 2.0, "predict_ms_per_item": 10.0}
    scale = 30 * 100 / (32 * 32)
    for history_test, predicted in [(True, 10 * (50 + 200) + 450), (False, 10 * 50 + 200 + 450)]:
        train = TrainConfig(epochs=2.0, batch_size=30, minibatch_size=30, max_len=100, history_test=history_test)
        cfg = RunConfig(data=DataConfig("synth_sentiment", n_train=1000, n_test=200), model="tiny-1", train=train)
        assert plan.cpu_seconds("nlp", cfg, rate) == pytest.approx(30 * 2.0 * scale + predicted * 0.01)
    assert plan.cpu_seconds("nlp", cfg) is None  # no measured rate for tiny-1


@pytest.mark.slow
@pytest.mark.parametrize("params", sorted((ROOT / "params" / "paper").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_paper_preset_file_plans_without_training_or_writing(params, monkeypatch, tmp_path):
    import yaml

    monkeypatch.chdir(tmp_path)  # anything written relative to the working folder would land here
    settings = yaml.safe_load(params.read_text())
    planned = plan.plan_preset_file(params, settings)  # what `w2s plan --params` does
    assert bool(planned.runs) != (params.stem in TRAINS_NOTHING)
    assert not list(tmp_path.iterdir())
    for written in ("results", "figures"):  # no run, and no figure of nan metrics, in the repository's folders
        folder = ROOT / written
        assert not folder.exists() or not any(p.stat().st_mtime > tmp_path.stat().st_mtime for p in folder.rglob("*"))
    nlp = [r for r in planned.runs if r["kind"] == "nlp"]
    if "n_train" in settings and nlp:  # the preset's values were injected, not the notebook's defaults
        assert {r["data"]["n_train"] for r in nlp} & {settings["n_train"]}


def test_paper_fig05_plans_the_22_task_sweep(capsys):
    assert main(["plan", "--params", str(ROOT / "params/paper/fig05_confidence_loss.yaml")]) == 0
    runs, total = _lines(capsys)
    assert len({r["data"]["task"] for r in runs}) == 22 and {r["model"] for r in runs} >= {"gpt2", "gpt2-xl"}
    assert total["runs_by_kind"] == {"nlp": len(runs)} and total["runs_without_flops"] == 0


@pytest.mark.parametrize(
    "argv,message",
    [
        (["plan"], "give one of --preset"),
        (["plan", "--preset", "nope"], "unknown preset 'nope'"),
        (["plan", "--params", "params/paper/fig99_nothing.yaml"], "cannot read --params"),
    ],
)
def test_bad_input_is_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_a_preset_file_without_a_notebook_names_the_notebooks(tmp_path, capsys):
    f = tmp_path / "fig99_nothing.yaml"
    f.write_text("tasks: [sst2]\n")
    assert main(["plan", "--params", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no notebook for preset file" in err and "fig05_confidence_loss" in err


def test_every_comparison_is_sized_from_the_known_split_rows(capsys):
    """rm-paper reads every comparison (n = 0): the estimate takes hh-rlhf's split sizes, two texts each."""
    assert plan._sizes(DataConfig("hh_rlhf_helpful", n_train=0, n_test=0)) == (43_835, 2_354)
    assert plan._sizes(DataConfig("synth_sentiment", n_train=0)) is None  # generated: no size to know
    train = TrainConfig(epochs=1.0, batch_size=20, minibatch_size=20, max_len=64)
    pairs = RunConfig(data=DataConfig("hh_rlhf_helpful", n_train=400, n_test=100), model="gpt2", train=train)
    single = RunConfig(data=DataConfig("synth_sentiment", n_train=400, n_test=100), model="gpt2", train=train)
    assert plan.flops("nlp", pairs) == pytest.approx(2 * plan.flops("nlp", single))
    assert main(["plan", "--preset", "rm-paper"]) == 0
    runs, total = _lines(capsys)
    assert total["runs_without_flops"] == 0 and {r["data"]["n_train"] for r in runs} == {0}


def test_fig09s_finetuning_baselines_are_fig05s_runs():
    """Fig. 9's paper preset says its finetuning runs are Fig. 5's: the same head, schedule and keys (issue 27)."""
    import yaml

    def nlp_runs(name):
        params = ROOT / "params" / "paper" / f"{name}.yaml"
        planned = plan.plan_preset_file(params, yaml.safe_load(params.read_text()))
        return {r["run"]: r for r in planned.runs if r["kind"] == "nlp"}

    fig05, fig09 = nlp_runs("fig05_confidence_loss"), nlp_runs("fig09_prompting")
    assert fig09 and set(fig09) <= set(fig05), sorted(set(fig09) - set(fig05))[:3]
    assert {r["head_init"] for r in fig09.values()} == {"unembed01"}


def test_finetuned_laptop_students_are_timed_from_the_measured_rates():
    """Issue 28: the plan of a finetune-mode laptop run gives its CPU time; probes and others give None."""
    from w2s_lib.nlp.sandbox import SANDBOX, sandbox_plan

    cfg = dict(SANDBOX, students=["minilm-l6"], weak_models=["scratch-1"], losses=["xent"])
    planned = plan.Planned()
    for run in sum(sandbox_plan([0], cfg, "finetune"), []) + sum(sandbox_plan([0], cfg), []):
        planned.add("nlp", run, run_name(run))
    timed = {r["run"]: r["cpu_seconds"] for r in planned.runs}
    finetuned = [r for r in planned.runs if r["model"] == "minilm-l6" and not r["linear_probe"]]
    assert len(finetuned) == 2 and all(timed[r["run"]] is not None for r in finetuned)
    # the measured runs of this shape took 63-71 s each (docs/paper_settings.md)
    assert all(40 < timed[r["run"]] < 100 for r in finetuned), timed
    assert all(timed[r["run"]] is None for r in planned.runs if r["linear_probe"] or r["model"] == "scratch-1")
    out = io.StringIO()
    plan.print_plan(planned, out)
    total = json.loads(out.getvalue().splitlines()[-1])
    assert total["finetuned_laptop_runs"] == 2
    assert total["finetuned_laptop_cpu_seconds"] == pytest.approx(sum(timed[r["run"]] for r in finetuned))


def test_a_notebook_that_sweeps_task_by_task_is_planned_for_every_task():
    """paper_tasks_offline plans one sweep per task; with nothing trained each call finds an empty
    results folder, which once raised KeyError('run') and left every task after the first unplanned."""
    import yaml

    params = yaml.safe_load((ROOT / "params" / "smoke" / "paper_tasks_offline.yaml").read_text())
    params["tasks"] = ["synth_sentiment", "synth_keyword"]
    planned = plan.plan_preset_file(ROOT / "params" / "smoke" / "paper_tasks_offline.yaml", params)
    tasks = {r["data"]["task"] for r in planned.runs if r["kind"] == "nlp"}
    assert tasks == {"synth_sentiment", "synth_keyword"}
