"""The paper's NLP tasks (Burns et al. 2023, Table 1 and App. A.1) as binary tasks on Hugging Face Hub data.

Each ``TaskSpec`` names where its rows come from (``hub_id``, ``config``, ``splits``) and how raw rows in
that dataset's own schema become balanced binary items ``{"txt", "hard_label", "group"}``:

- Multiple-choice questions with k answers become (question, answer_i) items, labelled 1 for a correct
  answer; ``balance_choices`` keeps equal numbers of right and wrong answers per question (usually one
  right and one random wrong one).
- Items made from the same question, premise or passage share a ``group`` (``group_id`` of that source
  text), so splitting a dataset in halves keeps them together.
- Every formatter is wrapped in ``balanced`` so the paper's "majority above 55% -> drop majority items to
  50/50" rule always applies.
- Rows without a usable label (``None``, ``-1``, ``""``: the hidden labels of many test splits) or with
  missing text are skipped, never raised on.
- Templates are ours, short, and end with the thing being judged (the candidate answer, or the yes/no
  question about the text) because the model reads the last token.

Formatters are pure given ``rng``: no global randomness, no network, no I/O. The split mapping and every
assumption about a source is in each spec's ``notes``. Where the rows come from follows what each Hub
repository really holds (``docs/hub_sources.md``; tests/support/hub_layouts.py rebuilds each layout):

- main branch in parquet (most tasks): the config name its README lists, no revision;
- a main branch with only a loading script (datasets>=4 refuses those): the dataset viewer's export,
  ``revision=PARQUET_BRANCH``, with no config name (a README-less branch has one config, "default") and
  ``data_dir=<config>`` where several configs share the export (ETHICS).

Tasks whose rows are candidate answers of one question set ``question_key``, so rows are sampled by
whole questions.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

from w2s_lib.data.spec import TaskSpec, balance_choices, balanced, group_id, item

Item = dict
Row = dict

PARQUET_BRANCH = "refs/convert/parquet"


# ---------------------------------------------------------------------------- small helpers


def _text(value: Any) -> str | None:
    """A stripped non-empty string, or None."""
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return None
    s = str(value).strip()
    return s or None


def _seq(value: Any) -> list:
    """A list from a sequence feature (list, tuple or NumPy array); [] when missing."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return []
    try:
        return list(value)
    except TypeError:
        return []


def _label(value: Any) -> int | None:
    """A non-negative integer class label, or None for missing/hidden labels (None, -1, "", NaN, junk).

    Accepts Python and NumPy ints, bools and integral floats (rows that went through pandas), digit
    strings (some sources store labels as strings, e.g. "2" or "1\\n") and "true"/"false".
    """
    if value is None:
        return None
    s = str(value).strip().lower()
    if s in ("true", "false"):
        return int(s == "true")
    if isinstance(value, str):
        return int(s) if s.isdigit() else None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    if f != f or f < 0 or not f.is_integer():
        return None
    return int(f)


def _bool_label(value: Any) -> int | None:
    """A 0/1 label (see ``_label``); None for anything else."""
    lab = _label(value)
    return lab if lab in (0, 1) else None


def _question(q: str) -> str:
    """BoolQ questions are lower-case and lack the question mark."""
    return q if q.endswith("?") else q + "?"


def _choice_list(choices: Any) -> list[tuple[str, str]]:
    """(key, text) pairs from a choices feature.

    The Hub stores ``choices`` as a struct of lists ``{"text": [...], "label": [...]}``; row-oriented
    copies sometimes hold a list of ``{"text", "label"}`` dicts. Both are accepted.
    """
    if isinstance(choices, dict):
        texts = _seq(choices.get("text"))
        keys = _seq(choices.get("label"))
        return [(str(k).strip(), str(t)) for k, t in zip(keys, texts, strict=False)]
    return [(str(c.get("label", "")).strip(), str(c.get("text", ""))) for c in _seq(choices) if isinstance(c, dict)]


