"""What a notebook's cells ask the run engine for, found by executing them: the oracle against which
``tests/core/test_spec_plans.py`` checks that each notebook's spec plans exactly those runs.

The notebook runs cell by cell in this process with its preset file's values injected after the parameters
cell (as papermill does), while the engine is replaced by a recorder: a run and the runs it reads are written
down instead of trained, and return metrics that are all nan. Cells that need real results then fail and are
skipped (``Planned.failed_cells``). Nothing is downloaded (offline mode) and nothing is written (a temporary
results folder). This is how ``w2s plan`` learnt a notebook's runs before the notebooks had specs."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

from w2s_lib.plan import Planned, code_cells


class _NanMetrics(dict):
    """The metrics a recorded run returns: any key reads as nan."""

    def __missing__(self, key):
        return float("nan")


def _engines(planned: Planned) -> list[tuple[object, str, object]]:
    """(module, attribute, recorder): the one run engine (``runs.run_or_load``), and vision's feature pass."""
    from w2s_lib.core import runs
    from w2s_lib.vision import protocol as vision

    def record(run, **kw):
        planned.add_with_dependencies(run)
        return _NanMetrics()

    return [
        (runs, "run_or_load", record),
        (vision, "prefetch", lambda *a, **k: None),  # feature extraction would read images
    ]


@contextlib.contextmanager
def recording(planned: Planned) -> Iterator[None]:
    """Replace every run engine, wherever a ``w2s_lib`` module bound it by name, with its recorder."""
    swaps = []
    for module, name, recorder in _engines(planned):
        original = getattr(module, name)
        for mod in [m for k, m in sys.modules.items() if k.startswith("w2s_lib") and m is not None]:
            if getattr(mod, name, None) is original:
                swaps.append((mod, name, original))
                setattr(mod, name, recorder)
    try:
        yield
    finally:
        for mod, name, original in swaps:
            setattr(mod, name, original)


@contextlib.contextmanager
def _quiet_sandbox() -> Iterator[Path]:
    """Offline, no progress bars, a non-interactive plotting backend, a temporary results folder."""
    from w2s_lib.core.cache import RESULTS_ENV
    from w2s_lib.preflight import OFFLINE_VARS

    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="w2s-plan-") as tmp:
        os.environ.update({v: "1" for v in OFFLINE_VARS})
        os.environ.update({RESULTS_ENV: tmp, "W2S_PROGRESS": "0", "MPLBACKEND": "Agg"})
        try:
            yield Path(tmp)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def plan_notebook(notebook: Path, params: dict) -> Planned:
    """Execute ``notebook``'s code with ``params`` injected, recording the runs instead of training them."""
    planned = Planned()
    planned.failed_cells = []
    cells = code_cells(notebook)
    namespace = {"__name__": "__main__", "display": lambda *a, **k: None}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # the notebook's prints go nowhere: stdout is the plan's JSON lines
    with (
        _quiet_sandbox() as tmp,
        recording(planned),
        contextlib.chdir(notebook.parent),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        for i, (source, is_parameters) in enumerate(cells):
            try:
                exec(compile(source, f"{notebook.name}[cell {i}]", "exec"), namespace)
            except Exception as e:  # a cell that needs real results; the plan goes on
                where = traceback.extract_tb(e.__traceback__)[-1]
                first = (str(e).splitlines() or [""])[0][:120]  # a bare assert has no message
                planned.failed_cells.append(f"cell {i}: {type(e).__name__}: {first}"
                                            f" (at {Path(where.filename).name}:{where.lineno})")  # fmt: skip
            if is_parameters:
                # figures and tables of nan metrics go to the temporary folder, never into figures/
                namespace.update({**params, "out_dir": str(tmp / "figures")})
            plt.close("all")
    return planned
