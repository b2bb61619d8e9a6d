"""``w2s compare``: every registered weak-to-strong method on the same supervisors' labels, tasks and seeds
(``w2s_lib.nlp.compare``), one printed row per student and method, sorted by PGR."""

from __future__ import annotations

import sys
from pathlib import Path

from w2s_lib.cli.common import UsageError, csv, ints, usage
from w2s_lib.cli.presets import PARAMS

PRESETS = ("smoke", "laptop", "paper")
NOTEBOOK = "methods_comparison"  # its preset files are the command's settings


def add_parsers(sub) -> None:
    c = sub.add_parser("compare", help="every weak-to-strong method on the same runs, one table with intervals")
    c.add_argument("--preset", default="smoke", help=f"settings (params/PRESET/{NOTEBOOK}.yaml): {', '.join(PRESETS)}")
    c.add_argument("--methods", type=csv, help="comma-separated methods (default: every registered one: --list)")
    c.add_argument("--seeds", type=ints, help="comma-separated integer seeds (default: the preset's)")
    c.add_argument("--out", help="results folder (default results/compare-PRESET): runs, tables, figure")
    c.add_argument("--list", action="store_true", help="list the registered methods and exit")
    c.add_argument("--quiet", action="store_true", help="no progress bars")


def _list_methods() -> int:
    from w2s_lib.nlp import methods  # torch

    for m in methods.pick():
        print(f"{m.name:<18} {m.kind:<9} {m.summary}  [{m.source}]")
    return 0


def spec_of(a):
    """The comparison's spec from the preset file and the flags; a one-line error for bad input."""
    import yaml

    from w2s_lib.nlp.compare import CompareSpec  # torch

    if a.preset not in PRESETS:
        raise UsageError(f"unknown preset {a.preset!r}; valid: {', '.join(PRESETS)}")
    params = yaml.safe_load((PARAMS / a.preset / f"{NOTEBOOK}.yaml").read_text())
    if a.methods is not None:
        params["methods"] = a.methods
    if a.seeds is not None:
        params["seeds"] = a.seeds
    try:
        return CompareSpec.from_params(params)
    except ValueError as e:
        raise usage(e) from None


def cmd_compare(a) -> int:
    if a.list:
        return _list_methods()
    spec = spec_of(a)
    out = Path(a.out or f"results/compare-{a.preset}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{str(out)!r} exists and is not a folder")
    if spec.setting == "laptop":
        from w2s_lib.cli.sandbox import need_packaged

        need_packaged([*spec.students, *spec.finetuned])
    from w2s_lib.nlp.compare import format_table, method_table, save_outputs

    for name, reasons in spec.plan()[1].items():
        print(f"w2s compare: {name} skips some students: {'; '.join(reasons)}", file=sys.stderr)
    planned = spec.plan()[0]
    n_methods, n_runs = len({m for m, _, _ in planned}), len(spec.configs())
    print(f"w2s compare: {len(planned)} students of {n_methods} methods, {n_runs} runs -> {out}", file=sys.stderr)
    rows = spec.run(out, progress=False if a.quiet else None)
    table = method_table(rows)
    save_outputs(rows, table, out, a.preset)
    print(format_table(table))
    return 0