def _mc_items(
    prefix: str,
    options: Iterable[tuple[str | None, bool]],
    group: str,
    rng: random.Random,
    suffix: str = "",
) -> list[Item]:
    """Items ``prefix + option + suffix`` for one multiple-choice question, balanced to equal right and
    wrong answers.

    Empty options are dropped, and so is a wrong option whose text repeats a right one (it would be the
    same text with the opposite label).
    """
    seen: dict[str, bool] = {}
    for text, right in options:
        t = _text(text)
        if t is None:
            continue
        seen[t] = seen.get(t, False) or bool(right)
    its = [item(f"{prefix}{t}{suffix}", right, group) for t, right in seen.items()]
    return balance_choices(its, rng)


def _labelled(rows: Iterable[Row]) -> list[Row]:
    """Rows whose ``label`` is a usable 0/1 label."""
    return [r for r in rows if _bool_label(r.get("label")) is not None]


def _grouped(rows: Iterable[Row], key: Callable[[Row], Any]) -> dict[Any, list[Row]]:
    """Rows bucketed by ``key`` in first-seen order (deterministic); rows whose key is None are dropped."""
    out: dict[Any, list[Row]] = {}
    for r in rows:
        k = key(r)
        if k is not None:
            out.setdefault(k, []).append(r)
    return out


def _indexed(answers: Iterable, right: int) -> list[tuple[Any, bool]]:
    """Options from a list of answers of which the ``right``-th (0-based) is correct."""
    return [(a, i == right) for i, a in enumerate(answers)]


def _keyed(choices: Iterable[tuple[str, str]], right: str) -> list[tuple[str, bool]]:
    """Options from (key, text) choices (``_choice_list``) of which the one keyed ``right`` is correct."""
    return [(t, k == right) for k, t in choices]


def _row_label(r: Row) -> int | None:
    """The row's 0/1 ``label`` (see ``_bool_label``)."""
    return _bool_label(r.get("label"))


def _row_items(
    rows: Iterable[Row],
    fields: tuple[str, ...],
    make: Callable[..., tuple[str, str]],
    label: Callable[[Row], int | None] = _row_label,
) -> list[Item]:
    """One item per row, for tasks whose rows are judged one by one (no choices to balance per question).

    Rows missing any text in ``fields`` or without a usable ``label(row)`` are skipped; ``make(*texts)`` gives
    the item's (text, group).
    """
    out: list[Item] = []
    for r in rows:
        texts, lab = [_text(r.get(f)) for f in fields], label(r)
        if None in texts or lab is None:
            continue
        txt, group = make(*texts)
        out.append(item(txt, lab, group))
    return out


# ---------------------------------------------------------------------------- multiple choice (QA)


def mc_taco_question(r: Row) -> tuple[str, str] | None:
    """The question an MC-TACO row (one candidate answer) belongs to: (sentence, question)."""
    s, q = _text(r.get("sentence")), _text(r.get("question"))
    return None if s is None or q is None else (s, q)


def multirc_question(r: Row) -> tuple[str, str] | None:
    """The question a MultiRC row (one candidate answer) belongs to: (paragraph, question)."""
    p, q = _text(r.get("paragraph")), _text(r.get("question"))
    return None if p is None or q is None else (p, q)


def _virtue_parts(r: Row) -> tuple[str | None, str | None] | None:
    """ETHICS virtue's ``scenario`` "sentence [SEP] trait" as (sentence, trait)."""
    s = _text(r.get("scenario"))
    if s is None or "[SEP]" not in s:
        return None
    sent, _, trait = s.partition("[SEP]")
    return _text(sent), _text(trait)


def ethics_virtue_sentence(r: Row) -> str | None:
    """The "question" an ETHICS virtue row (one candidate trait) belongs to: its sentence."""
    parts = _virtue_parts(r)
    return None if parts is None or None in parts else parts[0]


def sciq_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """SciQ: the correct answer and one of three distractors, each as "Question/Answer"."""
    out: list[Item] = []
    for r in rows:
        q = _text(r.get("question"))
        if q is None or _text(r.get("correct_answer")) is None:
            continue
        options = [(r.get("correct_answer"), True)] + [(r.get(f"distractor{i}"), False) for i in (1, 2, 3)]
        out += _mc_items(f"Question: {q}\nAnswer: ", options, group_id("sciq", q), rng)
    return out


