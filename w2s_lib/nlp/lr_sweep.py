"""Choosing a learning rate on ground-truth *validation* accuracy, never on the test set.

The paper trains its reward models for 1 epoch at batch 220 with no early stopping (App. A.3, p. 34) and
states no learning rate; our preset rates (``models.MODEL_PRESETS``) are the reference code's for batch 32.
This sweep trains, for each model and candidate rate, the two ground-truth runs that the protocol needs
anyway: the weak supervisor (half A) and the ceiling (half B). Each is scored by the accuracy of the model
the run keeps (its ``select`` setting) on its own half's validation slice, whose labels are ground truth;
per model, the rate with the best mean over halves, tasks and seeds is chosen (ties: the smaller rate).
Test accuracy is listed beside it for the reader and never enters the choice.

The runs are ordinary cached runs: those at the chosen rate are exactly the supervisors and ceilings of
``sweep.plan_sweep(..., per_model={model: ModelSettings(lr=rate)})``, so the notebooks reuse them. Run it
once (GPU), with the paper preset of the reward-modelling notebooks, from the repository root:

    python -m w2s_lib.nlp.lr_sweep params/paper/fig03_rm_naive_scaling.yaml --out results/rm

(``results/rm`` is the notebooks' ``../results/rm``.) It prints each model's validation and test accuracy
per rate and the ``lr:`` line to put in the three reward-modelling paper presets, which share their runs.
By default it tries 1/4, 1/2, 1, 2 and 4 times each model's rate in the preset (or its preset rate) on the
preset's first seed: with the paper preset, 4 models x 5 rates x 2 halves x 2 tasks = 80 runs of one
half each, about as many GPU hours as the naive sweep itself (72 runs).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from w2s_lib.core import cache
from w2s_lib.models.settings import ModelSettings, check_per_model, per_model_lr
from w2s_lib.nlp.protocol import HALVES, RunConfig, run_dir, run_name, run_or_load
from w2s_lib.nlp.settings import DataSettings
from w2s_lib.nlp.sweep import gt_run

# candidate rates, as multiples of each model's base rate
DEFAULT_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)


def candidate_rates(base: float, factors=DEFAULT_FACTORS) -> list[float]:
    """``base`` times each factor, rounded to 3 significant digits (they name run folders and presets)."""
    return [float(f"{base * f:.3g}") for f in factors]


def sweep_configs(
    tasks: list[str],
    models: list[str],
    seeds: list[int],
    lrs: dict[str, list[float]],
    *,
    data: DataSettings | None = None,
    every: ModelSettings | None = None,
    per_model: dict[str, ModelSettings] | None = None,
) -> list[RunConfig]:
    """The ground-truth runs of the sweep: per task, seed, model and rate in ``lrs[model]``, half A and B,
    built as ``sweep.plan_sweep`` builds supervisors and ceilings from the same ``data``, ``every`` and
    ``per_model`` (``settings``), at that rate (so a rate's runs are theirs)."""
    missing = [m for m in models if not lrs.get(m)]
    if missing:
        raise ValueError(f"no candidate rates for {', '.join(missing)}; give rates for: {', '.join(models)}")
    data, every, per_model = data or DataSettings(), every or ModelSettings(), check_per_model(per_model)
    configs = []
    for task in tasks:
        for seed in seeds:
            dc = data.config(task, seed)
            for model in models:
                own = every.overridden_by(per_model.get(model))
                for lr in lrs[model]:
                    at_rate = own.overridden_by(ModelSettings(lr=lr))
                    configs += [gt_run(dc, model, h, at_rate) for h in HALVES]
    return configs


def score_runs(configs: list[RunConfig], root) -> pd.DataFrame:
    """One row per finished run: its validation accuracy (ground truth, at the step the run kept) and,
    for reference only, its test accuracy."""
    rows = []
    for cfg in configs:
        out = run_dir(cfg, root)
        metrics = cache.read_json(out / cache.METRICS_FILE)
        history = cache.read_json(out / "history.json")
        kept = [h for h in history if h["step"] == metrics["selected_step"]] or history[-1:]
        rows.append(
            {
                "task": cfg.data.task,
                "seed": cfg.data.seed,
                "model": cfg.model,
                "half": cfg.half,
                "lr": cfg.train.lr,
                "val_acc": float(kept[-1]["val_acc"]),
                "test_acc": float(metrics["test_acc"]),
                "n_steps": int(metrics["n_steps"]),
                "run": run_name(cfg),
            }
        )
    return pd.DataFrame(rows)


def choose_lr(table: pd.DataFrame) -> dict[str, float]:
    """Per model, the rate with the highest mean validation accuracy over its runs (halves, tasks, seeds);
    ties go to the smaller rate. The ``test_acc`` column is not read."""
    mean = table.groupby(["model", "lr"], sort=True)["val_acc"].mean()
    chosen = {}
    for model, per_lr in mean.groupby(level="model", sort=False):
        per_lr = per_lr.droplevel("model").sort_index()
        chosen[model] = float(per_lr.idxmax())  # idxmax: the first (smallest) rate among ties
    return chosen


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean validation and test accuracy per (model, rate), with the chosen rate marked."""
    cols = [c for c in ("val_acc", "test_acc", "n_steps") if c in table]
    out = table.groupby(["model", "lr"], sort=False)[cols].mean().reset_index()
    chosen = choose_lr(table)
    out["chosen"] = [chosen[m] == lr for m, lr in zip(out["model"], out["lr"])]
    return out


def lr_sweep(
    root,
    tasks: list[str],
    models: list[str],
    seeds: list[int],
    lrs: dict[str, list[float]],
    *,
    progress=None,
    **config_kw,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Train (or load) every run of ``sweep_configs`` under ``root``; return the scores and the chosen rate
    per model."""
    configs = sweep_configs(tasks, models, seeds, lrs, **config_kw)
    for cfg in configs:
        run_or_load(cfg, root, progress=progress)
    table = score_runs(configs, root)
    return table, choose_lr(table)


def notebook_settings(params: dict) -> tuple[DataSettings, ModelSettings, dict[str, ModelSettings]]:
    """The settings the reward-modelling notebooks' spec (``nlp.spec.SweepSpec``) builds from their parameters (a
    preset file): (``data``, ``every``, ``per_model``: the ``lr`` mapping)."""
    from w2s_lib.nlp.spec import SweepSpec

    spec = SweepSpec.from_params(params)
    return spec.plan_kw()["data"], spec.every(), per_model_lr(params.get("lr"))


def _floats(s: str) -> list[float]:
    try:
        return [float(x) for x in s.split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {s!r}") from None


def main(argv: list[str] | None = None) -> int:
    import yaml

    from w2s_lib.models.presets import default_lr, model_order

    p = argparse.ArgumentParser(
        prog="python -m w2s_lib.nlp.lr_sweep",
        description="Choose each model's learning rate on ground-truth validation accuracy (never test).",
    )
    p.add_argument("preset", help="a notebook's preset file, e.g. params/paper/fig03_rm_naive_scaling.yaml")
    p.add_argument("--out", required=True, help="results folder (the notebooks' cache: results/rm)")
    p.add_argument("--factors", type=_floats, default=list(DEFAULT_FACTORS), help="multiples of each base rate")
    p.add_argument("--lrs", type=_floats, default=None, help="the same absolute rates for every model instead")
    p.add_argument("--seeds", default=None, help="comma-separated seeds (default: the preset's first)")
    p.add_argument("--tasks", default=None, help="comma-separated tasks (default: the preset's)")
    p.add_argument("--models", default=None, help="comma-separated models (default: the preset's)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    a = p.parse_args(argv)
    if not Path(a.preset).is_file():
        p.error(f"no preset file {a.preset!r}; e.g. params/paper/fig03_rm_naive_scaling.yaml")
    params = yaml.safe_load(Path(a.preset).read_text(encoding="utf-8")) or {}
    tasks = a.tasks.split(",") if a.tasks else params["tasks"]
    models = model_order(a.models.split(",") if a.models else params["models"])
    seeds = [int(s) for s in a.seeds.split(",")] if a.seeds else params["seeds"][:1]
    from w2s_lib.data.registry import task_spec
    from w2s_lib.models.loading import check_model_name

    try:
        for m in models:
            check_model_name(m)
        for t in tasks:
            task_spec(t)
    except ValueError as e:
        p.error(str(e))
    base = params.get("lr") or {}
    lrs = {m: a.lrs or candidate_rates(base.get(m) or default_lr(m), a.factors) for m in models}
    data, every, _ = notebook_settings(params)  # the preset's own rates are the candidates' base, not overrides
    table, chosen = lr_sweep(a.out, tasks, models, seeds, lrs, data=data, every=every, progress=not a.quiet)
    print(summary(table).to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print("# chosen on ground-truth validation accuracy (python -m w2s_lib.nlp.lr_sweep); put in the paper presets:")
    print("lr: {" + ", ".join(f"{m}: {lr:.3g}" for m, lr in chosen.items()) + "}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
