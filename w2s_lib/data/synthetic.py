"""Offline synthetic tasks, generated from a seed: for tests, smoke runs and classrooms.

``synth_sentiment`` is a toy sentiment task with *graded difficulty*: a review is a few filler words and
an odd number of opinion words, some negated by "not"; the label is the majority polarity after
negation. A model that only counts opinion words (a bag of words) gets roughly three quarters right;
handling negation needs word order, so larger models learn more of it. That gives tiny from-scratch
models a real capacity ladder within seconds on a CPU.

``synth_keyword`` is a near-trivial task (is a "red" word present?) for plumbing tests.
"""

from __future__ import annotations

import random

from w2s_lib.data.spec import TaskSpec, balanced, group_id, item

# Small word lists keep the task learnable from scratch in a few hundred steps.
STRONG_POSITIVE = ("superb", "brilliant", "wonderful")
STRONG_NEGATIVE = ("awful", "horrible", "dreadful")
MILD_POSITIVE = ("good", "nice", "fine")
MILD_NEGATIVE = ("bad", "poor", "dull")
FILLER = ("the", "food", "room", "staff", "was", "very", "and", "but", "so", "it")


def _sentiment_rows(n: int, split: str, seed: int) -> list[dict]:
    rng = random.Random(f"synth_sentiment/{split}/{seed}")
    rows = []
    for _ in range(n):
        positive = rng.random() < 0.5
        if rng.random() < 0.5:  # easy: a strong word says it all
            opinion = rng.choice(STRONG_POSITIVE if positive else STRONG_NEGATIVE)
        else:  # hard: a mild word, negated half of the time ("not good" is negative)
            negated = rng.random() < 0.5
            word = rng.choice(MILD_POSITIVE if positive != negated else MILD_NEGATIVE)
            opinion = f"not {word}" if negated else word
        units = [opinion]
        # fillers go around the opinion, never inside it
        for _ in range(rng.randint(2, 5)):
            units.insert(rng.randint(0, len(units)), rng.choice(FILLER))
        rows.append({"review": " ".join(units), "label": int(positive)})
    return rows


def _sentiment_to_binary(rows: list[dict], rng: random.Random) -> list[dict]:
    return [item(f"Review: {r['review']}\nPositive:", r["label"], group_id(r["review"])) for r in rows]


def _keyword_rows(n: int, split: str, seed: int) -> list[dict]:
    rng = random.Random(f"synth_keyword/{split}/{seed}")
    rows = []
    for _ in range(n):
        words = [rng.choice(FILLER) for _ in range(rng.randint(3, 8))]
        label = rng.random() < 0.5
        if label:
            words.insert(rng.randint(0, len(words)), "red")
        rows.append({"text": " ".join(words), "label": int(label)})
    return rows


def _keyword_to_binary(rows: list[dict], rng: random.Random) -> list[dict]:
    return [item(f"Text: {r['text']}\nRed:", r["label"], group_id(r["text"])) for r in rows]


SYNTHETIC_TASKS: dict[str, TaskSpec] = {
    "synth_sentiment": TaskSpec(
        name="synth_sentiment",
        to_binary=balanced(_sentiment_to_binary),
        generate=_sentiment_rows,
        splits={"train": "train", "test": "test"},
        notes="Generated offline from the seed; majority polarity of opinion words after 'not' negation.",
    ),
    "synth_keyword": TaskSpec(
        name="synth_keyword",
        to_binary=balanced(_keyword_to_binary),
        generate=_keyword_rows,
        splits={"train": "train", "test": "test"},
        notes="Generated offline from the seed; label = whether the word 'red' occurs.",
    ),
}