def cosmos_qa_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """CosmosQA: context + question + one of answer0..answer3.

    "None of the above" options are dropped (alone they cannot be judged), so questions whose correct
    answer is "None of the above" yield no items. Questions on one context share a group.
    """
    out: list[Item] = []
    for r in rows:
        ctx, q, lab = _text(r.get("context")), _text(r.get("question")), _label(r.get("label"))
        if ctx is None or q is None or lab is None or lab > 3:
            continue
        options = []
        for i in range(4):
            a = _text(r.get(f"answer{i}"))
            if a is not None and "none of the above" not in a.lower():
                options.append((a, i == lab))
        out += _mc_items(f"Context: {ctx}\nQuestion: {q}\nAnswer: ", options, group_id("cosmos_qa", ctx), rng)
    return out


def dream_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """DREAM: dialogue + question + one of three choices; ``answer`` is the text of the right choice."""
    out: list[Item] = []
    for r in rows:
        turns = [t for t in _seq(r.get("dialogue")) if _text(t)]
        q, ans = _text(r.get("question")), _text(r.get("answer"))
        choices = [_text(c) for c in _seq(r.get("choice"))]
        if not turns or q is None or ans is None or ans not in choices:
            continue
        dialogue = "\n".join(str(t).strip() for t in turns)
        key = _text(r.get("dialogue_id")) or dialogue
        out += _mc_items(
            f"Dialogue:\n{dialogue}\nQuestion: {q}\nAnswer: ",
            [(c, c == ans) for c in choices],
            group_id("dream", key),
            rng,
        )
    return out


def hellaswag_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """HellaSwag: context + one of four endings; ``label`` is the index of the right ending as a string.

    Items share a group per ``source_id`` (the video or WikiHow article several contexts come from),
    falling back to the context text.
    """
    out: list[Item] = []
    for r in rows:
        ctx, lab = _text(r.get("ctx")), _label(r.get("label"))
        endings = _seq(r.get("endings"))
        if ctx is None or lab is None or lab >= len(endings):
            continue
        activity = _text(r.get("activity_label"))
        head = f"{activity}: {ctx}" if activity else ctx
        key = _text(r.get("source_id")) or ctx
        out += _mc_items(f"Context: {head}\nEnding: ", _indexed(endings, lab), group_id("hellaswag", key), rng)
    return out


def openbookqa_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """OpenBookQA (main): question stem + one of four choices keyed A-D by ``answerKey``."""
    out: list[Item] = []
    for r in rows:
        q, key = _text(r.get("question_stem")), _text(r.get("answerKey"))
        choices = _choice_list(r.get("choices"))
        if q is None or key is None or key not in {k for k, _ in choices}:
            continue
        out += _mc_items(f"Question: {q}\nAnswer: ", _keyed(choices, key), group_id("openbookqa", q), rng)
    return out


def quail_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """QuAIL: passage + question + one of four answers; ``correct_answer_id`` indexes ``answers``.

    Questions on one passage (``context_id``) share a group.
    """
    out: list[Item] = []
    for r in rows:
        ctx, q, lab = _text(r.get("context")), _text(r.get("question")), _label(r.get("correct_answer_id"))
        answers = _seq(r.get("answers"))
        if ctx is None or q is None or lab is None or lab >= len(answers):
            continue
        group = group_id("quail", _text(r.get("context_id")) or ctx)
        out += _mc_items(f"Context: {ctx}\nQuestion: {q}\nAnswer: ", _indexed(answers, lab), group, rng)
    return out


def piqa_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """PIQA: goal + one of two solutions; ``label`` 0 means sol1, 1 means sol2."""
    out: list[Item] = []
    for r in rows:
        goal, lab = _text(r.get("goal")), _label(r.get("label"))
        if goal is None or lab not in (0, 1):
            continue
        out += _mc_items(
            f"Goal: {goal}\nSolution: ",
            [(r.get("sol1"), lab == 0), (r.get("sol2"), lab == 1)],
            group_id("piqa", goal),
            rng,
        )
    return out


def quartz_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """QuaRTz: background paragraph + question + one of two choices keyed by ``answerKey``.

    Questions on one paragraph (``para_id``) share a group.
    """
    out: list[Item] = []
    for r in rows:
        para, q, key = _text(r.get("para")), _text(r.get("question")), _text(r.get("answerKey"))
        choices = _choice_list(r.get("choices"))
        if para is None or q is None or key is None or key not in {k for k, _ in choices}:
            continue
        group = group_id("quartz", _text(r.get("para_id")) or para)
        out += _mc_items(f"Context: {para}\nQuestion: {q}\nAnswer: ", _keyed(choices, key), group, rng)
    return out


