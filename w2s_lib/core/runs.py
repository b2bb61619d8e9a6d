"""One run engine for every setting: NLP classifiers, chess, vision probes, prompting, generative finetuning.

A *run* is a small object (``Run``): a ``kind``, a config, a name and a folder in the results root, the runs it
reads (``dependencies``), the fingerprint of the data it trains and tests on, and ``compute(writer)``, which
writes its files into a temporary folder and returns its metrics. ``run_or_load`` is the one place that decides
whether a run is done, and publishes it:

1. barrier (under a multi-process launch every process sees the same cache before deciding);
2. finished, with the same key? -> read its metrics;
3. otherwise run or load every dependency first;
4. remove temporary folders that dead processes left beside it;
5. compute into a temporary folder; the main process publishes it with one atomic rename, the others drop theirs;
6. barrier.

A kill at any point leaves only a ``.tmp-*`` folder, which step 4 of a later run removes, so a rerun resumes where
the killed one stopped. ``run_all`` runs a list and returns one row per run.

**Keys.** A run's folder is named by its config, its kind and that kind's ``CODE_VERSIONS`` entry (cheap:
``w2s plan`` names runs without loading any data). ``config.json`` also records the key parts that need the data
or the machine, and a finished run is reused only when they still hold:

* ``data``: the fingerprint of the prepared items (``data.splits.fingerprint``): a changed formatter, filter or
  split retrains every run that used them, instead of letting old runs answer for new data;
* ``compute``: where it ran, ``cuda`` or ``cpu:N`` with N intra-op threads. On a CPU, torch's reductions depend on
  the thread count (one supervisor measured 0.985 with 1 thread and 0.880 with 2), and torch offers no way to make
  them agree short of training on one thread everywhere, which would slow every laptop run; so the thread count
  is part of the key. A CPU process reuses CPU runs made with its own thread count, and CUDA runs (it cannot make
  those, and they are what the paper presets mean); a CUDA process reuses only CUDA runs.
"""

from __future__ import annotations

import dataclasses
import importlib
import types
import typing
import warnings
from pathlib import Path

import pandas as pd

from w2s_lib.core import cache, dist
from w2s_lib.core.progress import show_progress

# A change to what a kind's runs compute (their data, training, metrics or files) must bump its version here:
# every run of that kind then gets a new folder. tests/core/test_run_keys.py fails when a task's formatted items
# change while the "nlp" version does not.
CODE_VERSIONS = {"nlp": 1, "chess": 1, "vision": 1, "prompt": 1, "genft": 1}
# The module that defines each kind's Run, imported by name when a config.json of that kind is read back.
KIND_MODULES = {
    "nlp": "w2s_lib.nlp.protocol",
    "chess": "w2s_lib.chess.protocol",
    "vision": "w2s_lib.vision.protocol",
    "prompt": "w2s_lib.nlp.prompting",
    "genft": "w2s_lib.nlp.genft",
}
KEY_FIELD = "run_key"  # the key parts config.json records beside the config's fields and its kind
KINDS: dict[str, type[Run]] = {}


class Run:
    """One cached computation. Subclasses set ``kind`` and ``config_type`` and implement the methods below."""

    kind: typing.ClassVar[str] = ""
    config_type: typing.ClassVar[type] = object
    # True: every process of a multi-process launch computes the run together (DDP/FSDP training); False: the
    # main process computes it while the others wait, then read its metrics.
    distributed: typing.ClassVar[bool] = False

    def __init__(self, config, root, device=None):
        self.config, self.root, self.device = config, Path(root), device

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.kind:
            if cls.kind not in CODE_VERSIONS:
                raise ValueError(f"run kind {cls.kind!r} has no CODE_VERSIONS entry")
            KINDS[cls.kind] = cls

    @property
    def name(self) -> str:
        """The folder's name: readable parts, then ``key_hash``."""
        return self.folder.name

    @property
    def folder(self) -> Path:
        raise NotImplementedError

    def dependencies(self) -> list[Run]:
        return []

    def fingerprint(self) -> str:
        """A digest of the data the run trains and tests on (computed once per prepared dataset)."""
        raise NotImplementedError

    def compute(self, writer: cache.RunWriter, progress: bool | None) -> dict:
        """Write the run's files into ``writer`` and return its metrics (config.json and metrics.json are
        written by the engine)."""
        raise NotImplementedError

    def reusable(self, folder: Path) -> bool:
        """Whether a finished folder holds everything this request needs (e.g. a checkpoint)."""
        return True

    def key(self) -> dict:
        version, compute = CODE_VERSIONS[self.kind], compute_tag(self.device)
        return {"code_version": version, "data": self.fingerprint(), "compute": compute}


def compute_tag(device=None) -> str:
    """Where a run computes: ``cuda``, or ``cpu:N`` for N intra-op threads (the module docstring says why)."""
    import torch

    from w2s_lib.core.fit import default_device

    dev = torch.device(device) if device is not None else default_device()
    return "cuda" if dev.type == "cuda" else f"{dev.type}:{torch.get_num_threads()}"


def compute_matches(recorded: str | None, current: str) -> bool:
    """Whether a run made on ``recorded`` may stand for one this process (on ``current``) would make."""
    return recorded == current or (recorded == "cuda" and current.startswith("cpu:"))


def key_hash(kind: str, cfg, *also: str) -> str:
    """The short hash in a run's folder name: its config (fields left at their defaults omitted, so a new option
    keeps old names), its kind and the code versions of its kind and of the kinds ``also`` it reads."""
    versions = {k: CODE_VERSIONS[k] for k in (kind, *also)}
    return cache.digest({"config": cache.non_default(cfg), "kind": kind, "versions": versions})


