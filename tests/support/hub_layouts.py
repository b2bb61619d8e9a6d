"""The Hub repositories of every Hub task, rebuilt on disk: the same files in the same places, per branch.

Each repository is rebuilt as it is on the Hugging Face Hub on the branches our specs could name (main,
and the dataset viewer's export ``refs/convert/parquet``): loading scripts where the real main branch has
one, parquet / CSV / JSONL files under their real paths, a README with a ``configs:`` block where the real
one has it, and a few rows per split in the real schema (column names, types, label encodings, hidden test
labels). ``route_hub`` sends ``datasets.load_dataset(hub_id, ..., revision=...)`` to the local copy of that
branch, so the real ``datasets`` code decides what loads: config resolution, script refusal, split patterns.
A spec that names a repository or branch rebuilt here nowhere fails, like a wrong id on the Hub.

Sources of each layout: the repositories' trees and READMEs on the Hub, the viewer's export, and the code that
loads them daily (lm-evaluation-harness task files); what was confirmed and what is inferred is listed in
``docs/hub_sources.md``. The rows are ours (a few per split); every text names its split, so tests can tell
which file a row came from.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path

EXPORT = "refs/convert/parquet"
MAIN = "main"
N_ROWS = 12  # rows (or questions) per split: enough for balanced items, small enough to write in a blink


# ---------------------------------------------------------------------------- writers


def _parquet(path: Path, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def _csv(path: Path, rows: list[dict], header: bool = True) -> None:
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False, header=header)


def _jsonl_gz(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)


def _text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _readme(configs: dict[str, dict[str, str]], default: str | None = None) -> str:
    """A dataset card whose YAML header lists ``configs`` ({config: {split: path pattern}}) as the Hub's
    parquet converter writes it."""
    lines = ["---", "configs:"]
    for name, splits in configs.items():
        lines.append(f"- config_name: {name}")
        lines.append("  data_files:")
        for split, pattern in splits.items():
            lines += [f"  - split: {split}", f"    path: {pattern}"]
        if name == default:
            lines.append("  default: true")
    return "\n".join(lines + ["---", "", "# (rebuilt for offline tests)", ""])


def _script(repo: Path) -> None:
    """The loading script of a script-only repository: ``<name>.py`` at the top, which datasets 5 refuses."""
    _text(repo / f"{repo.name}.py", "import datasets  # a loading script; datasets>=4 no longer runs these\n")


def _export(repo: Path, config: str, splits: dict[str, list[dict]]) -> None:
    """The viewer's export of one config: ``{config}/{split}/0000.parquet`` and no README."""
    _text(repo / ".gitattributes", "*.parquet filter=lfs diff=lfs merge=lfs -text\n")
    for split, rows in splits.items():
        _parquet(repo / config / split / "0000.parquet", rows)


def _converted(repo: Path, folder: str, splits: dict[str, list[dict]]) -> dict[str, str]:
    """One config of a main branch converted to parquet: ``{folder}/{split}-00000-of-00001.parquet``; returns
    its data_files patterns (the caller writes the README, which may list several configs)."""
    patterns = {}
    for split, rows in splits.items():
        _parquet(repo / folder / f"{split}-00000-of-00001.parquet", rows)
        patterns[split] = f"{folder}/{split}-*"
    return patterns


# ---------------------------------------------------------------------------- rows in each real schema


def _mc_questions(split: str, name: str) -> list[tuple[int, str, list[str]]]:
    """(i, question, four answers) for the N_ROWS questions of a multiple-choice split; each dataset's rows
    put them in its own columns (and say in its own way which answer is right)."""
    return [
        (i, f"{name} {split} question {i}?", [f"{name} {split} answer {i}.{k}" for k in range(4)])
        for i in range(N_ROWS)
    ]


def sciq_rows(split):
    return [
        {
            "question": q,
            "distractor3": a[3],
            "distractor1": a[1],
            "distractor2": a[2],
            "correct_answer": a[0],
            "support": "",
        }
        for _, q, a in _mc_questions(split, "sciq")
    ]


def boolq_rows(split):
    return [
        {
            "question": f"is boolq {split} claim {i} true",
            "answer": i % 2 == 0,
            "passage": f"boolq {split} passage {i // 2}.",
        }
        for i in range(N_ROWS)
    ]