def social_i_qa_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """Social IQa: context + question + one of answerA/B/C; ``label`` is "1", "2" or "3" (1-based)."""
    out: list[Item] = []
    for r in rows:
        ctx, q, lab = _text(r.get("context")), _text(r.get("question")), _label(r.get("label"))
        if ctx is None or q is None or lab not in (1, 2, 3):
            continue
        options = [(r.get(f"answer{c}"), i == lab) for i, c in enumerate("ABC", start=1)]
        out += _mc_items(f"Context: {ctx}\nQuestion: {q}\nAnswer: ", options, group_id("social_i_qa", ctx), rng)
    return out


def _answer_rows(rows: list[Row], rng: random.Random, question: Callable, head: str, source: str) -> list[Item]:
    """Items from rows that each hold one candidate ``answer`` (0/1 ``label``) to a question on a passage:
    ``question(row)`` gives the row's (passage, question), rows are balanced per question, and all questions
    on one passage share a group (MC-TACO, MultiRC)."""
    out: list[Item] = []
    for (passage, q), rs in _grouped(rows, question).items():
        options = [(r.get("answer"), _bool_label(r.get("label")) == 1) for r in _labelled(rs)]
        out += _mc_items(f"{head}: {passage}\nQuestion: {q}\nAnswer: ", options, group_id(source, passage), rng)
    return out


def mc_taco_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """MC-TACO: one row per (sentence, question, candidate answer) with a yes(1)/no(0) plausibility label.

    Rows are gathered per question and balanced there; questions on one sentence share a group.
    """
    return _answer_rows(rows, rng, mc_taco_question, "Context", "mc_taco")


def multirc_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """SuperGLUE MultiRC: one row per (paragraph, question, answer), ``label`` 1 for a true answer.

    A question can have several true answers; rows are balanced per question, and all questions on one
    paragraph share a group.
    """
    return _answer_rows(rows, rng, multirc_question, "Paragraph", "multirc")


# ---------------------------------------------------------------------------- pairs and single texts


def boolq_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """BoolQ: passage + yes/no question, labelled with the boolean ``answer``; questions share a passage."""
    return _row_items(
        rows,
        ("passage", "question"),
        lambda p, q: (f"Passage: {p}\nQuestion: {_question(q)}", group_id("boolq", p)),
        label=lambda r: _bool_label(r.get("answer")),
    )


def _entailment(r: Row) -> int | None:
    """ANLI's label as entailment (1) or not (0); None unless it is 0, 1 or 2."""
    lab = _label(r.get("label"))
    return None if lab not in (0, 1, 2) else int(lab == 0)


def anli_r2_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """ANLI round 2: label 1 for entailment (0); neutral (1) and contradiction (2) both become 0."""
    return _row_items(
        rows,
        ("premise", "hypothesis"),
        lambda p, h: (
            f"Premise: {p}\nHypothesis: {h}\nQuestion: Does the premise entail the hypothesis?",
            group_id("anli", p),
        ),
        label=_entailment,
    )


def paws_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """PAWS: label 1 when sentence2 paraphrases sentence1; pairs built from one sentence1 share a group."""
    return _row_items(
        rows,
        ("sentence1", "sentence2"),
        lambda s1, s2: (
            f"Sentence 1: {s1}\nSentence 2: {s2}\nQuestion: Do the two sentences mean the same thing?",
            group_id("paws", s1),
        ),
    )


def wic_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """SuperGLUE WiC: label 1 when ``word`` has the same sense in both sentences.

    The group is the target word: WiC reuses sentences across pairs for the same word, so grouping by
    word keeps every pair that could share a sentence in the same half.
    """
    return _row_items(
        rows,
        ("word", "sentence1", "sentence2"),
        lambda w, s1, s2: (
            f"Sentence 1: {s1}\nSentence 2: {s2}\n"
            f'Question: Is the word "{w}" used with the same meaning in both sentences?',
            group_id("wic", w.lower()),
        ),
    )


