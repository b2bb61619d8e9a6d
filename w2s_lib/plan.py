"""``w2s plan``: the runs a preset or a notebook's preset file would train, without training anything.

A notebook's runs are its spec's (``specs.notebook_spec``: its preset file's values over the defaults of its
parameters cell, which is read, not executed): nothing is executed, downloaded, read or written. A spec whose
later runs depend on earlier runs' results lists what it can know (Fig. 21's cutoffs need its graders'
predictions: it lists the graders). Work done outside the run engine (Fig. 24's logistic regressions on
features, Fig. 14's drawings) is not a run and is not listed.

Each planned run is one JSON object with the fields of its ``config.json``, plus ``kind``, ``run`` (its
folder name) and ``flops``: an estimate of its training and evaluation FLOPs that takes every example at
``max_len`` tokens (an upper bound; short texts cost less) and counts 6 FLOPs per weight and token for
finetuning, 2 for a forward pass (evaluation, labelling, prompting). A probe on a frozen backbone reads each
text once (its features are memoized), so its epochs cost no backbone FLOPs. A laptop student finetuned
whole also gets ``cpu_seconds``: its time on the project's 2-core CPU, from the rates measured by
``benchmarks/bench_laptop_finetune.py`` (``laptop_finetune_rates.json``); the totals add them up.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from w2s_lib.core import cache

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass
class Planned:
    """What a plan found: runs in dependency order (each once), and the cells that could not run."""

    runs: list[dict] = field(default_factory=list)
    _seen: set = field(default_factory=set)

    def add(self, kind: str, cfg, name: str) -> bool:
        key = (kind, name)
        if key in self._seen:
            return False
        self._seen.add(key)
        row = {"kind": kind, "run": name, **cache.jsonable(cache.config_dict(cfg)), "flops": flops(kind, cfg)}
        self.runs.append({**row, "cpu_seconds": cpu_seconds(kind, cfg)})
        return True

    def add_with_dependencies(self, run) -> None:
        """``run`` (a ``runs.Run``) after the runs it reads, as the engine would compute them."""
        from w2s_lib.core.runs import dependency_order

        for r, _ in dependency_order([run]):
            self.add(r.kind, r.config, r.name)

    @property
    def total_flops(self) -> float | None:
        known = [r["flops"] for r in self.runs if r["flops"] is not None]
        return float(sum(known)) if known else None


# ---------------------------------------------------------------------------- FLOPs


def _params(model: str) -> float | None:
    """``models.param_count`` (a preset's count, or one counted from a cached config); None when unknown."""
    from w2s_lib.models.loading import param_count

    try:
        return param_count(model)
    except KeyError:  # no preset and no config within reach (plans run offline)
        return None


def _sizes(data) -> tuple[int, int] | None:
    """(training items, test items) of a data config; n = 0 ("every item") resolved from the task's known
    split sizes (``TaskSpec.split_rows``), None where they are unknown."""
    from w2s_lib.data import TASKS

    known = TASKS[data.task].split_rows if data.task in TASKS else None
    sizes = []
    for n, split in ((data.n_train, "train"), (data.n_test, "test")):
        if n == 0 and not (known and split in known):
            return None
        sizes.append(n or known[split])
    return sizes[0], sizes[1]


def _nlp_counts(cfg, sizes: tuple[int, int]) -> tuple[float, float, float, int]:
    """An NLP run's half, its validation and training items, and its optimizer steps."""
    half = sizes[0] / 2
    n_val, n_fit = half * cfg.data.val_frac / cfg.b_slices, half * (1 - cfg.data.val_frac) / cfg.b_slices
    return half, n_val, n_fit, max(1, math.ceil(cfg.train.epochs * n_fit / cfg.train.batch_size))


def _nlp_flops(cfg) -> float | None:
    p, sizes = _params(cfg.model), _sizes(cfg.data)
    if p is None or sizes is None:
        return None
    t, n_test = cfg.train, sizes[1]
    half, n_val, n_fit, n_steps = _nlp_counts(cfg, sizes)
    if cfg.linear_probe:  # a frozen backbone reads each text once (features are memoized); the head is free
        train, evals = 2 * p * n_fit * t.max_len, 2 * p * (n_val + n_test) * t.max_len
    else:
        train = 6 * p * n_steps * t.batch_size * t.max_len
        evals = 2 * p * len(t.eval_steps(n_steps)) * (n_val + n_test) * t.max_len
    labels = 2 * p * half * t.max_len if cfg.role == "weak" else 0.0
    genft = 6 * p * cfg.genft_epochs * n_fit * t.max_len
    from w2s_lib.data import TASKS

    texts = 2 if cfg.data.task in TASKS and TASKS[cfg.data.task].pairwise else 1  # a comparison reads two
    return float(texts * (train + evals + labels + genft))


def _chess_flops(cfg) -> float | None:
    p = _params(cfg.model)
    if p is None:
        return None
    t, d = cfg.train, cfg.data
    n_steps = max(1, math.ceil(t.epochs * d.n_train / t.batch_size))
    decode = 2 * p * (d.n_test + d.n_train) * (t.max_len + cfg.max_new_tokens)  # test, and labels for the next
    return float(6 * p * n_steps * t.batch_size * t.max_len + decode)


def _prompt_flops(cfg) -> float | None:
    p = _params(cfg.model)
    return None if p is None else float(2 * p * cfg.data.n_test * cfg.max_len)


@functools.lru_cache(maxsize=1)
def _laptop_rates() -> dict[str, dict]:
    """The measured CPU rates of the laptop students finetuned whole (benchmarks/bench_laptop_finetune.py)."""
    from importlib import resources

    doc = json.loads(resources.files("w2s_lib").joinpath("laptop_finetune_rates.json").read_text())
    return {r["student"]: r for r in doc["rates"]}


def cpu_seconds(kind: str, cfg, rate: dict | None = None) -> float | None:
    """Seconds a finetuned laptop student's run takes on the 2-core CPU, from the measured rates (``rate``, or
    the student's in ``laptop_finetune_rates.json``): its steps (rates at batch 32 x 32 tokens, scaled by
    tokens per step) and its predictions (every evaluation's validation items, its test items at every
    evaluation or once (``history_test``), and its training items once more for the agreement numbers).
    None for any other run: the rates exist for those students only."""
    rate = rate or (_laptop_rates().get(getattr(cfg, "model", None)) if kind == "nlp" else None)
    sizes = _sizes(cfg.data) if rate else None
    if rate is None or sizes is None or cfg.linear_probe:
        return None
    t, (_, n_val, n_fit, n_steps) = cfg.train, _nlp_counts(cfg, sizes)
    scale = t.batch_size * t.max_len / (32 * 32)
    n_evals, n_test = len(t.eval_steps(n_steps)), sizes[1]
    predicted = n_evals * (n_val + n_test * t.history_test) + n_test * (not t.history_test) + n_fit
    return float(n_steps * rate["train_step_s"] * scale + predicted * rate["predict_ms_per_item"] / 1e3)


def flops(kind: str, cfg) -> float | None:
    """The estimate described in the module docstring; None for a model of unknown size (not a preset) or
    a task whose split sizes are unknown when a preset asks for every item (n = 0)."""
    estimate = {"nlp": _nlp_flops, "chess": _chess_flops, "prompt": _prompt_flops}.get(kind)
    return estimate(cfg) if estimate is not None else None


# ---------------------------------------------------------------------------- recording the engines


# ---------------------------------------------------------------------------- notebooks and presets


def code_cells(notebook: Path) -> list[tuple[str, bool]]:
    """(source, is_parameters_cell) of each code cell, with IPython magics and shell lines dropped."""
    import jupytext

    nb = jupytext.read(notebook)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = [ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        cells.append(("\n".join(lines), "parameters" in cell.metadata.get("tags", [])))
    return cells


def notebook_of(params_file: Path) -> Path:
    """The notebook a preset file belongs to: ``params/<preset>/NAME.yaml`` -> ``notebooks/NAME.py``."""
    path = NOTEBOOKS / f"{Path(params_file).stem}.py"
    if not path.exists():
        valid = ", ".join(sorted(p.stem for p in NOTEBOOKS.glob("*.py") if p.stem != "conftest"))
        raise ValueError(f"no notebook for preset file {str(params_file)!r}; notebooks: {valid}")
    return path


def print_plan(planned: Planned, out=None) -> None:
    """One JSON object per run, then one with the totals."""
    out = out or sys.stdout
    for run in planned.runs:
        print(json.dumps(run, sort_keys=False), file=out)
    kinds: dict[str, int] = {}
    for run in planned.runs:
        kinds[run["kind"]] = kinds.get(run["kind"], 0) + 1
    unknown = sum(r["flops"] is None for r in planned.runs)
    total = {"total_runs": len(planned.runs), "runs_by_kind": kinds, "total_flops": planned.total_flops}
    total["runs_without_flops"] = unknown  # unknown model or data sizes, vision probes
    timed = [r["cpu_seconds"] for r in planned.runs if r["cpu_seconds"] is not None]
    total["finetuned_laptop_runs"] = len(timed)  # their 2-core CPU time, from the measured rates
    total["finetuned_laptop_cpu_seconds"] = float(sum(timed)) if timed else None
    print(json.dumps(total), file=out)


def notebook_parameters(notebook: Path) -> dict:
    """The defaults of ``notebook``'s parameters cell, read as literals: nothing of the notebook is executed."""
    source = next(src for src, is_parameters in code_cells(notebook) if is_parameters)
    out = {}
    for node in ast.parse(source).body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if isinstance(target, ast.Name) and node.value is not None:
            out[target.id] = ast.literal_eval(node.value)
    return out


def plan_preset_file(params_file: Path, params: dict) -> Planned:
    """The runs of the notebook that ``params_file`` belongs to, run with ``params``, from its spec alone."""
    from w2s_lib.specs import notebook_spec

    notebook = notebook_of(params_file)
    spec = notebook_spec(notebook.stem, {**notebook_parameters(notebook), **params})
    return plan_runs(spec.runs("."))  # a run's name does not depend on its root


def plan_runs(runs: list) -> Planned:
    """The plan of a spec's runs (``core.spec.Spec.runs``), each after the runs it reads."""
    from w2s_lib.core.runs import dependency_order

    planned = Planned()
    for run, _ in dependency_order(runs):  # one walk for all: a run read by several is listed once
        planned.add(run.kind, run.config, run.name)
    return planned
