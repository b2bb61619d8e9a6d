"""The spec layer: a notebook's parameters as one typed spec that plans its runs without running anything, and
the "add a setting" recipe of docs/architecture.md followed by a toy setting defined here."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from w2s_lib import plan
from w2s_lib.core import cache, runs
from w2s_lib.core.spec import Spec
from w2s_lib.data.registry import TASK_LISTS
from w2s_lib.nlp.spec import SweepSpec
from w2s_lib.specs import notebook_spec

ROOT = Path(__file__).resolve().parents[2]
TRAINS_NOTHING = {"fig14_chess_examples", "fig24_simulation_difficulty"}


def _no_execution(monkeypatch):
    """Fail if anything compiles a notebook's source (executing its cells would), or reads its cells but for
    the parameters cell."""
    import builtins

    real_compile = builtins.compile

    def guarded(source, filename, *a, **k):
        if (str(filename).endswith(".py") and "notebooks" in str(filename)) or "[cell" in str(filename):
            raise AssertionError(f"{filename} was compiled to plan it")
        return real_compile(source, filename, *a, **k)

    monkeypatch.setattr(builtins, "compile", guarded)
    assert not hasattr(plan, "plan_notebook")  # the library has no way left to execute a notebook


def _rows(planned) -> list[str]:
    return [json.dumps(r, sort_keys=True) for r in planned.runs]


def test_the_paper_plan_of_fig05_comes_from_its_spec_alone(monkeypatch):
    _no_execution(monkeypatch)
    params_file = ROOT / "params" / "paper" / "fig05_confidence_loss.yaml"
    planned = plan.plan_preset_file(params_file, yaml.safe_load(params_file.read_text()))
    # 22 tasks x 3 seeds: 3 supervisors and 3 ceilings, 6 pairs x 2 losses of students
    assert len(planned.runs) == 22 * 3 * (3 + 3 + 6 * 2) == 1188
    assert {r["data"]["task"] for r in planned.runs} == set(TASK_LISTS["paper_nlp"])
    assert {r["train"]["loss"] for r in planned.runs if r["labels"] == "weak"} == {"xent", "logconf"}


def test_notebook_parameters_are_read_not_executed(tmp_path):
    nb = tmp_path / "x.py"
    nb.write_text('# %% tags=["parameters"]\na: int = 3  # c\nb = [1, "x"]\nimport os\n\n# %%\nraise SystemExit\n')
    assert plan.notebook_parameters(nb) == {"a": 3, "b": [1, "x"]}


def test_from_params_checks_once_with_the_valid_choices():
    base = dict(tasks=["synth_sentiment"], models=["tiny-1", "tiny-2"], cache_dir="ignored", preset="smoke")
    spec = SweepSpec.from_params(base, losses=["xent"])
    assert spec.tasks == ("synth_sentiment",) and spec.trained_pairs == [("tiny-1", "tiny-2")]
    assert SweepSpec.from_params({**base, "tasks": "paper_nlp"}).tasks == TASK_LISTS["paper_nlp"]
    for bad, match in [
        ({"tasks": ["nope"]}, "unknown task 'nope'; valid: .*boolq"),
        ({"tasks": "nope"}, "unknown task list 'nope'; valid: paper_nlp"),
        ({"losses": ["l2"]}, "unknown loss 'l2'; valid: xent"),
        ({"setting": "cloud"}, "unknown setting 'cloud'; valid: finetune, laptop"),
        ({"seeds": []}, "no seeds"),
    ]:
        with pytest.raises(ValueError, match=match):
            SweepSpec.from_params({**base, **bad})
    with pytest.raises(ValueError, match="has no spec; those that have: .*fig02_headline_bars"):
        notebook_spec("no_such_notebook", base)


# ---------------------------------------------------------------------------- the "add a setting" recipe
# docs/architecture.md: 1. a frozen config; 2. a Run kind with a CODE_VERSIONS entry (and KIND_MODULES, for
# reading config.json back); 3. a Spec whose runs() lists them; 4. plan and run through the spec layer.


@dataclasses.dataclass(frozen=True)
class ToyConfig:
    numbers: tuple = (1, 2, 3)
    power: int = 1


@pytest.fixture
def toy_setting(monkeypatch):
    monkeypatch.setitem(runs.CODE_VERSIONS, "toy", 1)
    computed = []

    class ToyRun(runs.Run):
        kind, config_type = "toy", ToyConfig

        @property
        def folder(self) -> Path:
            return self.root / "toy" / f"p{self.config.power}_{runs.key_hash(self.kind, self.config)}"

        def fingerprint(self) -> str:
            return cache.config_hash(self.config)

        def compute(self, writer, progress) -> dict:
            computed.append(self.config)
            return {"mean_power": sum(x**self.config.power for x in self.config.numbers) / len(self.config.numbers)}

    @dataclasses.dataclass(frozen=True)
    class ToySpec(Spec):
        numbers: tuple = (1, 2, 3)
        powers: tuple = (1, 2)

        def runs(self, root):
            return [ToyRun(ToyConfig(tuple(self.numbers), p), root) for p in self.powers]

    yield ToySpec, computed
    runs.KINDS.pop("toy", None)


def test_a_toy_setting_plans_then_runs_then_reuses(toy_setting, tmp_path):
    ToySpec, computed = toy_setting
    spec = ToySpec.from_params({"numbers": [1, 2, 3, 6], "powers": [1, 2], "cache_dir": "not a field"})
    planned = plan.plan_runs(spec.runs(tmp_path))
    assert [r["power"] for r in planned.runs] == [1, 2] and not computed and not list(tmp_path.iterdir())
    df = spec.run(tmp_path, progress=False)
    assert df["mean_power"].tolist() == [3.0, 12.5]  # (1+2+3+6)/4, (1+4+9+36)/4
    assert df["run"].tolist() == [r["run"] for r in planned.runs]
    spec.run(tmp_path, progress=False)
    assert len(computed) == 2  # the second run read both from the cache