def cola_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """GLUE CoLA: label 1 for an acceptable (grammatical) sentence."""
    return _row_items(
        rows,
        ("sentence",),
        lambda s: (f"Sentence: {s}\nQuestion: Is this sentence grammatically acceptable?", group_id("cola", s)),
    )


def sst2_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """GLUE SST-2: label 1 for positive sentiment."""
    return _row_items(
        rows,
        ("sentence",),
        lambda s: (f"Review: {s}\nQuestion: Is the sentiment of this review positive?", group_id("sst2", s)),
    )


def amazon_polarity_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """Amazon polarity: title + review, label 1 for positive."""
    out: list[Item] = []
    for r in rows:
        title, body, lab = _text(r.get("title")), _text(r.get("content")), _bool_label(r.get("label"))
        if body is None or lab is None:
            continue
        head = f"Title: {title}\n" if title else ""
        txt = f"{head}Review: {body}\nQuestion: Is the sentiment of this review positive?"
        out.append(item(txt, lab, group_id("amazon_polarity", title or "", body)))
    return out


def twitter_sentiment_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """Twitter sentiment: tweet text, label 1 for positive."""
    return _row_items(
        rows,
        ("text",),
        lambda t: (f"Tweet: {t}\nQuestion: Is the sentiment of this tweet positive?", group_id("twitter", t)),
    )


def _hh_prompt(transcript: str) -> str:
    """The conversation before the final assistant turn (shared by a pair's chosen and rejected)."""
    i = transcript.rfind("\n\nAssistant:")
    return transcript[:i] if i >= 0 else transcript


def anthropic_hh_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """HH-RLHF as classification: each transcript with its final assistant reply, 1 if it was chosen.

    A pair gives two items (chosen: 1, rejected: 0) in one group keyed by the conversation before the final
    assistant turn, so several comparisons made on the same conversation also stay together.
    """
    out: list[Item] = []
    for r in rows:
        chosen, rejected = _text(r.get("chosen")), _text(r.get("rejected"))
        if chosen is None or rejected is None or chosen == rejected:
            continue
        g = group_id("anthropic_hh", _hh_prompt(chosen))
        out += balance_choices([item(chosen, 1, g), item(rejected, 0, g)], rng)
    return out


# ---------------------------------------------------------------------------- ETHICS


def _justice_key(scenario: str) -> str:
    """Justice scenarios come in variants of one situation that differ after "because" (desert and
    impartiality items alike); grouping on the text before the last " because " keeps variants together."""
    i = scenario.rfind(" because ")
    return scenario[:i] if i > 0 else scenario


def ethics_justice_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """ETHICS justice: label 1 when the stated claim is reasonable (just)."""
    return _row_items(
        rows,
        ("scenario",),
        lambda s: (f"Statement: {s}\nQuestion: Is this reasonable?", group_id("ethics_justice", _justice_key(s))),
    )


def ethics_deontology_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """ETHICS deontology: a request or role (``scenario``) and an exemption or duty (``excuse``);
    label 1 when the excuse is reasonable. All excuses for one scenario share a group."""
    return _row_items(
        rows,
        ("scenario", "excuse"),
        lambda s, e: (
            f"Scenario: {s}\nResponse: {e}\nQuestion: Is this response reasonable?",
            group_id("ethics_deontology", s),
        ),
    )


def ethics_virtue_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """ETHICS virtue: ``scenario`` is "sentence [SEP] trait", label 1 when the trait fits.

    Each sentence is paired with several traits (usually one fitting), so rows are gathered per sentence
    like a multiple-choice question and balanced to one fitting and one random non-fitting trait.
    """
    out: list[Item] = []
    for sent, rs in _grouped(rows, ethics_virtue_sentence).items():
        options = [(_virtue_parts(r)[1], _bool_label(r.get("label")) == 1) for r in _labelled(rs)]
        out += _mc_items(
            f"Scenario: {sent}\nTrait: ",
            options,
            group_id("ethics_virtue", sent),
            rng,
            suffix="\nQuestion: Does the person in the scenario show this trait?",
        )
    return out