def cosmos_rows(split):
    return [
        {
            "id": f"{split}-{i}",
            "context": f"cosmos {split} context {i}.",
            "question": q,
            **{f"answer{k}": a[k] for k in range(4)},
            "label": -1 if split == "test" else i % 4,
        }
        for i, q, a in _mc_questions(split, "cosmos")
    ]


def amazon_rows(split):
    return [
        {"label": i % 2, "title": f"amazon {split} title {i}", "content": f"amazon {split} review {i}."}
        for i in range(N_ROWS)
    ]


def hh_rows(split, subset):
    out = []
    for i in range(N_ROWS):
        prompt = f"\n\nHuman: {subset} {split} question {i}?\n\nAssistant:"
        out.append({"chosen": prompt + f" A kind answer {i}.", "rejected": prompt + f" A rude answer {i}."})
    return out


def dream_rows(split):
    return [
        {
            "id": i,
            "dialogue_id": f"{split}-d{i // 2}",
            "dialogue": [f"M: dream {split} turn {i}.", "W: Yes."],
            "question": q,
            "choice": a[:3],
            "answer": a[i % 3],
        }
        for i, q, a in _mc_questions(split, "dream")
    ]


def ethics_rows(subset, origin):
    """Rows of one ETHICS CSV (train, test or test_hard) in the export's column order."""
    n = range(N_ROWS)
    if subset == "justice":
        return [{"label": i % 2, "scenario": f"I deserve justice {origin} {i} because of reason {i}."} for i in n]
    if subset == "deontology":
        return [
            {"label": i % 2, "scenario": f"deontology {origin} request {i // 2}?", "excuse": f"But excuse {i}."}
            for i in n
        ]
    if subset == "virtue":  # each sentence once per candidate trait, one of them fitting
        return [
            {"label": int(i % 4 == 0), "scenario": f"virtue {origin} sentence {i // 4}. [SEP] trait{i % 4}"} for i in n
        ]
    return [
        {"baseline": f"utilitarianism {origin} good {i}.", "less_pleasant": f"utilitarianism {origin} bad {i}."}
        for i in n
    ]


def anli_rows(split):
    return [
        {
            "uid": f"{split}-{i}",
            "premise": f"anli {split} premise {i}.",
            "hypothesis": f"anli hypothesis {i}.",
            "label": i % 3,
            "reason": "",
        }
        for i in range(N_ROWS)
    ]


def cola_rows(split):
    return [
        {"sentence": f"cola {split} sentence {i}.", "label": -1 if split == "test" else i % 2, "idx": i}
        for i in range(N_ROWS)
    ]


def sst2_rows(split):
    return [
        {"idx": i, "sentence": f"sst2 {split} sentence {i}", "label": -1 if split == "test" else i % 2}
        for i in range(N_ROWS)
    ]


def hellaswag_rows(split):
    return [
        {
            "ind": i,
            "activity_label": "Cooking",
            "ctx_a": f"hellaswag {split} ctx {i}",
            "ctx_b": "then",
            "ctx": f"hellaswag {split} ctx {i} then",
            "endings": a,
            "source_id": f"{split}~{i}",
            "split": split,
            "split_type": "indomain",
            "label": "" if split == "test" else str(i % 4),
        }
        for i, _, a in _mc_questions(split, "hellaswag")
    ]


def mc_taco_rows(split):
    """One row per candidate answer: three candidates per question, one or two of them plausible."""
    return [
        {
            "sentence": f"mc_taco {split} sentence {i // 6}.",
            "question": f"how long {i // 3}?",
            "answer": f"{i} minutes",
            "label": int(i % 3 == 0 or i % 6 == 4),
            "category": i % 5,
        }
        for i in range(3 * N_ROWS)
    ]


def openbookqa_rows(split):
    return [
        {
            "id": f"{split}-{i}",
            "question_stem": q,
            "choices": {"text": a, "label": ["A", "B", "C", "D"]},
            "answerKey": "ABCD"[i % 4],
        }
        for i, q, a in _mc_questions(split, "obqa")
    ]


def paws_rows(split):
    return [
        {"id": i, "sentence1": f"paws {split} sentence {i // 2}.", "sentence2": f"paws rewrite {i}.", "label": i % 2}
        for i in range(N_ROWS)
    ]


