"""A second sandbox task with real human labels: is a word positive or negative, as 10 raters judged it?

``vaderSentiment`` (MIT, a PyPI wheel) ships ``vader_lexicon.txt``: 7,519 tokens, each with its mean
sentiment, the standard deviation and the ten raters' scores (-4 .. +4). We keep the alphabetic words
whose mean is clearly positive or negative (|mean| >= ``MIN_MEAN``) and put each in a neutral sentence that
only quotes it, so the label is knowledge of what the word means. The design is the animal sandbox's
(``w2s_lib.data.sandbox``): per seed, each label's words split into a weak vocabulary (the only words of
half A, where supervisors train from scratch), a student-only one (half B's other half) and a novel one
(test only); the test set holds a third of each.

Every item keeps ``rating_mean``, ``rating_std`` and ``agreement`` (the share of raters on the majority
side of 0), a natural difficulty for easy-to-hard analyses (paper App. C): a word most raters agree on is
easy.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path

PACKAGE, VERSION = "vaderSentiment", "3.3.2"
LEXICON = "vaderSentiment/vader_lexicon.txt"
MIN_MEAN = 1.0  # |mean rating| at least this: a clear sentiment (the scale is -4 .. +4)
TEMPLATES = [
    "The next word on the list is '{}'.",
    "She wrote the word '{}' in her notebook.",
    "He looked up '{}' in the dictionary.",
    "The word '{}' was printed on the card.",
    "Our spelling test included '{}'.",
    "The crossword answer was '{}'.",
    "I heard someone say '{}' on the radio.",
    "The teacher wrote '{}' on the board.",
    "Please translate the word '{}'.",
    "The label on the box read '{}'.",
    "Word of the day: '{}'.",
    "The subtitle showed the word '{}'.",
]
VOCAB_SPLIT = (0.4, 0.3, 0.3)  # weak, student-only, novel


def lexicon_path() -> Path:
    """The lexicon file of the installed ``vaderSentiment`` wheel (found through its metadata, not imported)."""
    import importlib.metadata as md

    try:
        dist = md.distribution(PACKAGE)
    except md.PackageNotFoundError:
        raise ValueError(
            f"task sandbox_vader needs the VADER lexicon: pip install --no-deps {PACKAGE}=={VERSION}"
        ) from None
    return Path(dist.locate_file(LEXICON))


def parse_lexicon(text: str) -> list[dict]:
    """Rows ``{word, mean, std, ratings}`` of the alphabetic words with a clear sentiment."""
    rows = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or not parts[0].isalpha() or not parts[0].islower():
            continue  # emoticons, abbreviations with symbols
        mean, std = float(parts[1]), float(parts[2])
        ratings = [int(x) for x in parts[3].strip("[] ").split(",")]
        if abs(mean) >= MIN_MEAN:
            rows.append({"word": parts[0], "mean": mean, "std": std, "ratings": ratings})
    return rows


@functools.lru_cache(maxsize=4)
def _words(path: str) -> tuple[dict, ...]:
    return tuple(parse_lexicon(Path(path).read_text(encoding="utf-8")))


def vocabularies(words, seed: int) -> dict[str, dict[int, list[dict]]]:
    """Per vocabulary ("weak", "student", "novel"), the words of each label (1 = positive), for a seed."""
    rng = random.Random(f"vader-vocab/{seed}")
    out: dict[str, dict[int, list[dict]]] = {"weak": {}, "student": {}, "novel": {}}
    for label in (0, 1):
        part = sorted((w for w in words if (w["mean"] > 0) == bool(label)), key=lambda w: w["word"])
        rng.shuffle(part)
        a = int(VOCAB_SPLIT[0] * len(part))
        b = a + int(VOCAB_SPLIT[1] * len(part))
        out["weak"][label], out["student"][label], out["novel"][label] = part[:a], part[a:b], part[b:]
    return out


def _sentences(n: int, vocab: dict[int, list[dict]], rng: random.Random, source: str) -> list[dict]:
    rows = []
    for i in range(n):
        label = i % 2  # exactly balanced
        w = rng.choice(vocab[label])
        side = sum((r > 0) == (w["mean"] > 0) for r in w["ratings"] if r != 0)
        rows.append(
            {
                "sentence": rng.choice(TEMPLATES).format(w["word"]),
                "word": w["word"],
                "label": label,
                "source": source,
                "rating_mean": w["mean"],
                "rating_std": w["std"],
                "agreement": side / len(w["ratings"]),
            }
        )
    rng.shuffle(rows)
    return rows


def vader_rows(n: int, split: str, seed: int, path: str | None = None) -> list[dict]:
    """Raw rows, laid out as the animal sandbox's: half A the weak vocabulary, half B half weak and half
    student-only words, the test set a third each of weak, student-only and novel words."""
    from w2s_lib.data.sandbox import vocabulary_rows

    voc = vocabularies(_words(str(path or lexicon_path())), seed)
    return vocabulary_rows(n, split, voc, random.Random(f"vader-rows/{split}/{seed}"), _sentences)


KEEP = ("half", "source", "word", "rating_mean", "rating_std", "agreement")


def _to_binary(rows: list[dict], rng: random.Random) -> list[dict]:
    from w2s_lib.data.spec import group_id, item

    return [
        {**item(r["sentence"], r["label"], group_id(r["sentence"])), **{k: r[k] for k in KEEP if k in r}} for r in rows
    ]


def _spec():
    from w2s_lib.data.spec import TaskSpec, balanced

    return TaskSpec(
        name="sandbox_vader",
        to_binary=balanced(_to_binary),
        generate=vader_rows,
        splits={"train": "train", "test": "test"},
        notes=f"Words of the VADER lexicon ({PACKAGE}=={VERSION}, MIT) with |mean rating| >= {MIN_MEAN}, quoted in "
        "neutral sentences; label 1 = positive. Vocabularies split as in sandbox_animals (w2s_lib/data/vader.py).",
    )


VADER_TASKS = {"sandbox_vader": _spec()}