def ethics_utilitarianism_to_binary(rows: list[Row], rng: random.Random) -> list[Item]:
    """ETHICS utilitarianism: each row is a pair where ``baseline`` is more pleasant than ``less_pleasant``.

    Binary formulation: the two scenarios in random order (drawn from ``rng``), labelled 1 when the first
    one shown is the more pleasant. One item per pair; pairs sharing a baseline share a group.
    """
    out: list[Item] = []
    for r in rows:
        better, worse = _text(r.get("baseline")), _text(r.get("less_pleasant"))
        if better is None or worse is None or better == worse:
            continue
        first_is_better = rng.random() < 0.5
        a, b = (better, worse) if first_is_better else (worse, better)
        txt = f"Scenario A: {a}\nScenario B: {b}\nQuestion: Is scenario A more pleasant than scenario B?"
        out.append(item(txt, first_is_better, group_id("ethics_utilitarianism", better)))
    return out


# ---------------------------------------------------------------------------- the registry

_VAL_AS_TEST = "test labels are hidden (-1 / empty), so the labelled validation split is our test"
_SCRIPT = (
    "the Hub repo's main branch holds only a loading script, which datasets>=4 refuses to run: we read the "
    f"dataset viewer's parquet export (revision '{PARQUET_BRANCH}'). The export has no README, so datasets sees "
    "one config, 'default', whatever the script called it: no config name is passed. The export is made from "
    "the script's output, with its split names and columns, and is refreshed only when the repo changes"
)
_SUPER_GLUE = (
    "Parquet on main, one folder per config listed in the README's configs: block (super_glue.py is gone), "
    "so the config name selects it, with no revision (the export would hold the same data, but as 'default' only)."
)
_MAIN = "Parquet on main with a README configs: block (converted from a loading script, which is gone)"


_ETHICS_NOTES = (
    "hendrycks/ethics has CSVs under data/<subset>/ plus a loading script (ethics.py) on main: " + _SCRIPT + ". "
    "Its five subsets share the export as folders <subset>/<split>/, so data_dir=<subset> picks one (without it, "
    "datasets merges all five and fails on their different columns). In the script "
    "train=train.csv, validation=test.csv (the normal test set) and test=test_hard.csv (the adversarially "
    "filtered set); we use train and validation (= the normal ETHICS test set) as our train/test. "
)


def _hub_spec(
    name: str, fmt, hub_id: str, revision: str | None, folder: str | None, splits: tuple[str, str]
) -> TaskSpec:
    """A row of ``_SOURCES`` as a spec: its formatter wrapped in ``balanced`` (the 55% rule), notes from ``_NOTES``.

    On main (no revision) ``folder`` is the config name the README lists; the viewer's export has one config, so
    there ``folder`` is the data_dir that picks one of the script's configs (ETHICS) and no config name is passed.
    """
    exported = revision is not None
    return TaskSpec(
        name=name,
        to_binary=balanced(fmt),
        hub_id=hub_id,
        config=None if exported else folder,
        revision=revision,
        splits={"train": splits[0], "test": splits[1]},
        notes=_NOTES[name],
        data_dir=folder if exported else None,
        question_key=_QUESTION_KEYS.get(name),
    )


def _ethics(subset: str, fmt) -> tuple:
    """The ETHICS subsets share one export, as folders: ``subset`` is the data_dir that picks one."""
    return (f"ethics_{subset}", fmt, "hendrycks/ethics", PARQUET_BRANCH, subset, _VAL)


# The dataset's splits that serve as our (train, test): its test split, or validation where test labels are hidden
# or there is no test split.
_TEST = ("train", "test")
_VAL = ("train", "validation")

