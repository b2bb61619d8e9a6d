"""Pairwise preference tasks: the reward-modelling setting (paper §4.2, App. A.3) on open data.

The paper's reward-modelling data are proprietary ChatGPT comparisons; we use open ones of the same shape:
a prompt, two completions and which one a person preferred. An item is a comparison::

    {"txt": (prompt + completion_1, prompt + completion_2), "hard_label": 1 if completion 2 is preferred,
     "group": id of the prompt, "prompt": prompt}

The two completions come in random order, so the labels are balanced. Every comparison made on one prompt
shares a group, so the halves and the test set are split by prompt. A reward model scores each text with
one logit, r, and P(completion 2 preferred) = sigmoid(r_2 - r_1) (``models.Classifier(pairwise=True)``).
"""

from __future__ import annotations

import random

from w2s_lib.data.spec import Item, TaskSpec, balanced, group_id

ASSISTANT = "\n\nAssistant:"


def comparison(prompt: str, chosen: str, rejected: str, group: str, rng: random.Random) -> Item:
    """One comparison item with the completions in random order (label 1: the second was preferred)."""
    second_chosen = rng.random() < 0.5
    first, second = (rejected, chosen) if second_chosen else (chosen, rejected)
    return {
        "txt": (prompt + first, prompt + second),
        "hard_label": int(second_chosen),
        "group": group,
        "prompt": prompt,
    }


def split_hh(chosen: str, rejected: str) -> tuple[str, str, str] | None:
    """(prompt, chosen completion, rejected completion) of an hh-rlhf pair, or None if it has no shared
    conversation before the final assistant turn (or the two replies are the same)."""
    cut = chosen.rfind(ASSISTANT)
    if cut < 0:
        return None
    prompt = chosen[: cut + len(ASSISTANT)]
    if not rejected.startswith(prompt):
        return None
    c, r = chosen[len(prompt) :], rejected[len(prompt) :]
    return None if c == r or not c.strip() or not r.strip() else (prompt, c, r)


def _hh_to_pairs(task: str):
    def to_pairs(rows: list[dict], rng: random.Random) -> list[Item]:
        out = []
        for row in rows:
            parts = split_hh(row.get("chosen") or "", row.get("rejected") or "")
            if parts is not None:
                out.append(comparison(*parts, group_id(task, parts[0]), rng))
        return out

    to_pairs.__name__ = f"{task}_to_pairs"
    return to_pairs


# ---------------------------------------------------------------------------- offline synthetic task

ADJECTIVES = ("new", "old", "big", "small", "local", "famous", "quiet", "busy", "cheap", "fancy")
NOUNS = ("room", "meal", "trip", "film", "book", "show", "class", "game", "park", "song")
PLACES = ("city", "hotel", "school", "museum", "beach", "cafe", "club", "garden", "market", "studio")
GOOD = ("great", "lovely", "superb", "fun")
BAD = ("awful", "boring", "dull", "poor")


def _pref_rows(n: int, split: str, seed: int) -> list[dict]:
    """A person asks about a thing; the preferred reply is the favourable one. Half of the replies say it
    with a negation ("not boring" is favourable, "not great" is not), which needs word order."""
    rng = random.Random(f"synth_prefs/{split}/{seed}")

    def reply(favourable: bool) -> str:
        if rng.random() < 0.5:
            return f" It was {rng.choice(GOOD if favourable else BAD)}."
        return f" It was not {rng.choice(BAD if favourable else GOOD)}."

    rows = []
    for _ in range(n):
        prompt = f"Human: How was the {rng.choice(ADJECTIVES)} {rng.choice(PLACES)} {rng.choice(NOUNS)}?{ASSISTANT}"
        rows.append({"prompt": prompt, "chosen": reply(True), "rejected": reply(False)})
    return rows


def _synth_to_pairs(rows: list[dict], rng: random.Random) -> list[Item]:
    return [
        comparison(r["prompt"], r["chosen"], r["rejected"], group_id("synth_prefs", r["prompt"]), rng) for r in rows
    ]


HH = "Anthropic/hh-rlhf"
# Rows (comparisons) per split of the two subsets we use, as the Hub's dataset viewer shows them for
# mirrors of these files (rounded there to 43.8k / 2.35k train / test for helpful-base, 46.2k in all; 44.8k in
# all for harmless-base); the exact counts below are the commonly cited ones and agree with those roundings,
# but we could not count the files here (no Hub access). A few rows make no comparison (``split_hh``) and
# balancing drops a few more, so expect slightly fewer items. The paper preset reads every training
# comparison (``n_train: 0``): about 0.45 x 43.8k / 220 = 90 optimizer steps per run at 1 epoch, batch 220.
HH_SPLIT_ROWS = {
    "helpful-base": {"train": 43_835, "test": 2_354},
    "harmless-base": {"train": 42_537, "test": 2_312},
}
HH_NOTES = (
    "JSONL under {dir}/; columns chosen, rejected: full transcripts ('\\n\\nHuman: ... \\n\\nAssistant: "
    "...'). Prompt = the conversation up to the final '\\n\\nAssistant:', completions = the two final "
    "replies; pairs whose transcripts differ before it are dropped. Stands in for the paper's private "
    "ChatGPT reward-modelling data."
)

PREFERENCE_TASKS: dict[str, TaskSpec] = {
    "hh_rlhf_helpful": TaskSpec(
        "hh_rlhf_helpful",
        balanced(_hh_to_pairs("hh_rlhf_helpful")),
        HH,
        data_dir="helpful-base",
        splits={"train": "train", "test": "test"},
        pairwise=True,
        split_rows=HH_SPLIT_ROWS["helpful-base"],
        notes=HH_NOTES.format(dir="helpful-base"),
    ),
    "hh_rlhf_harmless": TaskSpec(
        "hh_rlhf_harmless",
        balanced(_hh_to_pairs("hh_rlhf_harmless")),
        HH,
        data_dir="harmless-base",
        splits={"train": "train", "test": "test"},
        pairwise=True,
        split_rows=HH_SPLIT_ROWS["harmless-base"],
        notes=HH_NOTES.format(dir="harmless-base"),
    ),
    "synth_prefs": TaskSpec(
        "synth_prefs",
        balanced(_synth_to_pairs),
        generate=_pref_rows,
        splits={"train": "train", "test": "test"},
        pairwise=True,
        notes="Generated offline from the seed; 1,000 prompts; the favourable reply is "
        "preferred, half of the replies negated.",
    ),
}
