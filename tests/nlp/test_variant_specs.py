"""The variant notebooks' specs (w2s_lib/nlp/variant_specs.py): their checks and what each plans; that their plans
are what the notebooks train is tests/core/test_spec.py's."""

from __future__ import annotations

from pathlib import Path

import pytest

from w2s_lib import plan
from w2s_lib.nlp.prompting import PAPER_PROMPTS_MISSING, PromptRun
from w2s_lib.nlp.sweep import PROBE_RECIPE
from w2s_lib.specs import notebook_spec

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def spec_of(name: str, **changes):
    """Notebook ``name``'s spec at its defaults (the smoke preset), with ``changes``."""
    return notebook_spec(name, {**plan.notebook_parameters(NOTEBOOKS / f"{name}.py"), **changes})


def test_prompting_plans_the_sweep_then_every_prompt_and_checks_its_prompts():
    spec = spec_of("fig09_prompting")
    runs = spec.runs(".")
    prompts = [r for r in runs if isinstance(r, PromptRun)]
    sweep = [r.name for r in spec.sweep.runs(".")]
    assert [r.name for r in runs[: len(sweep)]] == sweep  # the sweep first, then the prompting runs
    # 3 models x (0, 5 shots) on g.t., and the weak shots of tiny-1 -> tiny-2, tiny-3 and tiny-2 -> tiny-3
    assert len(prompts) == 3 * 2 + 3
    assert all(r.dependencies()[0].name in sweep for r in prompts if r.config.weak is not None)
    for bad, match in [
        ({"prompts": "paper"}, PAPER_PROMPTS_MISSING[:40]),
        ({"prompts": "nope"}, "unknown prompts 'nope'; valid: ours, paper"),
        ({"supervisors": ["no such model"]}, "unknown model 'no such model'; valid: "),
        ({"shots": -1}, "shots must be a list of integers >= 0"),
    ]:
        with pytest.raises(ValueError, match=match.replace("(", r"\(").replace(")", r"\)")):
            spec_of("fig09_prompting", **bad)


def test_generative_finetuning_is_one_sweep_three_ways():
    spec = spec_of("fig10_fig17_fig18_generative_finetuning")
    sweeps = {name: s.sweep() for name, s in spec.sweeps().items()}
    assert not any(c.genft_epochs for c in sweeps["naive"].runs)
    assert {c.genft_epochs for c in sweeps["tuned"].w2s + sweeps["tuned"].ceilings} == {2.0}
    assert sweeps["tuned"].weak == sweeps["naive"].weak  # the supervisors are shared, trained once
    assert {c.genft_epochs for c in sweeps["tuned_all"].runs} == {2.0}
    names = [r.name for r in spec.runs(".")]
    # naive: 2 supervisors, 2 ceilings, 3 students; tuned: its own ceilings and students; tuned_all: its own
    # supervisors and students (its ceilings are tuned's)
    assert len(names) == len(set(names)) == 7 + 5 + 5
    assert len(plan.plan_runs(spec.runs(".")).runs) == 17 + 3  # and the generative finetuning of each model
    with pytest.raises(ValueError, match="genft_epochs must be a number > 0, got 0"):
        spec_of("fig10_fig17_fig18_generative_finetuning", genft_epochs=0)


def test_linear_probes_train_one_pair_five_ways_by_the_probe_recipe():
    spec = spec_of("fig11_linear_probes")
    methods = spec.methods()
    assert list(methods) == ["lp(weak)", "lp(gt)", "ft(weak)", "ft(weak)+lp(gt)", "ft(gt)"]
    assert {(c.weak.model, c.model) for c in methods["lp(weak)"] + methods["ft(weak)"]} == {("tiny-1", "tiny-3")}
    assert [c.weak for c in methods["lp(weak)"]] == [c.weak for c in methods["ft(weak)"]]  # the finetuned supervisor
    probes = methods["lp(weak)"] + methods["lp(gt)"] + methods["ft(weak)+lp(gt)"]
    assert all(c.linear_probe and c.train.lr == PROBE_RECIPE["lr"] and c.train.epochs == 20.0 for c in probes)
    assert [c.init_from for c in methods["ft(weak)+lp(gt)"]] == methods["ft(weak)"]
    with pytest.raises(ValueError, match="probe_epochs must be a number > 0"):
        spec_of("fig11_linear_probes", probe_epochs=-1)
    with pytest.raises(ValueError, match="unknown setting 'cloud'; valid: finetune, laptop"):
        spec_of("fig11_linear_probes", setting="cloud")


def test_probe_scaling_probes_every_model_at_finetune_and_checks_its_modes():
    spec = spec_of("fig23_linear_probe_scaling")
    planned = spec.sweep_plan()
    assert spec.pairs == [("tiny-1", "tiny-2"), ("tiny-1", "tiny-3"), ("tiny-2", "tiny-3")]
    assert all(c.linear_probe and c.train.batch_size == 128 for c in planned.runs) and spec.modes() == []
    with pytest.raises(ValueError, match="unknown student_mode 'frozen'; valid: probe, finetune"):
        spec_of("fig23_linear_probe_scaling", student_mode="frozen")
    with pytest.raises(ValueError, match="compare_modes needs exactly the keys students, tasks, seeds"):
        spec_of("fig23_linear_probe_scaling", compare_modes={"students": ["tiny-3"]})


def test_simulation_trains_no_engine_run_and_checks_its_grid(tmp_path):
    spec = spec_of("fig24_simulation_difficulty", ks=[4, 8], student_ks=[8], mixed_k=4, noise=[0.1], n_seeds=2)
    assert spec.runs(tmp_path) == [] and spec.sources == ["sklearn:digits"] and spec.seeds == [0, 1]
    grids = spec.experiments(tmp_path)
    assert list(grids) == [("sklearn:digits", 0), ("sklearn:digits", 1)]
    assert grids[("sklearn:digits", 0)].attrs["sizes"] == {"weak": 700, "student": 797, "test": 300}
    df = spec.pooled(grids)
    assert len(df) == 2 * (2 + 2 + 1) and set(df["seed"]) == {0, 1}  # simulatable and random k=4, 8; mixed
    for bad, match in [
        ({"setting": "cloud"}, "unknown setting 'cloud'; valid: finetune, laptop"),
        ({"features": "sklearn:iris"}, "unknown feature source 'sklearn:iris'; valid: sklearn:digits"),
        ({"features": "sklearn:digits, sklearn:digits"}, "features names a source twice"),
        ({"mixed_k": 5}, r"mixed_k=5 must be one of ks=\[4, 8, 16, 32\]"),
        ({"n_seeds": 0}, "n_seeds must be an integer >= 1"),
    ]:
        with pytest.raises(ValueError, match=match):
            spec_of("fig24_simulation_difficulty", **bad)