# Where each task's rows come from, in the registry's order:
# (name, formatter, Hub id, revision, folder: config on main / data_dir in the export, our (train, test) splits)
_SOURCES = [
    ("sciq", sciq_to_binary, "allenai/sciq", None, None, _TEST),
    ("boolq", boolq_to_binary, "google/boolq", None, None, _VAL),
    ("cosmos_qa", cosmos_qa_to_binary, "allenai/cosmos_qa", PARQUET_BRANCH, None, _VAL),
    ("amazon_polarity", amazon_polarity_to_binary, "fancyzhx/amazon_polarity", None, "amazon_polarity", _TEST),
    ("anthropic_hh", anthropic_hh_to_binary, "Anthropic/hh-rlhf", None, None, _TEST),
    ("dream", dream_to_binary, "dataset-org/dream", PARQUET_BRANCH, None, _TEST),
    _ethics("justice", ethics_justice_to_binary),
    _ethics("deontology", ethics_deontology_to_binary),
    _ethics("virtue", ethics_virtue_to_binary),
    _ethics("utilitarianism", ethics_utilitarianism_to_binary),
    ("anli_r2", anli_r2_to_binary, "facebook/anli", None, "plain_text", ("train_r2", "test_r2")),
    ("cola", cola_to_binary, "nyu-mll/glue", None, "cola", _VAL),
    ("sst2", sst2_to_binary, "stanfordnlp/sst2", None, None, _VAL),
    ("hellaswag", hellaswag_to_binary, "Rowan/hellaswag", None, None, _VAL),
    ("mc_taco", mc_taco_to_binary, "CogComp/mc_taco", PARQUET_BRANCH, None, ("test", "validation")),
    ("openbookqa", openbookqa_to_binary, "allenai/openbookqa", None, "main", _TEST),
    ("paws", paws_to_binary, "google-research-datasets/paws", None, "labeled_final", _TEST),
    ("quail", quail_to_binary, "textmachinelab/quail", None, "quail", _VAL),
    ("piqa", piqa_to_binary, "ybisk/piqa", PARQUET_BRANCH, None, _VAL),
    ("quartz", quartz_to_binary, "allenai/quartz", None, None, _TEST),
    ("social_i_qa", social_i_qa_to_binary, "allenai/social_i_qa", PARQUET_BRANCH, None, _VAL),
    ("multirc", multirc_to_binary, "aps/super_glue", None, "multirc", _VAL),
    ("wic", wic_to_binary, "aps/super_glue", None, "wic", _VAL),
    ("twitter_sentiment", twitter_sentiment_to_binary, "EleutherAI/twitter-sentiment", None, None, _TEST),
]

# Tasks whose rows are the candidate answers of a question: rows are sampled by whole questions.
_QUESTION_KEYS = {
    "ethics_virtue": ethics_virtue_sentence,
    "mc_taco": mc_taco_question,
    "multirc": multirc_question,
}