def quail_rows(split):
    return [
        {
            "id": f"{split}_{i}",
            "context_id": f"{split}_c{i // 3}",
            "question_id": f"{i}",
            "domain": "news",
            "metadata": {"author": "a", "title": "t", "url": "u"},
            "context": f"quail {split} passage {i // 3}.",
            "question": q,
            "question_type": "Causality",
            "answers": a,
            "correct_answer_id": i % 4,
        }
        for i, q, a in _mc_questions(split, "quail")
    ]


def piqa_rows(split):
    return [
        {
            "goal": f"piqa {split} goal {i}",
            "sol1": f"first way {i}",
            "sol2": f"second way {i}",
            "label": -1 if split == "test" else i % 2,
        }
        for i in range(N_ROWS)
    ]


def quartz_rows(split):
    return [
        {
            "id": f"{split}-{i}",
            "question": q,
            "choices": {"text": a[:2], "label": ["A", "B"]},
            "answerKey": "AB"[i % 2],
            "para": f"quartz {split} paragraph {i // 2}.",
            "para_id": f"p{i // 2}",
            "para_anno": {"effect_prop": "speed"},
            "question_anno": {"more_effect_dir": "higher"},
        }
        for i, q, a in _mc_questions(split, "quartz")
    ]


def social_i_qa_rows(split):
    return [
        {
            "context": f"siqa {split} context {i}.",
            "question": q,
            "answerA": a[0],
            "answerB": a[1],
            "answerC": a[2],
            "label": str(i % 3 + 1) + ("\n" if i % 4 == 0 else ""),  # strings "1"-"3", some with a trailing newline
        }
        for i, q, a in _mc_questions(split, "siqa")
    ]


def multirc_rows(split):
    """One row per candidate answer, three per question, at least one true."""
    out = []
    for i in range(3 * N_ROWS):
        p, q = i // 9, i // 3
        out.append(
            {
                "paragraph": f"multirc {split} paragraph {p}.",
                "question": f"multirc question {q}?",
                "answer": f"answer {i}",
                "idx": {"paragraph": p, "question": q, "answer": i},
                "label": -1 if split == "test" else int(i % 3 != 2),
            }
        )
    return out


def wic_rows(split):
    return [
        {
            "word": f"word{i // 2}",
            "sentence1": f"wic {split} first {i}.",
            "sentence2": f"wic second {i}.",
            "start1": 0,
            "start2": 0,
            "end1": 4,
            "end2": 4,
            "idx": i,
            "label": -1 if split == "test" else i % 2,
        }
        for i in range(N_ROWS)
    ]


def twitter_rows(split):
    return [{"text": f"twitter {split} tweet {i}", "label": i % 2} for i in range(N_ROWS)]


def lichess_rows():
    return [{"id": f"pz{i:03d}", "ctx": "1. e4 1... e5 2.", "target": " Nf3"} for i in range(N_ROWS)]


def lichess_ratings_rows():
    cols = ("FEN", "Moves", "Themes", "GameUrl", "OpeningTags")
    return [
        {
            "PuzzleId": f"pz{i:03d}",
            **{c: "" for c in cols},
            "Rating": 800 + 100 * i,
            "RatingDeviation": 75,
            "Popularity": 90,
            "NbPlays": 100,
        }
        for i in range(N_ROWS)
    ]


# ---------------------------------------------------------------------------- the repositories


def _splits(rows: Callable[[str], list[dict]], names) -> dict[str, list[dict]]:
    return {s: rows(s) for s in names}


def _ethics(repo: Path, branch: str) -> None:
    subsets = ("commonsense", "deontology", "justice", "utilitarianism", "virtue")
    if branch == MAIN:  # the CSVs under data/ and the script that reads them
        _script(repo)
        for sub in subsets:
            for origin in ("train", "test", "test_hard"):
                _csv(repo / "data" / sub / f"{origin}.csv", ethics_rows(sub, origin), header=sub != "utilitarianism")
        return
    # the export of ethics.py: validation = test.csv (the normal test set), test = test_hard.csv
    for sub in subsets:
        _export(
            repo,
            sub,
            {
                "train": ethics_rows(sub, "train"),
                "validation": ethics_rows(sub, "test"),
                "test": ethics_rows(sub, "test_hard"),
            },
        )


