"""``w2s preflight`` (do a preset's tasks and models load, before a long run?), ``w2s plan`` (the runs a preset
or a notebook's preset file would train) and ``w2s list`` (tasks, models, losses, presets, the paper's claims)."""

from __future__ import annotations

import sys
from pathlib import Path

from w2s_lib.cli.common import UsageError, check_models, choices, preflight_settings
from w2s_lib.cli.presets import PRESETS
from w2s_lib.cli.sweep import preset_args, sweep_plan, sweep_settings


def add_parsers(sub) -> None:
    """``w2s preflight``, ``w2s plan`` and ``w2s list``."""
    f = sub.add_parser("preflight", help="check that a preset's tasks and models load, before a long run")
    f.add_argument("--preset", help=f"a sweep preset: {', '.join(PRESETS)}")
    f.add_argument("--params", help="a notebook's preset file instead, e.g. params/paper/fig05_confidence_loss.yaml")
    f.add_argument("--n", type=int, default=64, help="items per split to load and format (default 64)")
    f.add_argument("--weights", action="store_true", help="also load every model's weights (downloads them)")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    pl = sub.add_parser("plan", help="print the runs a preset or a notebook's preset file would train (no training)")
    pl.add_argument("--preset", help=f"a sweep preset: {', '.join(PRESETS)}")
    pl.add_argument("--params", help="a notebook's preset file instead, e.g. params/paper/fig05_confidence_loss.yaml")
    ls = sub.add_parser("list", help="list tasks, models, losses, presets or the paper's claims")
    ls.add_argument("what", help="tasks, models, losses, presets or claims")
    ls.add_argument("--preset", default="laptop", help="claims: where each is decided at this notebook preset")


def cmd_preflight(a) -> int:
    from w2s_lib import preflight as pf  # ~20 ms of imports: keeps --help fast

    settings = preflight_settings(a)
    if a.n <= 0:
        raise UsageError(f"--n must be positive, got {a.n}")
    # Offline mode must be set before huggingface_hub, datasets and transformers are imported.
    online = pf.hub_reachable()
    if not online:
        pf.go_offline()
        print(
            "w2s preflight: the Hugging Face Hub is not reachable (or offline mode is set): only the local "
            "cache is checked",
            file=sys.stderr,
        )
    from w2s_lib.data import TASKS  # here, after go_offline(); and keeps --help fast

    needs = pf.needs_of(settings)
    choices("task", needs.tasks, sorted(TASKS))
    check_models(needs.models)
    lines = pf.preflight(needs, n=a.n, weights=a.weights, online=online, progress=not a.quiet)
    print(pf.table(lines))
    bad = sum(not line.ok for line in lines)
    print(f"w2s preflight: {len(lines) - bad} OK, {bad} not OK", file=sys.stderr)
    return 0 if bad == 0 else 2


def cmd_plan(a) -> int:
    from w2s_lib import plan  # pandas: keeps --help fast

    settings = preflight_settings(a)  # the same --preset / --params choice and checks as preflight
    if a.preset is not None:
        sweep_args = preset_args(a.preset)
        planned = plan.Planned()
        from w2s_lib.nlp.protocol import run_name  # torch: keeps --help fast

        for cfg in sweep_plan(sweep_settings(sweep_args), sweep_args).runs:
            planned.add("nlp", cfg, run_name(cfg))
    else:
        try:
            planned = plan.plan_preset_file(Path(a.params), settings)
        except ValueError as e:
            raise UsageError(str(e)) from None
    try:
        plan.print_plan(planned)
    except BrokenPipeError:  # `w2s plan ... | head`: the reader has all it wanted
        sys.stdout = None
        return 0
    print(f"w2s plan: {len(planned.runs)} runs; nothing was trained or downloaded", file=sys.stderr)
    return 0


def cmd_list(a) -> int:
    # pandas, torch; the task and model registries: keeps --help fast
    from w2s_lib import reference
    from w2s_lib.core.losses import LOSSES
    from w2s_lib.data import TASKS
    from w2s_lib.models.presets import MODEL_PRESETS

    options = {"tasks": sorted(TASKS), "models": list(MODEL_PRESETS), "losses": list(LOSSES), "presets": list(PRESETS)}
    choices("list", [a.what], [*options, "claims"])
    if a.what == "claims":  # every claim at a notebook preset: its notebooks, or why it is not measurable there
        choices("preset", [a.preset], list(reference.PRESETS))
        table = reference.claims_at(a.preset)
        print("\n".join(f"{r.claim}: {r.claim_text}\n    {r.where}" for r in table.itertuples()))
        return 0
    print("\n".join(options[a.what]))
    return 0