# ---------------------------------------------------------------------------------------------------------------
# config.json: the config's fields, its kind and the recorded key


def record(run: Run) -> dict:
    fields = cache.config_dict(run.config)
    assert "kind" not in fields and KEY_FIELD not in fields, "a config field would shadow the run record"
    return {**fields, "kind": run.kind, KEY_FIELD: run.key()}


def read_record(folder: Path) -> dict:
    return cache.read_json(Path(folder) / cache.CONFIG_FILE)


def load_config(folder_or_record):
    """The config object of a finished run (its folder, or its config.json as a dict), by its recorded kind.
    Runs cached before kinds were recorded are NLP runs."""
    d = folder_or_record if isinstance(folder_or_record, dict) else read_record(folder_or_record)
    kind = d.get("kind", "nlp")
    if kind not in KIND_MODULES:
        raise ValueError(f"unknown run kind {kind!r}; valid: {', '.join(KIND_MODULES)}")
    importlib.import_module(KIND_MODULES[kind])  # registers the kind's Run
    return from_dict(KINDS[kind].config_type, {k: v for k, v in d.items() if k not in ("kind", KEY_FIELD)})


def from_dict(cls, d: dict):
    """Rebuild the frozen dataclass ``cls`` from its JSON form: nested configs from their type hints, lists
    back to tuples (e.g. ``TrainConfig.loss_kw``). One rule for every setting's configs."""
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _rebuild(hints[f.name], d[f.name]) for f in dataclasses.fields(cls) if f.name in d})


def _rebuild(hint, value):
    if value is None:
        return None
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)]
        return from_dict(inner[0], value) if inner else value
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value)
    if hint is tuple or typing.get_origin(hint) is tuple:
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return tuple(_rebuild(args[0], v) if args else tuplify(v) for v in value)
    return value


def tuplify(value):
    """JSON's (or YAML's) lists as tuples, nested ones too."""
    return tuple(tuplify(v) for v in value) if isinstance(value, list) else value


# ---------------------------------------------------------------------------------------------------------------
# The engine


def stale_reason(run: Run, folder: Path) -> str | None:
    """Why a finished folder cannot answer for ``run`` (None: it can)."""
    recorded = read_record(folder).get(KEY_FIELD) or {}
    if recorded.get("data") != run.fingerprint():
        return "its data changed since it was cached (another formatter, filter or split)"
    current = compute_tag(run.device)
    if not compute_matches(recorded.get("compute"), current):
        return f"it was computed on {recorded.get('compute')} and this process computes on {current}"
    return None


def is_done(run: Run) -> bool:
    """Whether ``run`` is finished, complete for this request and not stale (warns when stale)."""
    folder = run.folder
    if not cache.is_finished(folder) or not run.reusable(folder):
        return False
    reason = stale_reason(run, folder)
    if reason is not None:
        warnings.warn(f"{run.name}: recomputing, {reason}")
    return reason is None


def run_or_load(run: Run, *, force: bool = False, progress: bool | None = None) -> dict:
    """The metrics of ``run``, computing it (and its dependencies, if needed) unless it is done.

    ``force`` recomputes this run, not its dependencies."""
    # 1. one view of the cache for every process
    dist.barrier()
    # 2. finished with the same key: reuse
    if not force and is_done(run):
        return cache.read_json(run.folder / cache.METRICS_FILE)
    # 3. what it reads first
    for dep in run.dependencies():
        run_or_load(dep, progress=progress)
    # 4. temporary folders of killed runs
    if dist.is_main():
        cache.clean_stale_tmp(run.folder.parent)
    dist.barrier()
    # 5. compute and publish atomically
    if run.distributed or dist.is_main():
        metrics = _compute(run, progress)
    dist.barrier()
    # 6. processes that waited read what the main process published
    if not (run.distributed or dist.is_main()):
        metrics = cache.read_json(run.folder / cache.METRICS_FILE)
    return metrics


def _compute(run: Run, progress) -> dict:
    writer = cache.RunWriter(run.folder)
    try:
        metrics = run.compute(writer, progress)
        writer.json(cache.CONFIG_FILE, record(run))
        writer.json(cache.METRICS_FILE, metrics)
        if dist.is_main():
            writer.commit(force=True)
        else:
            writer.abort()
    except BaseException:
        writer.abort()
        raise
    return cache.jsonable(metrics)


def dependency_order(todo: list[Run], *, skip=lambda run: False) -> list[tuple[Run, int]]:
    """Each run of ``todo`` and every run it reads, once, after the runs it reads, with its depth (0: it reads
    no run left to compute). ``skip`` leaves runs out, with what only they read (``is_done``: finished ones).
    The one walk of the dependencies: ``w2s plan``'s order and the job launcher's stages."""
    depth: dict[Path, int] = {}
    order: list[tuple[Run, int]] = []

    def visit(run: Run) -> int:
        if run.folder not in depth:
            needed = [d for d in run.dependencies() if not skip(d)]
            depth[run.folder] = 1 + max((visit(d) for d in needed), default=-1)
            order.append((run, depth[run.folder]))
        return depth[run.folder]

    for run in todo:
        if not skip(run):
            visit(run)
    return order


def run_all(runs: list[Run], *, force: bool = False, progress: bool | None = None, desc: str = "runs") -> pd.DataFrame:
    """Run (or load) every run in order; one row of metrics per run, with its folder name in ``run``."""
    from tqdm.auto import tqdm

    bar = tqdm(runs, desc=desc, disable=not (show_progress(progress) and dist.is_main()), dynamic_ncols=True)
    return pd.DataFrame([{**run_or_load(r, force=force, progress=progress), "run": r.name} for r in bar])