def _super_glue(repo: Path, branch: str) -> None:
    rows = {"multirc": multirc_rows, "wic": wic_rows}
    if branch == EXPORT:
        for config, fn in rows.items():
            _export(repo, config, _splits(fn, ("train", "validation", "test")))
        return
    configs = {c: _converted(repo, c, _splits(fn, ("train", "validation", "test"))) for c, fn in rows.items()}
    _text(repo / "README.md", _readme(configs))


def _script_only(config: str, rows, splits) -> Callable[[Path, str], None]:
    """A repository whose main branch holds only its loading script; its export holds ``config``."""

    def build(repo: Path, branch: str) -> None:
        if branch == MAIN:
            _script(repo)
            _text(repo / "README.md", "---\nlicense: unknown\n---\n")
        else:
            _export(repo, config, _splits(rows, splits))

    return build


def _main_parquet(folder: str, rows, splits, config: str = "default", others=()) -> Callable[[Path, str], None]:
    """A main branch in parquet with a README ``configs:`` block (``others``: configs we do not use, listed
    too); its export has the same data under ``{config}/{split}/0000.parquet``."""

    def build(repo: Path, branch: str) -> None:
        if branch == EXPORT:
            _export(repo, config, _splits(rows, splits))
            return
        configs = {config: _converted(repo, folder, _splits(rows, splits))}
        for other in others:
            configs[other] = _converted(repo, other, _splits(rows, splits))
        _text(repo / "README.md", _readme(configs, default=config))

    return build


def _hh(repo: Path, branch: str = MAIN) -> None:
    """JSONL files per subset, no configs block (the card says: load with data_dir=<subset>)."""
    for subset in ("harmless-base", "helpful-base", "helpful-online", "helpful-rejection-sampled"):
        for split in ("train", "test"):
            _jsonl_gz(repo / subset / f"{split}.jsonl.gz", hh_rows(split, subset))
    _jsonl_gz(
        repo / "red-team-attempts" / "red_team_attempts.jsonl.gz",
        [{"transcript": "\n\nHuman: hi\n\nAssistant: hello", "rating": 0}],
    )


def _data_folder(rows, shards: int) -> Callable[[Path, str], None]:
    """A main branch with one split, train, in ``data/train-0000k-of-0000n.parquet`` and a default config."""

    def build(repo: Path, branch: str) -> None:
        all_rows = rows()
        for k in range(shards):
            _parquet(repo / "data" / f"train-{k:05d}-of-{shards:05d}.parquet", all_rows[k::shards])
        _text(repo / "README.md", _readme({"default": {"train": "data/train-*"}}))

    return build


# (hub id, branch) -> builder(repo folder, branch). Both branches exist on the Hub for these repositories;
# the export of a script-only repository is its only loadable branch.
TV, TVT = ("train", "validation"), ("train", "validation", "test")
_BUILDERS: dict[str, Callable[[Path, str], None]] = {
    "allenai/sciq": _main_parquet("data", sciq_rows, TVT),
    "google/boolq": _main_parquet("data", boolq_rows, TV),
    "allenai/cosmos_qa": _script_only("default", cosmos_rows, TVT),
    "fancyzhx/amazon_polarity": _main_parquet(
        "amazon_polarity", amazon_rows, ("train", "test"), config="amazon_polarity"
    ),
    "dataset-org/dream": _script_only("plain_text", dream_rows, TVT),
    "hendrycks/ethics": _ethics,
    "facebook/anli": _main_parquet(
        "plain_text", anli_rows, [f"{s}_r{r}" for r in (1, 2, 3) for s in ("train", "dev", "test")], config="plain_text"
    ),
    "nyu-mll/glue": _main_parquet("cola", cola_rows, TVT, config="cola", others=("sst2",)),
    "stanfordnlp/sst2": _main_parquet("data", sst2_rows, TVT),
    "Rowan/hellaswag": _main_parquet("data", hellaswag_rows, TVT),
    "CogComp/mc_taco": _script_only("plain_text", mc_taco_rows, ("validation", "test")),
    "allenai/openbookqa": _main_parquet("main", openbookqa_rows, TVT, config="main", others=("additional",)),
    "google-research-datasets/paws": _main_parquet(
        "labeled_final", paws_rows, TVT, config="labeled_final", others=("labeled_swap",)
    ),
    "textmachinelab/quail": _main_parquet("quail", quail_rows, ("train", "validation", "challenge"), config="quail"),
    "ybisk/piqa": _script_only("plain_text", piqa_rows, TVT),
    "allenai/quartz": _main_parquet("data", quartz_rows, TVT),
    "allenai/social_i_qa": _script_only("default", social_i_qa_rows, TV),
    "aps/super_glue": _super_glue,
    "EleutherAI/twitter-sentiment": _main_parquet("data", twitter_rows, ("train", "test")),
}
_MAIN_ONLY = {  # repositories we load from main only (their exports are not rebuilt)
    "Anthropic/hh-rlhf": _hh,
    "EleutherAI/lichess-puzzles": _data_folder(lichess_rows, shards=2),
    "Lichess/chess-puzzles": _data_folder(lichess_ratings_rows, shards=2),
}
REPOS: dict[tuple[str, str], Callable[[Path], None]] = {}
for _hub_id, _build in _BUILDERS.items():
    for _branch in (MAIN, EXPORT):
        REPOS[(_hub_id, _branch)] = lambda repo, b=_build, br=_branch: b(repo, br)
