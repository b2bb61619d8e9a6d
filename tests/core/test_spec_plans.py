"""Every notebook with a spec plans, from its spec alone, exactly the runs that executing it records (the way
``w2s plan`` learnt a notebook's runs before it had a spec), at each of its presets but paper (Hub data)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.core.test_spec import TRAINS_NOTHING, _no_execution, _rows
from tests.support.executed_plan import plan_notebook
from w2s_lib import plan
from w2s_lib.specs import notebook_specs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # executes each notebook with recorders (about 100 s in all)
@pytest.mark.parametrize("preset", ["smoke", "laptop"])
@pytest.mark.parametrize("name", sorted(notebook_specs()))
def test_a_specs_plan_is_what_its_notebook_trains(name, preset, monkeypatch):
    params_file = ROOT / "params" / preset / f"{name}.yaml"
    if not params_file.exists():
        pytest.skip(f"{name} has no {preset} preset")
    params = yaml.safe_load(params_file.read_text())
    executed = plan_notebook(plan.notebook_of(params_file), params)  # what the notebook's cells call
    _no_execution(monkeypatch)
    planned = plan.plan_preset_file(params_file, params)
    assert _rows(planned) == _rows(executed)
    assert planned.runs or name in TRAINS_NOTHING  # fig24's regressions are fitted outside the engine


def test_the_oracle_reports_a_failing_cell_and_goes_on(tmp_path):
    nb = tmp_path / "nb.py"
    nb.write_text('# %% tags=["parameters"]\nx: int = 1\n\n# %%\nassert x == 2\n\n# %%\ny = 3\n')
    planned = plan_notebook(nb, {})
    assert len(planned.failed_cells) == 1 and planned.failed_cells[0].startswith("cell 1: AssertionError: ")