# What we assumed about each source: its layout, columns, which split serves as test, groups.
_NOTES = {
    "sciq": "Parquet (default config); all three splits are labelled, the 1k-row test split is our test. "
    "Columns question, distractor1-3, correct_answer, support (unused). Items: correct answer + one "
    "random distractor per question.",
    "boolq": "Parquet (default config); there is no test split, so validation is our test. Columns question, "
    "answer (bool), passage. Group = passage (several questions share one).",
    "cosmos_qa": "cosmos_qa.py only on main: " + _SCRIPT + ". Columns id, context, question, answer0-3, label "
    "(int, test rows -1). " + _VAL_AS_TEST + ". "
    "'None of the above' options are dropped, so questions whose answer it is yield no items.",
    "amazon_polarity": "Parquet (config amazon_polarity; moved from 'amazon_polarity' to fancyzhx/). Columns label "
    "(0 negative, 1 positive), title, content; train 3.6M, test 400k, both labelled. Not one of the "
    "paper's 22; kept because the reference code has it.",
    "anthropic_hh": "JSONL (default config = harmless-base + helpful-* tranches; red-team-attempts excluded). Columns "
    "chosen, rejected: full transcripts ('\\n\\nHuman: ... \\n\\nAssistant: ...'). Classification "
    "proxy as in the reference code: each transcript is an item, 1 if chosen; the pair shares a "
    "group keyed by the conversation before the final assistant turn. Not one of the paper's 22.",
    "dream": "dream.py only on main: "
    + _SCRIPT
    + " (its one folder is plain_text/). Columns id, dialogue_id, dialogue "
    "(list of turns), question, choice (3 strings), answer (text of the right choice); all splits "
    "labelled, test is our test. Group = dialogue_id.",
    "ethics_justice": _ETHICS_NOTES + "Columns label (1 reasonable), scenario. Group = scenario text before its last "
    "' because ', so variants of one situation stay together.",
    "ethics_deontology": _ETHICS_NOTES
    + "Columns label (1 reasonable excuse/duty), scenario, excuse. Group = scenario.",
    "ethics_virtue": _ETHICS_NOTES + "Columns label (1 trait fits), scenario ('sentence [SEP] trait'). Each sentence "
    "is treated as a multiple-choice question over its traits: one fitting + one random other trait.",
    "ethics_utilitarianism": _ETHICS_NOTES
    + "Columns baseline, less_pleasant (no label: baseline is always the more pleasant). "
    "Our binary task: both scenarios in rng-random order, 1 if scenario A is the more pleasant.",
    "anli_r2": "Parquet (config plain_text; splits train_r1..r3, dev_r1..r3, test_r1..r3, all labelled). "
    "Columns uid, premise, hypothesis, label (0 entailment, 1 neutral, 2 contradiction), reason. "
    "1 = entailment; neutral is grouped with contradiction as 0 (paper). Our own template, not "
    "FLAN's. Group = premise.",
    "cola": "Parquet (config cola). Columns sentence, label (0 unacceptable, 1 acceptable), idx. " + _VAL_AS_TEST + ".",
    "sst2": "Parquet (default config; the same data as glue/sst2). Columns idx, sentence, label "
    "(0 negative, 1 positive). " + _VAL_AS_TEST + ".",
    "hellaswag": _MAIN + " (data/<split>-*.parquet, config default). Columns ind, "
    "activity_label, ctx_a, ctx_b, ctx, endings (4), source_id, split, split_type, label (string "
    "'0'-'3', '' on test). " + _VAL_AS_TEST + ". Group = source_id.",
    "mc_taco": "mc_taco.py only on main: " + _SCRIPT + " (its one folder is plain_text/). There is no train split: the "
    "larger labelled test split (9,442 rows) is our train and validation (3,783 rows) our test. "
    "Columns sentence, question, answer, label (0 no, 1 yes), category. Rows are sampled by whole "
    "questions and balanced per question; group = sentence.",
    "openbookqa": "Parquet (config main). Columns id, question_stem, choices {text, label A-D}, answerKey; all "
    "splits labelled, test is our test. The open-book fact (config 'additional') is not used.",
    "paws": "Parquet (config labeled_final). Columns id, sentence1, sentence2, label (1 paraphrase); all "
    "splits labelled, test is our test. Group = sentence1.",
    "quail": "Parquet (config quail; splits train, validation, challenge). Columns id, context_id, "
    "question_id, domain, metadata, context, question, question_type, answers (4), "
    "correct_answer_id. Validation is our test (challenge is a 556-row out-of-domain set). "
    "Group = context_id.",
    "piqa": "piqa.py only on main: " + _SCRIPT + " (its one folder is plain_text/; baber/piqa, what "
    "lm-evaluation-harness now reads, is a parquet copy). Columns goal, sol1, sol2, label "
    "(0 = sol1, 1 = sol2; -1 on test). " + _VAL_AS_TEST + ".",
    "quartz": _MAIN + " (config default). Columns id, question, "
    "choices {text, label A/B}, answerKey, para, para_id, para_anno, question_anno; all splits "
    "labelled, test is our test. Group = para_id.",
    "social_i_qa": "social_i_qa.py only on main: " + _SCRIPT + " (its one folder is default/; lighteval/siqa, what "
    "lm-evaluation-harness now reads, is an identical parquet copy). Splits train, validation "
    "(no test). Columns context, question, answerA-C, label (string '1'-'3', 1-based). Validation "
    "is our test. Group = context.",
    "multirc": _SUPER_GLUE + " Columns paragraph, question, answer, "
    "idx {paragraph, question, answer}, label (0 False, 1 True; -1 on test). " + _VAL_AS_TEST + ". "
    "Rows are sampled by whole questions and balanced per question; group = paragraph.",
    "wic": _SUPER_GLUE + " Columns word, sentence1, sentence2, "
    "start1, start2, end1, end2, idx, label (0 False, 1 True; -1 on test). " + _VAL_AS_TEST + ". "
    "Group = target word.",
    "twitter_sentiment": "Default config, splits train (~1.57M) and test (10k). Columns text, label (1 positive, "
    "0 negative): taken from public code that loads it, the card itself was not retrieved.",
}

HUB_TASKS: dict[str, TaskSpec] = {row[0]: _hub_spec(*row) for row in _SOURCES}