for _hub_id, _build in _MAIN_ONLY.items():
    REPOS[(_hub_id, MAIN)] = lambda repo, b=_build: b(repo, MAIN)


def split_marker(hub_id: str, split: str) -> str:
    """The word every row of ``hub_id``'s Hub split carries in its text (ETHICS: the CSV it came from)."""
    if hub_id == "hendrycks/ethics":
        return {"train": "train", "validation": "test", "test": "test_hard"}[split]
    return split


def branch_folder(root: Path, hub_id: str, revision: str | None) -> Path:
    """Where the local copy of ``hub_id`` at ``revision`` lives; the last folder is the repository's name,
    as datasets looks for a script named after it."""
    return root / (revision or MAIN).replace("/", "__") / hub_id


def build_all(root: Path) -> Path:
    """Rebuild every repository and branch under ``root``."""
    for (hub_id, branch), build in REPOS.items():
        build(branch_folder(root, hub_id, branch))
    return root


def route_hub(monkeypatch, root: Path) -> list[tuple]:
    """Send ``datasets.load_dataset`` calls for Hub ids to the rebuilt branches under ``root``; returns the
    list of (hub id, revision, name, data_dir) that were loaded, for assertions."""
    import datasets

    real = datasets.load_dataset
    calls: list[tuple] = []

    def load_dataset(path, name=None, *args, revision=None, data_dir=None, **kw):
        if path in ("parquet", "csv", "json") or os.path.isdir(path):
            return real(path, name, *args, revision=revision, data_dir=data_dir, **kw)
        local = branch_folder(root, path, revision)
        if not local.is_dir():
            raise FileNotFoundError(
                f"{path!r} at revision {revision or MAIN!r} is not a repository or branch "
                f"on the Hub (rebuilt: {sorted({h for h, _ in REPOS})})"
            )
        calls.append((path, revision, name, data_dir))
        # a datasets cache per rebuilt hub: datasets keys local folders by name and can otherwise serve the
        # rows of another layout of the same repository
        kw.setdefault("cache_dir", str(root / ".datasets-cache"))
        return real(str(local), name, *args, data_dir=data_dir, **kw)

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    return calls


# ---------------------------------------------------------------------------- models in the hub cache


def hub_model(hub_id: str, config, tokenizer=None, ref: str = "main", model=None) -> Path:
    """``hub_id`` at ``ref`` in the session's hub cache, laid out as huggingface_hub downloads it
    (``models--OWNER--NAME/snapshots/<commit>/`` and ``refs/<ref>``), so that ``from_pretrained(hub_id,
    revision=ref)`` resolves it offline. ``config`` alone stands for a model whose weights were not
    downloaded (what a preflight without --weights needs)."""
    import hashlib

    from huggingface_hub import constants

    repo = Path(constants.HF_HUB_CACHE) / f"models--{hub_id.replace('/', '--')}"
    commit = hashlib.sha1(f"{hub_id}@{ref}".encode()).hexdigest()
    snapshot = repo / "snapshots" / commit
    config.save_pretrained(snapshot)
    if tokenizer is not None:
        tokenizer.save_pretrained(snapshot)
    if model is not None:
        model.save_pretrained(snapshot)
    _text(repo / "refs" / ref, commit)
    return snapshot
